//! The client `LoginMachine`: one scenario per rule, the exhaustive table, properties, the wire
//! form, the model-based test, and the client driven against the real server coordinator.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

// The shared helpers this crate uses, from `tests/support/`.
#[path = "../support/ledger/client.rs"]
mod client_ledger;
#[path = "../support/clock.rs"]
mod clock;
#[path = "../support/common/mod.rs"]
mod common;
#[path = "../support/markers.rs"]
mod markers;
#[path = "../support/model_support/mod.rs"]
mod model_support;
#[path = "../support/rng.rs"]
mod rng;
/// The one fake WeChat (`tests/support/wechat/`): the files of the APIs this crate uses.
#[path = "../support/wechat"]
mod wechat {
    pub(crate) mod app;
    pub(crate) mod code2session;
    pub(crate) mod codes;
    pub(crate) mod errcode;
}

mod model_based;
mod pair;
mod properties;
mod rules;
mod table;
mod wire;
