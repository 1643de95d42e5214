//! Invariants: see `tests/support/harness/server.rs`.
#![no_main]

#[path = "../../tests/support/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::server::server_login(data));
