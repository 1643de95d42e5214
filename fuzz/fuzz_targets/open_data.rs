//! Invariants: see `tests/support/harness/open_data.rs`.
#![no_main]

#[path = "../../tests/support/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::open_data::open_data(data));
