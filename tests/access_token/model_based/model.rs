//! The reference model of the `AccessTokenCache`: the rules of the README ("Access token"),
//! docs/protocol.md §3 "access token" and the module docs restated as plain code over plain data
//! (milliseconds, strings), for one small family of configurations. It shares no code with the
//! crate's `transition.rs`, `machine.rs` or `guard.rs`; for every input it predicts the
//! refusal (if any), the exact commands in order, the next deadline, the cached token and the
//! exported state.
//!
//! The retry jitter (splitmix64 and "equal jitter" in whole milliseconds, as documented on
//! `Backoff`) is re-implemented so that backoff deadlines are predicted to the millisecond.

use crate::model_support;
use crate::rng::Rng;
use wxlogin::server::access_token::StateKind;

use super::world::{
    Api, BACKOFF_INITIAL, BACKOFF_MAX, CALL_TIMEOUT, COOLDOWN, Cfg, DAILY_LIMIT, Exp,
    FORCE_SPACING, Fail, Ledger, Refusal, Snap, Tok, beijing_day, next_midnight, next_minute,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No fetch out, no backoff running.
    Idle,
    /// The one fetch out.
    Fetching {
        id: u64,
        deadline: i64,
        force: bool,
        attempts: u32,
    },
    /// Waiting to retry after `attempts` calls; `last` is the failure being retried.
    Backoff {
        until: i64,
        attempts: u32,
        last: Fail,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) cfg: Cfg,
    pub(crate) now: i64,
    pub(crate) phase: Phase,
    pub(crate) cached: Option<Tok>,
    /// The latest fetch compare-and-expire ever dropped.
    pub(crate) rejected: Option<Tok>,
    /// The highest generation granted or adopted.
    pub(crate) generation: u64,
    pub(crate) ledger: Ledger,
    /// Waiting for any good token, in arrival order.
    pub(crate) waiters: Vec<u64>,
    /// Waiting for a forced refresh, in arrival order.
    pub(crate) force_waiters: Vec<u64>,
    /// No refresh ahead before this (after a refresh failed for good).
    pub(crate) cooldown: Option<i64>,
    pub(crate) rng: Rng,
    pub(crate) next_id: u64,
    pub(crate) next_waiter: u64,
    /// Every state published, in order: what a shared store would have seen.
    pub(crate) published: Vec<Snap>,
    /// Every fetch (text, generation) the cache ever held, for rejections of old fetches.
    pub(crate) seen: Vec<(String, u64)>,
    /// Foreign states imported so far, to name their tokens.
    pub(crate) foreign: u64,
    /// What the last input must produce.
    pub(crate) expect: Vec<Exp>,
    pub(crate) refusal: Option<Refusal>,
    /// Whether the last input was a late answer (`Ok(Handled::Late)`, nothing changed).
    pub(crate) late: bool,
}

impl Model {
    pub(crate) fn new(cfg: Cfg) -> Self {
        let start = cfg.start.clone().unwrap_or_default();
        let mut seen = Vec::new();
        seen.extend(start.token.as_ref().map(Tok::pair));
        Self {
            rng: Rng::new(cfg.seed),
            cfg,
            now: 0,
            phase: Phase::Idle,
            generation: start.token.as_ref().map_or(0, |t| t.generation),
            cached: start.token,
            rejected: None,
            ledger: start.ledger,
            waiters: Vec::new(),
            force_waiters: Vec::new(),
            cooldown: None,
            next_id: 0,
            next_waiter: 0,
            published: Vec::new(),
            seen,
            foreign: 0,
            expect: Vec::new(),
            refusal: None,
            late: false,
        }
    }

    pub(crate) fn phase_name(&self) -> StateKind {
        match self.phase {
            Phase::Idle => StateKind::Idle,
            Phase::Fetching { .. } => StateKind::Fetching,
            Phase::Backoff { .. } => StateKind::BackingOff,
        }
    }

    pub(crate) fn outstanding(&self) -> Option<u64> {
        match self.phase {
            Phase::Fetching { id, .. } => Some(id),
            Phase::Idle | Phase::Backoff { .. } => None,
        }
    }

    pub(crate) fn waiting(&self) -> usize {
        self.waiters.len() + self.force_waiters.len()
    }

    pub(crate) fn all_waiters(&self) -> Vec<u64> {
        let mut all = self.waiters.clone();
        all.extend(&self.force_waiters);
        all
    }

    /// The cached token, if it may be handed out now (strictly before its expiry).
    pub(crate) fn usable(&self) -> Option<&Tok> {
        self.cached.as_ref().filter(|t| self.now < t.expires)
    }

    /// The refresh ahead: `margin` before expiry, never before half the token's life, never
    /// before the cooldown ends.
    pub(crate) fn due_at(&self) -> Option<i64> {
        let t = self.cached.as_ref()?;
        let at = (t.expires - self.cfg.margin).max(t.fetched + (t.expires - t.fetched) / 2);
        Some(self.cooldown.map_or(at, |c| at.max(c)))
    }

    pub(crate) fn poll_timeout(&self) -> Option<i64> {
        match self.phase {
            Phase::Fetching { deadline, .. } => Some(deadline),
            Phase::Backoff { until, .. } => Some(until),
            Phase::Idle => self.due_at(),
        }
    }

    pub(crate) fn export(&self) -> Snap {
        Snap {
            token: self.cached.clone(),
            ledger: self.ledger,
        }
    }

    /// The instants where a rule changes its answer: the deadline, the refresh ahead, the
    /// expiry, the end of the 30 s force spacing, the next Beijing midnight, the cooldown's end.
    pub(crate) fn instants(&self) -> Vec<i64> {
        let mut at = vec![next_midnight(self.now)];
        at.extend(self.poll_timeout());
        at.extend(self.due_at());
        at.extend(self.cached.as_ref().map(|t| t.expires));
        at.extend(self.ledger.last.map(|l| l + FORCE_SPACING));
        at.extend(self.cooldown);
        at
    }

    pub(crate) fn new_waiter(&mut self) -> u64 {
        self.next_waiter += 1;
        self.next_waiter - 1
    }

    // ---- the force guard: docs/protocol.md §3, 30 s apart and 20 per Beijing day --------------

    /// Whether a forced refresh may be sent at `at`. A clock that went back before the last
    /// send is refused (refusing is safe, a send WeChat ignores is not).
    pub(crate) fn guard(&self, at: i64) -> Result<(), Fail> {
        if let Some(last) = self.ledger.last {
            if at < last + FORCE_SPACING {
                return Err(Fail::TooSoon {
                    retry_at: last + FORCE_SPACING,
                });
            }
        }
        // A ledger of a later day no longer holds today's count: refused.
        let today = beijing_day(at);
        let day = self.ledger.day;
        if today < day || (today == day && self.ledger.count >= DAILY_LIMIT) {
            return Err(Fail::DailyLimit {
                retry_at: next_midnight(at),
            });
        }
        Ok(())
    }

    fn record_force(&mut self) {
        let day = beijing_day(self.now);
        if day > self.ledger.day {
            self.ledger.day = day;
            self.ledger.count = 0;
        }
        self.ledger.count += 1;
        self.ledger.last = Some(self.ledger.last.map_or(self.now, |l| l.max(self.now)));
    }

    /// Another process's counts: the later day wins, the same day keeps the higher count,
    /// the later send is kept.
    pub(crate) fn merge(&mut self, other: Ledger) {
        if other.day > self.ledger.day {
            self.ledger.day = other.day;
            self.ledger.count = other.count;
        } else if other.day == self.ledger.day {
            self.ledger.count = self.ledger.count.max(other.count);
        }
        self.ledger.last = match (self.ledger.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    // ---- outputs --------------------------------------------------------------------------

    pub(crate) fn publish(&mut self) {
        let snap = self.export();
        self.published.push(snap.clone());
        self.expect.push(Exp::Publish(snap));
    }

    /// Sends a fetch as attempt `attempts + 1`; a forced one is counted and published first.
    pub(crate) fn start(&mut self, force: bool, attempts: u32) {
        let id = self.next_id;
        self.next_id += 1;
        if force {
            self.record_force();
            self.publish();
        }
        self.phase = Phase::Fetching {
            id,
            deadline: self.now + CALL_TIMEOUT,
            force,
            attempts: attempts + 1,
        };
        self.expect.push(Exp::Fetch { id, force });
    }

    pub(crate) fn ready(&mut self, waiters: Vec<u64>) {
        let token = self.cached.clone().expect("ready only with a token");
        if !waiters.is_empty() {
            self.expect.push(Exp::Ready {
                waiters,
                token: token.text,
                expires: token.expires,
                generation: token.generation,
            });
        }
    }

    pub(crate) fn fail(&mut self, waiters: Vec<u64>, fail: Fail) {
        if !waiters.is_empty() {
            self.expect.push(Exp::Failed { waiters, fail });
        }
    }

    /// Every normal waiter gets the cached token, if it is usable.
    pub(crate) fn serve_waiters(&mut self) {
        if self.usable().is_some() {
            let waiters = std::mem::take(&mut self.waiters);
            self.ready(waiters);
        }
    }

    /// Whether the next attempt is forced: force waiters remain and the guard allows it; if
    /// the guard refuses, they are failed with its reason and the attempt is a normal one.
    pub(crate) fn next_force(&mut self) -> bool {
        if self.force_waiters.is_empty() {
            return false;
        }
        match self.guard(self.now) {
            Ok(()) => true,
            Err(fail) => {
                let waiters = std::mem::take(&mut self.force_waiters);
                self.fail(waiters, fail);
                false
            }
        }
    }

    /// A transient failure within the attempts waits a backoff (no sooner than the force
    /// guard allows, when the next attempt is forced); anything else gives up.
    pub(crate) fn retry_or_give_up(&mut self, last: Fail, attempts: u32) {
        let transient = matches!(&last, Fail::Unavailable { last, .. } if last.transient());
        if !transient || attempts >= self.cfg.attempts {
            return self.give_up(last);
        }
        let mut until = self.now + self.backoff_delay(attempts);
        if !self.force_waiters.is_empty() {
            if let Err(Fail::TooSoon { retry_at }) = self.guard(until) {
                until = until.max(retry_at);
            }
        }
        self.phase = Phase::Backoff {
            until,
            attempts,
            last,
        };
    }

    /// Fails every waiter and cools down: 60 s, or until the quota named resets.
    pub(crate) fn give_up(&mut self, fail: Fail) {
        let mut waiters = std::mem::take(&mut self.waiters);
        waiters.append(&mut self.force_waiters);
        let quota = match fail {
            Fail::Unavailable {
                last: Api::WeChat(45009),
                ..
            } => Some(next_midnight(self.now)),
            Fail::Unavailable {
                last: Api::WeChat(45011),
                ..
            } => Some(next_minute(self.now)),
            _ => None,
        };
        let cooldown = self.now + COOLDOWN;
        self.cooldown = Some(quota.map_or(cooldown, |q| q.max(cooldown)));
        self.phase = Phase::Idle;
        self.fail(waiters, fail);
    }

    /// `Backoff`'s documented delay: `d = min(max, initial * 2^(n-1))` in whole milliseconds,
    /// `d/2` plus a uniform draw from `0..=d - d/2` (splitmix64 over the seed).
    fn backoff_delay(&mut self, attempt: u32) -> i64 {
        model_support::backoff_delay(&mut self.rng, BACKOFF_INITIAL, BACKOFF_MAX, attempt)
    }
}
