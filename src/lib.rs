//! Sans-IO WeChat Mini Program login. (Crate documentation is written with the client machine.)

pub mod client;
mod clock;
pub mod http;
pub mod secret;
pub mod wire;
