//! Invariants: see `tests/harness/parsers.rs`.
#![no_main]

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::parsers::parsers(data));
