//! The one clock of the tests, the models and the fuzz harnesses: every run starts at [`T0`]
//! and names its instants in seconds after it. No wall clock anywhere.

use time::OffsetDateTime;

/// The start of every run, in unix seconds: 2024-01-01T00:00:00Z, 08:00 in Beijing (where
/// WeChat's daily quotas reset at midnight).
pub(crate) const T0: i64 = 1_704_067_200;

/// The instant `seconds` after [`T0`] (before it when negative).
pub(crate) fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0 + seconds).expect("within time's range")
}

/// The start itself.
pub(crate) fn t0() -> OffsetDateTime {
    at(0)
}
