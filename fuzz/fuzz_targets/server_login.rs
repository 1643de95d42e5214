//! Invariants: see `tests/support/harness/server.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxlogin_fuzz::server_login(data));
