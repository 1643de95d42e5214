//! Time at the boundary: JavaScript's `Date.now()`, an f64 of milliseconds since the Unix epoch.

use time::OffsetDateTime;

/// The instant `ms` milliseconds after the epoch (fractions dropped), or `None` for a NaN, an
/// infinity or a time outside the years ±9999.
pub(crate) fn from_millis(ms: f64) -> Option<OffsetDateTime> {
    if !ms.is_finite() {
        return None;
    }
    // Saturating cast; anything that large is out of range below anyway.
    let nanos = (ms.trunc() as i128).checked_mul(1_000_000)?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// Whole milliseconds since the epoch, rounded up so that a timer set to it never fires early.
/// Every representable instant fits in 2^53, so JavaScript reads it exactly.
pub(crate) fn to_millis(at: OffsetDateTime) -> i64 {
    let ms = at.unix_timestamp_nanos().div_euclid(1_000_000)
        + i128::from(at.unix_timestamp_nanos().rem_euclid(1_000_000) != 0);
    // Years ±9999 are about ±2.5e14 ms.
    i64::try_from(ms).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_whole_milliseconds() {
        let at = from_millis(1_796_085_391_273.9).unwrap();
        assert_eq!(to_millis(at), 1_796_085_391_273);
        assert_eq!(to_millis(from_millis(-1.0).unwrap()), -1);
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e18] {
            assert_eq!(from_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn rounds_a_partial_millisecond_up() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_500_001).unwrap();
        assert_eq!(to_millis(at), 2);
        let max = OffsetDateTime::new_utc(time::Date::MAX, time::Time::MAX);
        assert!(to_millis(max) < 1 << 53);
    }
}
