//! Seconds from the world as a [`Duration`], saturating: WeChat's `expires_in` and the wire's
//! seconds are `u64`, a `Duration` holds at most `i64::MAX` seconds.

use time::{Duration, OffsetDateTime, Time};

/// `seconds` as a [`Duration`], `i64::MAX` seconds for anything larger (a lifetime that long
/// then saturates at the end of representable time wherever it is added).
pub(crate) fn seconds(seconds: u64) -> Duration {
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// `at.saturating_add(duration)`, the same instant, without the calendar when it can: a
/// duration of less than a day that ends on the same local day or the next moves the time of
/// day, and the date by one day at most (the time crate's addition goes through Julian days
/// every time).
pub(crate) fn saturating_add(at: OffsetDateTime, duration: Duration) -> OffsetDateTime {
    const NANOS: i64 = 1_000_000_000;
    const DAY: i64 = 86_400 * NANOS;
    let seconds = duration.whole_seconds();
    if seconds.unsigned_abs() < 86_400 {
        let (h, m, s, ns) = at.time().as_hms_nano();
        let of_day =
            (i64::from(h) * 3_600 + i64::from(m) * 60 + i64::from(s)) * NANOS + i64::from(ns);
        let then = of_day + seconds * NANOS + i64::from(duration.subsec_nanoseconds());
        let (date, then) = match then {
            0..DAY => (Some(at.date()), then),
            DAY.. => (at.date().next_day(), then - DAY),
            _ => (None, then),
        };
        // `then` is now below a day (the duration is): below 24 hours, 60 minutes, 60 seconds
        // and 10^9 ns, so the casts cannot truncate.
        if let Some(date) = date {
            let (secs, nanos) = (then / NANOS, then % NANOS);
            let time = Time::from_hms_nano(
                (secs / 3_600) as u8,
                (secs / 60 % 60) as u8,
                (secs % 60) as u8,
                nanos as u32,
            );
            if let Ok(time) = time {
                return at.replace_date(date).replace_time(time);
            }
        }
    }
    at.saturating_add(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut gives the time crate's answer, at every edge of a day and of time.
    #[test]
    fn saturating_add_is_the_time_crates() {
        use time::{PrimitiveDateTime, UtcOffset};
        let plus8 = UtcOffset::from_hms(8, 0, 0).unwrap();
        let minus5 = UtcOffset::from_hms(-5, 0, 30).unwrap();
        let at = |unix: i64, nanos: i64| {
            let total = i128::from(unix) * 1_000_000_000 + i128::from(nanos);
            OffsetDateTime::from_unix_timestamp_nanos(total).unwrap()
        };
        let instants = [
            at(0, 0),
            at(1_700_000_000, 0),
            at(1_703_980_799, 1),
            at(1_709_164_800, 0),
            at(1_709_251_199, 999_999_999),
            at(1_700_006_399, 999_999_999),
            at(1_700_006_400, 0),
            at(-1, 500),
            at(1_700_000_000, 7).to_offset(plus8),
            at(1_700_000_000, 7).to_offset(minus5),
            PrimitiveDateTime::MAX.assume_offset(minus5),
            PrimitiveDateTime::MIN.assume_offset(plus8),
            PrimitiveDateTime::MAX.assume_utc(),
        ];
        let durations = [
            Duration::ZERO,
            Duration::nanoseconds(1),
            Duration::nanoseconds(-1),
            Duration::seconds(15),
            Duration::minutes(5),
            Duration::hours(2),
            Duration::seconds(86_399) + Duration::nanoseconds(999_999_999),
            Duration::days(1),
            Duration::seconds(-86_399),
            Duration::MAX,
            Duration::MIN,
        ];
        for &now in &instants {
            for &d in &durations {
                let (ours, theirs) = (saturating_add(now, d), now.saturating_add(d));
                assert_eq!(ours, theirs, "{now} + {d}");
                assert_eq!(ours.offset(), theirs.offset(), "{now} + {d}");
            }
        }
    }

    #[test]
    fn saturates() {
        assert_eq!(seconds(7200), Duration::hours(2));
        assert_eq!(seconds(i64::MAX as u64), Duration::seconds(i64::MAX));
        assert_eq!(seconds(u64::MAX), Duration::seconds(i64::MAX));
    }
}
