//! What both reference-model tests share: the proptest configuration and model time on the
//! test clock.

use crate::clock;
use crate::rng::Rng;
use proptest::test_runner::{Config, RngSeed};
use time::{Duration, OffsetDateTime};

/// At least `cases` cases (`PROPTEST_CASES` may ask for more), no regression files, and a
/// fixed seed unless `PROPTEST_RNG_SEED` chooses one: CI is reproducible, exploring is one
/// variable away.
pub(crate) fn config(cases: u32) -> Config {
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

/// The instant `ms` milliseconds after `origin` (unix seconds on the test clock): model time
/// as the machine sees it.
pub(crate) fn instant(origin: i64, ms: i64) -> OffsetDateTime {
    clock::at(origin - clock::T0) + Duration::milliseconds(ms)
}

/// `time` as model time: whole milliseconds after `origin`.
pub(crate) fn millis(origin: i64, time: OffsetDateTime) -> i64 {
    i64::try_from((time - instant(origin, 0)).whole_milliseconds()).expect("a model time")
}

/// `Backoff`'s documented delay before retry `attempt` (from 1), in whole milliseconds:
/// `d = min(max, initial * 2^(attempt - 1))`, then `d/2` plus a uniform draw from
/// `0..=d - d/2` out of the seeded splitmix64.
pub(crate) fn backoff_delay(rng: &mut Rng, initial: i64, max: i64, attempt: u32) -> i64 {
    let capped = (initial << attempt.saturating_sub(1).min(20)).min(max);
    let half = capped / 2;
    let span = (capped - half) as u64;
    let jitter = if span == 0 {
        0
    } else {
        rng.next_u64() % (span + 1)
    };
    half + jitter as i64
}
