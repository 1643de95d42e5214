//! Invariants: see `tests/support/harness/client.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxlogin_fuzz::client_events(data));
