//! What each errcode of docs/protocol.md §3 asks the developer server to do, and when a quota
//! resets.

use time::OffsetDateTime;

/// Beijing time is UTC+8 all year; WeChat's daily quotas reset at its midnight.
const BEIJING_OFFSET_SECONDS: i64 = 8 * 3600;

/// What an errcode asks the developer server to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// `-1`, system busy: retry with backoff (within the code's life).
    Retry,
    /// `40029` (invalid or expired code), `40163` (code already used): the client needs a new code.
    NewCodeNeeded,
    /// A quota was reached: wait until it resets.
    RateLimited(Quota),
    /// `40226`, a high-risk user: do not retry; tell the user.
    Blocked,
    /// A bad appid or secret, a missing parameter, an IP not on the whitelist, a frozen secret:
    /// alert the operator; retrying cannot help.
    Configuration,
    /// `40001`, `40014`, `42001`: the access token is invalid, not the latest, or expired.
    TokenInvalid,
    /// A code this crate does not know: keep it, do not retry blindly.
    Unknown,
}

/// Which WeChat quota was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quota {
    /// `45011`, the per-minute quota: retry at the next minute.
    Minute,
    /// `45009`, the daily quota: retry at the next midnight, Beijing time (UTC+8).
    Day,
}

impl Quota {
    /// When the quota resets: the next minute boundary, or the next Beijing midnight.
    ///
    /// `None` only when that instant is past the range of [`OffsetDateTime`].
    pub(crate) fn resets_at(self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let (period, offset) = match self {
            Quota::Minute => (60, 0),
            Quota::Day => (86_400, BEIJING_OFFSET_SECONDS),
        };
        let local = now.unix_timestamp().checked_add(offset)?;
        let next = local
            .div_euclid(period)
            .checked_add(1)?
            .checked_mul(period)?;
        OffsetDateTime::from_unix_timestamp(next.checked_sub(offset)?).ok()
    }

    /// Whole seconds from `now` until the quota resets, rounded up, at least 1.
    pub(crate) fn retry_after(self, now: OffsetDateTime) -> u64 {
        let Some(at) = self.resets_at(now) else {
            return 1;
        };
        let nanos = at.unix_timestamp_nanos() - now.unix_timestamp_nanos();
        let seconds =
            nanos.div_euclid(1_000_000_000) + i128::from(nanos.rem_euclid(1_000_000_000) != 0);
        u64::try_from(seconds).unwrap_or(1).max(1)
    }
}

/// Classifies a WeChat errcode. `0` is success and is never classified; it lands in
/// [`ErrorClass::Unknown`].
pub(crate) fn classify(errcode: i64) -> ErrorClass {
    match errcode {
        -1 => ErrorClass::Retry,
        40029 | 40163 => ErrorClass::NewCodeNeeded,
        45011 => ErrorClass::RateLimited(Quota::Minute),
        45009 => ErrorClass::RateLimited(Quota::Day),
        40226 => ErrorClass::Blocked,
        40013 | 40125 | 41002 | 41004 | 40164 | 40243 | 89503 | 89506 | 89507 => {
            ErrorClass::Configuration
        }
        40001 | 40014 | 42001 => ErrorClass::TokenInvalid,
        _ => ErrorClass::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn quota_resets() {
        // 2024-01-01T00:00:30Z: the next minute is 30 s away.
        let now = at(1_704_067_230);
        assert_eq!(Quota::Minute.retry_after(now), 30);
        // Beijing midnight is 16:00 UTC; at 00:00:30Z it is 08:00:30 in Beijing.
        assert_eq!(
            Quota::Day.resets_at(now),
            Some(at(1_704_067_200 + 16 * 3600))
        );
        // Exactly on a boundary: wait a whole period.
        assert_eq!(Quota::Minute.retry_after(at(1_704_067_200)), 60);
        let half = now + time::Duration::milliseconds(500);
        assert_eq!(Quota::Minute.retry_after(half), 30);
    }

    #[test]
    fn quota_at_absurd_times() {
        let max = time::PrimitiveDateTime::MAX.assume_utc();
        let min = time::PrimitiveDateTime::MIN.assume_utc();
        for now in [max, min] {
            for quota in [Quota::Minute, Quota::Day] {
                let _ = quota.resets_at(now);
                assert!(quota.retry_after(now) >= 1);
            }
        }
        assert_eq!(Quota::Day.resets_at(max), None);
    }
}
