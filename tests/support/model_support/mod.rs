//! The proptest configuration both reference-model tests share.
#![allow(dead_code, unreachable_pub)]

use proptest::test_runner::{Config, RngSeed};

/// At least `cases` cases (`PROPTEST_CASES` may ask for more), no regression files, and a
/// fixed seed unless `PROPTEST_RNG_SEED` chooses one: CI is reproducible, exploring is one
/// variable away.
pub fn config(cases: u32) -> Config {
    let default = Config::default();
    Config {
        cases: default.cases.max(cases),
        failure_persistence: None,
        rng_seed: match default.rng_seed {
            RngSeed::Random => RngSeed::Fixed(0x5EED_2026),
            chosen => chosen,
        },
        ..default
    }
}
