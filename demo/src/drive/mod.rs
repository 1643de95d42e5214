//! The drivers: files a user can copy into a deployment, with no lab concerns.
//!
//! | module | concern |
//! |---|---|
//! | [`client`] | the client driver: `LoginMachine` over HTTP, JSON-file storage, a `wx` that gets codes |
//! | [`clock`] | the one clock every party reads |
//! | [`http_client`], [`http_values`] | the HTTP client (hyper) for `wxlogin::http` requests, and a [`Route`](http_client::Route) for a front |
//! | [`listen`] | a listener on a port the OS chooses |
//! | [`log`] | where a driver reports what it did |
//! | [`random`] | randomness from the OS for tokens and seeds |

pub mod client;
pub mod clock;
pub mod http_client;
pub mod http_values;
pub mod listen;
pub mod log;
pub mod random;
