//! Where a driver reports what it did: one redacted line at a time, stamped by the log's clock.
//!
//! The drivers depend on this trait only; the lab's `Trace` implements it, and a deployment
//! would implement it over its own logger.

use std::hash::{DefaultHasher, Hash, Hasher};

use wxlogin::secret::SessionToken;

use crate::drive::clock::Clock;

/// A sink for a party's redacted lines.
pub trait Log: std::fmt::Debug + Send + Sync {
    /// The clock the lines are stamped with; the drivers read time from it too.
    fn clock(&self) -> Clock;

    /// Records one line. `text` must already be redacted.
    fn log(&self, party: &str, text: String);
}

/// A short, stable name for a token that reveals nothing of it: four hex digits of a hash.
/// Enough to see in a log that two clients hold different sessions.
pub fn fingerprint(token: &SessionToken) -> String {
    let mut hasher = DefaultHasher::new();
    token.expose_secret().hash(&mut hasher);
    format!("tok#{:04x}", hasher.finish() & 0xffff)
}
