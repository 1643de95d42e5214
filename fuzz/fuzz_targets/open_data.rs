//! Invariants: see `tests/support/harness/open_data.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxlogin_fuzz::open_data(data));
