//! Invariants: see `tests/harness/open_data.rs`.
#![no_main]

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::open_data::open_data(data));
