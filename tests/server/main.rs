//! The developer server's side: code2Session, the login exchange and its coordinator, sessions,
//! the contract with the client (and the client and server driven as a pair), redaction, phone
//! numbers and session-key signatures.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

#[path = "../support/mod.rs"]
mod support;

mod code2session;
mod code_once;
mod contract;
mod coordinator;
mod late;
mod login;
mod pair;
mod phone;
mod redaction;
mod scrub;
mod session;
mod session_key;
