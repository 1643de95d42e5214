//! Sans-IO WeChat Mini Program login. (Crate documentation is written with the client machine.)

pub mod http;
pub mod secret;
pub mod server;
pub mod wire;
