//! Capped exponential backoff with jitter drawn from a caller-given seed, used by the client
//! machine's retries and the server's WeChat calls alike.
//!
//! The crate never draws randomness: the jitter comes from splitmix64 over a seed in the
//! configuration, so the same seed gives the same delays.

use time::Duration;

use crate::rng::SplitMix64;

/// How failed calls are retried.
///
/// The n-th retry waits `d = min(max, initial * 2^(n-1))` in whole milliseconds, of which the
/// upper half is jitter: the delay is `d/2` (rounded down) plus a uniform draw from
/// `0..=d - d/2`, and no draw is made when that range is empty. Negative durations count as
/// zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay before the first retry (before jitter).
    pub initial: Duration,
    /// The longest delay between two attempts.
    pub max: Duration,
    /// How many calls one exchange makes at most, the first included.
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 250 ms doubling up to 4 s, at most 5 attempts.
    fn default() -> Self {
        Self {
            initial: Duration::milliseconds(250),
            max: Duration::seconds(4),
            max_attempts: 5,
        }
    }
}

impl Backoff {
    /// The delay after the `attempt`-th call failed (1-based), using and advancing `rng`.
    pub(crate) fn delay(&self, attempt: u32, rng: &mut SplitMix64) -> Duration {
        // Whole milliseconds: finer jitter buys nothing and makes deadlines harder to read.
        let millis = |d: Duration| u128::try_from(d.whole_milliseconds()).unwrap_or(0);
        let doublings = attempt.saturating_sub(1).min(64);
        let grown = millis(self.initial).saturating_mul(1u128 << doublings);
        let capped = grown.min(millis(self.max));
        let half = capped / 2;
        let span = capped - half;
        let jitter = if span == 0 {
            0
        } else {
            u128::from(rng.next_u64()) % (span + 1)
        };
        let total = half + jitter;
        Duration::milliseconds(i64::try_from(total).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_jittered() {
        let backoff = Backoff::default();
        let mut rng = SplitMix64::new(7);
        for attempt in 1..200 {
            let full = (Duration::milliseconds(250) * 2f64.powi(attempt.min(40) - 1))
                .min(Duration::seconds(4));
            let d = backoff.delay(attempt as u32, &mut rng);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d}");
        }
        let mut a = SplitMix64::new(1);
        let mut b = SplitMix64::new(1);
        assert_eq!(backoff.delay(3, &mut a), backoff.delay(3, &mut b));
        let mut c = SplitMix64::new(2);
        let spread: std::collections::BTreeSet<_> =
            (0..20).map(|_| backoff.delay(5, &mut c)).collect();
        assert!(spread.len() > 10, "jitter varies");
    }

    #[test]
    fn absurd_configurations_do_not_panic() {
        let mut rng = SplitMix64::new(0);
        let huge = Backoff {
            initial: Duration::MAX,
            max: Duration::MAX,
            max_attempts: u32::MAX,
        };
        assert!(huge.delay(u32::MAX, &mut rng) > Duration::ZERO);
        let negative = Backoff {
            initial: Duration::MIN,
            max: Duration::seconds(-1),
            max_attempts: 0,
        };
        assert_eq!(negative.delay(1, &mut rng), Duration::ZERO);
    }
}
