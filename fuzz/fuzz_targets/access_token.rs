//! Invariants: see `tests/support/harness/access_token.rs`.
#![no_main]

#[path = "../../tests/support/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::access_token::access_token(data));
