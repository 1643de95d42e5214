//! Open data (feature `crypto`): decryption, the typed payloads, the rawData signature,
//! properties and redaction.
#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

// The shared helpers this crate uses, from `tests/support/`.
#[path = "../support/markers.rs"]
mod markers;
#[path = "../support/open_data_support/mod.rs"]
mod open_data_support;

mod decrypt;
mod plaintext;
mod props;
mod redaction;
mod signature;
