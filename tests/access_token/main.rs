//! The access-token cache: its rules, force refresh, sharing between processes, the token API's
//! answers, redaction, the contract, the (state, event) table and the model-based test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

// The shared helpers this crate uses, from `tests/support/`.
#[path = "../support/access_token_support/mod.rs"]
mod access_token_support;
#[path = "../support/clock.rs"]
mod clock;
#[path = "../support/markers.rs"]
mod markers;
#[path = "../support/model_support/mod.rs"]
mod model_support;
#[path = "../support/rng.rs"]
mod rng;
#[path = "../support/ledger/access_token.rs"]
mod token_ledger;
/// The one fake WeChat (`tests/support/wechat/`): the files of the APIs this crate uses.
#[path = "../support/wechat"]
mod wechat {
    pub(crate) mod app;
    pub(crate) mod errcode;
    pub(crate) mod token;
}

mod cache;
mod contract;
mod failures;
mod force;
mod model_based;
mod redaction;
mod response;
mod shared;
mod table;
