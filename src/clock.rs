//! Time arithmetic that no input can make panic: every machine adds durations to times the
//! caller passed in, which may be anything from `OffsetDateTime` at its minimum to its maximum.

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// `t + d`, saturating at the ends of the representable range instead of overflowing.
pub(crate) fn add_saturating(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t.checked_add(d).unwrap_or_else(|| {
        if d.is_negative() {
            PrimitiveDateTime::MIN.assume_utc()
        } else {
            PrimitiveDateTime::MAX.assume_utc()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_at_both_ends() {
        let max = PrimitiveDateTime::MAX.assume_utc();
        let min = PrimitiveDateTime::MIN.assume_utc();
        assert_eq!(add_saturating(max, Duration::seconds(1)), max);
        assert_eq!(add_saturating(min, Duration::seconds(-1)), min);
        assert_eq!(add_saturating(min, Duration::MAX), max);
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(add_saturating(t, Duration::seconds(5)).unix_timestamp(), 5);
    }
}
