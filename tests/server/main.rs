//! The developer server's side: code2Session, the login exchange and its coordinator, sessions,
//! the contract with the client, redaction, phone numbers and session-key signatures.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

// The shared helpers this crate uses, from `tests/support/`.
#[path = "../support/clock.rs"]
mod clock;
#[path = "../support/markers.rs"]
mod markers;
#[path = "../support/rng.rs"]
mod rng;
#[path = "../support/ledger/server.rs"]
mod server_ledger;
#[path = "../support/server_util/mod.rs"]
mod server_util;
/// The one fake WeChat (`tests/support/wechat/`): the files of the APIs this crate uses.
#[path = "../support/wechat"]
mod wechat {
    pub(crate) mod app;
    pub(crate) mod code2session;
    pub(crate) mod errcode;
    pub(crate) mod phone;
}

mod code2session;
mod code_once;
mod contract;
mod coordinator;
mod late;
mod login;
mod phone;
mod redaction;
mod robustness;
mod scrub;
mod session;
mod session_key;
