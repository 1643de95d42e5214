//! Invariants: see `tests/support/harness/client.rs`.
#![no_main]

#[path = "../../tests/support/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::client::client_events(data));
