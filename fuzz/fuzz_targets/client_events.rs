//! Invariants: see `tests/harness/client.rs`.
#![no_main]

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::client::client_events(data));
