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
//! Two halves:
//!
//! | module | concern |
//! |---|---|
//! | [`drive`] | the drivers, files a user can copy: the client around `LoginMachine`, the developer server around `LoginCoordinator`, the access-token cache, the clock, the HTTP conversions, the [`drive::log::Log`] they report to |
//! | [`lab`] | what only the lab needs: the fake WeChat and its faults, the faulty link, the trace, the scenarios, the load run and the stack that starts all three parties |
//!
//! `drive` never imports `lab`. Nothing here logs a secret: requests, events and commands are
//! traced through their redacting `Debug`, and tokens appear only as
//! [`drive::log::fingerprint`]s.
#![forbid(unsafe_code)]

pub mod drive;
pub mod lab;
