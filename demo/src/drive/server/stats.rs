//! Counters of the developer server, for the summary table and the load run's checks.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the developer server did.
#[derive(Debug, Default)]
pub struct ServerStats {
    login_requests: AtomicU64,
    session_checks: AtomicU64,
    sessions_created: AtomicU64,
    granted: AtomicU64,
    refused: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// `POST /login` requests received.
    pub login_requests: u64,
    /// `GET /session` requests received.
    pub session_checks: u64,
    /// Sessions stored after a successful code2Session.
    pub sessions_created: u64,
    /// Login answers that granted a session (replays of a remembered code included).
    pub granted: u64,
    /// Login answers that carried an error.
    pub refused: u64,
}

impl ServerStats {
    pub(super) fn login_request(&self) {
        self.login_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn session_check(&self) {
        self.session_checks.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn session_created(&self) {
        self.sessions_created.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn answered(&self, granted: bool) {
        let counter = if granted {
            &self.granted
        } else {
            &self.refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            login_requests: self.login_requests.load(Ordering::Relaxed),
            session_checks: self.session_checks.load(Ordering::Relaxed),
            sessions_created: self.sessions_created.load(Ordering::Relaxed),
            granted: self.granted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }
}
