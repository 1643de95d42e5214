//! `wxlogin` driven over real HTTP on loopback, the way a deployment would drive it.
//!
//! Three parties, each on its own `127.0.0.1` port chosen by the operating system:
//!
//! ```text
//!  client driver (LoginMachine)  --HTTP-->  developer server            --HTTP-->  fake WeChat (axum)
//!   fake wx: codes from the fake WeChat      wxlogin-server: router(),            jscode2session,
//!   storage: a JSON file                     LoginService, WxSession,             stable_token,
//!                                            MemoryStore (RedisStore +            checksession
//!                                            CodeJoin for replicas)
//! ```
//!
//! Two halves:
//!
//! | module | concern |
//! |---|---|
//! | [`drive`] | the client driver, files a user can copy: the loop around `LoginMachine`, the clock, the HTTP client, the [`drive::log::Log`] it reports to. The developer server is `wxlogin-server` itself |
//! | [`lab`] | what only the lab needs: the fake WeChat and its faults, the faulty link, the trace, the developer server with counters, the scenarios, the load and multi-replica runs, the stack that starts all three parties |
//!
//! `drive` never imports `lab`. Nothing here logs a secret: requests, events and commands are
//! traced through their redacting `Debug`, and tokens appear only as
//! [`drive::log::fingerprint`]s.
#![forbid(unsafe_code)]

pub mod drive;
pub mod lab;
