//! The one clock every driver reads: wall time for the machines, tokio instants for timers.
//!
//! The machines take `OffsetDateTime`; tokio sleeps until an `Instant`. Both are derived from
//! one monotonic start, so a deadline the machine gives maps to exactly one instant and time
//! never goes backwards even if the system clock is adjusted.

use time::OffsetDateTime;
use tokio::time::Instant;

/// How far ahead a deadline that does not fit an `Instant` is put: it never fires in practice.
const FAR_FUTURE: std::time::Duration = std::time::Duration::from_secs(86_400 * 365);

/// Wall time anchored to a monotonic instant.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    wall: OffsetDateTime,
    mono: Instant,
}

impl Clock {
    /// A clock anchored at the current system time.
    pub fn start() -> Self {
        Self {
            wall: OffsetDateTime::now_utc(),
            mono: Instant::now(),
        }
    }

    /// The current time for the machines.
    pub fn now(&self) -> OffsetDateTime {
        let elapsed = time::Duration::try_from(self.mono.elapsed()).unwrap_or(time::Duration::MAX);
        self.wall.saturating_add(elapsed)
    }

    /// The instant at which the machines' time reaches `at` (now, if it already has).
    pub fn instant_at(&self, at: OffsetDateTime) -> Instant {
        let ahead = at - self.wall;
        if !ahead.is_positive() {
            return self.mono;
        }
        std::time::Duration::try_from(ahead)
            .ok()
            .and_then(|d| self.mono.checked_add(d))
            .unwrap_or_else(|| Instant::now() + FAR_FUTURE)
    }

    /// Milliseconds since the clock started, for trace lines.
    pub fn elapsed_ms(&self) -> u128 {
        self.mono.elapsed().as_millis()
    }
}

/// Sleeps until `deadline`, or forever when there is none: the timer arm of a driver's
/// `select!`, which must never fire when the machine has no deadline.
pub async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_map_to_instants_and_absurd_ones_do_not_panic() {
        let clock = Clock::start();
        let soon = clock.now() + time::Duration::seconds(2);
        let instant = clock.instant_at(soon);
        assert!(instant >= clock.mono + std::time::Duration::from_secs(2));
        assert_eq!(clock.instant_at(OffsetDateTime::UNIX_EPOCH), clock.mono);
        let max = time::PrimitiveDateTime::MAX.assume_utc();
        assert!(clock.instant_at(max) > Instant::now());
    }
}
