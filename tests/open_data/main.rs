//! Open data (feature `crypto`): decryption, the typed payloads, the rawData signature,
//! properties and redaction.
#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

#[path = "../support/mod.rs"]
mod support;

mod decrypt;
mod plaintext;
mod props;
mod redaction;
mod signature;
