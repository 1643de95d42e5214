//! `wxlogin` driven over real HTTP on loopback, the way a deployment would drive it.
//!
//! Three parties, each on its own `127.0.0.1` port chosen by the operating system:
//!
//! ```text
//!  client driver (LoginMachine)  --HTTP-->  developer server (axum)  --HTTP-->  fake WeChat (axum)
//!   fake wx: codes from the fake WeChat      LoginCoordinator, sessions         jscode2session,
//!   storage: a JSON file                     in a SessionStore, OS tokens       stable_token,
//!                                                                               checksession
//! ```
//!
//! | module | concern |
//! |---|---|
//! | [`drive`] | drivers a user can copy: [`drive::access_token`] runs an `AccessTokenCache` on tokio |
//! | [`client`] | the client driver: `LoginMachine` over HTTP, JSON-file storage, fake `wx` |
//! | [`server`] | the developer server: axum handlers around `LoginCoordinator` and a session store |
//! | [`wechat`] | the fake WeChat API with fault switches and per-code counters |
//! | [`link`] | faults on the link between client and developer server (lost or slow answers) |
//! | [`scenarios`] | the client scenarios of the summary table |
//! | [`load`] | the load run: many clients at once with injected faults |
//! | [`stack`] | starts the three parties together for one scenario or run |
//! | [`http_client`], [`http_values`], [`listen`], [`clock`], [`random`], [`trace`] | the pieces every party shares |
//!
//! Nothing here logs a secret: requests, events and commands are traced through their
//! redacting `Debug`, and tokens appear only as [`trace::fingerprint`]s.
#![forbid(unsafe_code)]

pub mod client;
pub mod clock;
pub mod drive;
pub mod http_client;
pub mod http_values;
pub mod link;
pub mod listen;
pub mod load;
pub mod random;
pub mod scenarios;
pub mod server;
pub mod stack;
pub mod trace;
pub mod wechat;
