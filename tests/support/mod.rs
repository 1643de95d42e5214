//! Shared by every test crate (`tests/*/main.rs`, `tests/fuzz_corpus.rs`) and, for `harness`,
//! by the fuzz targets in `fuzz/`.
#![allow(dead_code, unused_imports, unreachable_pub)] // each crate uses a different subset

pub mod access_token_support;
pub mod common;
pub mod harness;
pub mod model_support;
#[cfg(feature = "crypto")]
pub mod open_data_support;
pub mod server_util;
