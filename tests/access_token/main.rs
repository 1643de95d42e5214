//! The access-token cache: its rules, force refresh, sharing between processes, the token API's
//! answers, redaction, the contract, the (state, event) table and the model-based test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

#[path = "../support/mod.rs"]
mod support;

mod cache;
mod contract;
mod force;
mod model_based;
mod redaction;
mod response;
mod shared;
mod table;
