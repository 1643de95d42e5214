//! Seconds from the world as a [`Duration`], saturating: WeChat's `expires_in` and the wire's
//! seconds are `u64`, a `Duration` holds at most `i64::MAX` seconds.

use time::Duration;

/// `seconds` as a [`Duration`], `i64::MAX` seconds for anything larger (a lifetime that long
/// then saturates at the end of representable time wherever it is added).
pub(crate) fn seconds(seconds: u64) -> Duration {
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates() {
        assert_eq!(seconds(7200), Duration::hours(2));
        assert_eq!(seconds(i64::MAX as u64), Duration::seconds(i64::MAX));
        assert_eq!(seconds(u64::MAX), Duration::seconds(i64::MAX));
    }
}
