//! Invariants: see `tests/support/harness/access_token.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxlogin_fuzz::access_token(data));
