//! Invariants: see `tests/support/harness/parsers.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxlogin_fuzz::parsers(data));
