//! The `force_refresh` guard: WeChat ignores a forced refresh less than 30 s after the previous
//! one and allows 20 per day. The cache refuses what WeChat would ignore, with a typed error.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::server::wechat_api::Quota;

/// The least time between two forced refreshes.
pub(crate) const FORCE_REFRESH_MIN_INTERVAL: Duration = Duration::seconds(30);

/// Forced refreshes allowed per Beijing (UTC+8) day.
pub(crate) const FORCE_REFRESH_DAILY_LIMIT: u32 = 20;

const BEIJING_OFFSET_SECONDS: i64 = 8 * 3600;

/// The forced refreshes sent so far: part of the exported state, since WeChat counts them per
/// app, not per process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForceLedger {
    /// The Beijing day (days since 1970-01-01 in UTC+8) that `count` belongs to.
    pub day: i64,
    /// Forced refreshes sent on `day`.
    pub count: u32,
    /// When the last forced refresh was sent (unix seconds in JSON).
    #[serde(default, with = "time::serde::timestamp::option")]
    pub last: Option<OffsetDateTime>,
}

/// Why a forced refresh was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ForceRefused {
    /// The previous forced refresh was less than 30 s ago; WeChat would ignore this one.
    #[error("forced refresh refused: the previous one was less than 30 s ago")]
    TooSoon {
        /// When a forced refresh is allowed again.
        retry_at: OffsetDateTime,
    },
    /// 20 forced refreshes were already sent this Beijing day.
    #[error("forced refresh refused: the daily limit of 20 is reached")]
    DailyLimit {
        /// The next Beijing midnight, if representable.
        retry_at: Option<OffsetDateTime>,
    },
    /// This cache reads a shared store ([`TokenSource::Shared`](super::TokenSource::Shared));
    /// only the refreshing process may force.
    #[error("forced refresh refused: this cache reads a shared token and never calls wechat")]
    NotRefresher,
}

/// The Beijing day `now` falls on.
pub(crate) fn beijing_day(now: OffsetDateTime) -> i64 {
    now.unix_timestamp()
        .saturating_add(BEIJING_OFFSET_SECONDS)
        .div_euclid(86_400)
}

impl ForceLedger {
    /// Whether a forced refresh may be sent at `now`. A clock that went backwards keeps the
    /// count of the later day and the 30 s spacing from the later send: refusing is safe,
    /// sending what WeChat ignores is not.
    pub(crate) fn check(&self, now: OffsetDateTime) -> Result<(), ForceRefused> {
        if let Some(last) = self.last {
            // Compared as a difference: `last + 30 s` saturates at the end of time and would
            // let a second force through at the same instant. A clock that went back gives a
            // negative difference, refused too.
            if now - last < FORCE_REFRESH_MIN_INTERVAL {
                let retry_at = last.saturating_add(FORCE_REFRESH_MIN_INTERVAL);
                return Err(ForceRefused::TooSoon { retry_at });
            }
        }
        // A ledger of a later day (another process's clock, or ours gone back) no longer holds
        // the count of today: it may be full already, so refuse.
        let today = beijing_day(now);
        if today < self.day || (today == self.day && self.count >= FORCE_REFRESH_DAILY_LIMIT) {
            return Err(ForceRefused::DailyLimit {
                retry_at: Quota::Day.resets_at(now),
            });
        }
        Ok(())
    }

    /// Counts a forced refresh sent at `now`.
    pub(crate) fn record(&mut self, now: OffsetDateTime) {
        let day = beijing_day(now);
        if day > self.day {
            self.day = day;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.last = Some(self.last.map_or(now, |last| last.max(now)));
    }

    /// Combines what another process recorded with ours: the later day wins, the same day keeps
    /// the higher count, the later send is kept.
    pub(crate) fn merge(&mut self, other: &ForceLedger) {
        if other.day > self.day {
            self.day = other.day;
            self.count = other.count;
        } else if other.day == self.day {
            self.count = self.count.max(other.count);
        }
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}
