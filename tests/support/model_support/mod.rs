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

/// The origin of model time, in unix seconds: 15 h 50 min after the test clock's start
/// (2024-01-01T15:50:00Z), ten minutes before a Beijing midnight, so that runs cross one.
pub(crate) const ORIGIN: i64 = clock::T0 + 57_000;

/// The instant of model time `ms`: milliseconds after [`ORIGIN`].
pub(crate) fn at(ms: i64) -> OffsetDateTime {
    clock::at(ORIGIN - clock::T0) + Duration::milliseconds(ms)
}

/// `time` as model time: whole milliseconds after [`ORIGIN`].
pub(crate) fn ms(time: OffsetDateTime) -> i64 {
    i64::try_from((time - at(0)).whole_milliseconds()).expect("a model time")
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

/// An `UnexpectedEvent` refusal as a model predicts it, for either machine: the state, the
/// events it accepts there, and the event it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unexpected<S, K> {
    pub(crate) state: S,
    pub(crate) expected: Vec<K>,
    pub(crate) got: K,
}

impl<S: Copy, K: Copy> Unexpected<S, K> {
    /// The model's form of a machine's `UnexpectedEvent { state, expected, got }`.
    pub(crate) fn of(state: &S, expected: &[K], got: &K) -> Self {
        Self {
            state: *state,
            expected: expected.to_vec(),
            got: *got,
        }
    }
}
