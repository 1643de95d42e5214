//! The shared trace: one line per thing a party did, in order, with the time since start.
//!
//! Lines are written from redacting `Debug` output only. Tests synchronise on lines (wait for
//! "the machine asked for wx.login") instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use crate::drive::clock::Clock;
use crate::drive::log::Log;
use tokio::sync::Notify;

/// One traced step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLine {
    /// Milliseconds since the run started.
    pub at_ms: u128,
    /// Who acted: `client 1`, `server`, `wechat`, `link`.
    pub party: String,
    /// What happened, already redacted.
    pub text: String,
}

impl std::fmt::Display for TraceLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>6} ms  {:<9} {}", self.at_ms, self.party, self.text)
    }
}

/// The trace of one run, shared by every party.
#[derive(Debug)]
pub struct Trace {
    clock: Clock,
    keep: bool,
    lines: Mutex<Vec<TraceLine>>,
    changed: Notify,
}

impl Trace {
    /// A trace that keeps every line.
    pub fn new(clock: Clock) -> Arc<Self> {
        Self::build(clock, true)
    }

    /// A trace that keeps nothing: the load run makes too many lines to read.
    pub fn quiet(clock: Clock) -> Arc<Self> {
        Self::build(clock, false)
    }

    fn build(clock: Clock, keep: bool) -> Arc<Self> {
        Arc::new(Self {
            clock,
            keep,
            lines: Mutex::new(Vec::new()),
            changed: Notify::new(),
        })
    }

    /// The clock lines are stamped with.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Records one line. `text` must already be redacted.
    pub fn log(&self, party: &str, text: impl Into<String>) {
        if !self.keep {
            return;
        }
        let line = TraceLine {
            at_ms: self.clock.elapsed_ms(),
            party: party.to_owned(),
            text: text.into(),
        };
        self.locked().push(line);
        self.changed.notify_waiters();
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<TraceLine> {
        self.locked().clone()
    }

    /// Waits until a line matching `matches` has been logged (at any time, before or after
    /// the call), and returns it. Bound the wait with a timeout: a quiet trace never matches.
    pub async fn wait_for(&self, matches: impl Fn(&TraceLine) -> bool) -> TraceLine {
        let mut scanned = 0;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before scanning, so a line logged after the scan still wakes us.
            changed.as_mut().enable();
            {
                let lines = self.locked();
                if let Some(line) = lines[scanned..].iter().find(|l| matches(l)) {
                    return line.clone();
                }
                scanned = lines.len();
            }
            changed.await;
        }
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, Vec<TraceLine>> {
        // A panic while pushing a line leaves the vector intact.
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Log for Trace {
    fn clock(&self) -> Clock {
        self.clock
    }

    fn log(&self, party: &str, text: String) {
        Trace::log(self, party, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::log::fingerprint;
    use wxlogin::secret::SessionToken;

    #[tokio::test]
    async fn waits_for_lines_logged_before_and_after() {
        let trace = Trace::new(Clock::start());
        trace.log("a", "first");
        let limit = std::time::Duration::from_secs(5);
        let found = tokio::time::timeout(limit, trace.wait_for(|l| l.text == "first"))
            .await
            .unwrap();
        assert_eq!(found.party, "a");
        let waiter = {
            let trace = Arc::clone(&trace);
            tokio::spawn(async move { trace.wait_for(|l| l.text == "later").await })
        };
        trace.log("b", "later");
        let found = tokio::time::timeout(limit, waiter).await.unwrap().unwrap();
        assert_eq!(found.party, "b");
    }

    #[test]
    fn fingerprints_are_short_and_stable() {
        let token = SessionToken::new("some-token-value");
        assert_eq!(fingerprint(&token), fingerprint(&token.clone()));
        assert_eq!(fingerprint(&token).len(), 8);
        assert!(Trace::quiet(Clock::start()).lines().is_empty());
    }
}
