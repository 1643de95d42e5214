//! The rules of the access token cache as the model states them: one method per input, each
//! checking the driver's contract first (a refusal changes nothing), then applying the rule.
//! Only a timer input (`Deadline`, `Tick`: the driver's `handle_timeout`) fires what is due.

use crate::model_support::Unexpected;
use wxlogin::server::access_token::{EventKind as K, StateKind};

use super::model::{Model, Phase};
use super::world::{
    Ans, Api, Bad, Fail, Imp, Ledger, Refusal, SECOND, Snap, Tok, Tr, beijing_day, foreign_snap,
};

impl Model {
    /// Whether `tr` makes sense here (after shrinking, an answer may lose its question).
    pub(crate) fn allows(&self, tr: &Tr) -> bool {
        match tr {
            Tr::Answer(_) => self.outstanding().is_some(),
            Tr::Deadline => self.poll_timeout().is_some(),
            Tr::Import(Imp::Published(n)) => *n < self.published.len(),
            Tr::Stale(id) => *id < self.next_id && Some(*id) != self.outstanding(),
            Tr::Duplicate { waiter, .. } => self.all_waiters().contains(waiter),
            _ => true,
        }
    }

    pub(crate) fn apply(mut self, tr: &Tr) -> Self {
        self.expect.clear();
        self.refusal = None;
        self.late = false;
        match tr {
            Tr::Need => {
                let waiter = self.new_waiter();
                self.need(waiter);
            }
            Tr::Force => {
                let waiter = self.new_waiter();
                self.force(waiter);
            }
            Tr::Answer(ans) => match self.phase {
                // At or after its deadline an answer is late, even before the timer fired.
                Phase::Fetching { deadline, .. } if self.now >= deadline => self.late = true,
                Phase::Fetching {
                    force, attempts, ..
                } => {
                    self.answered(parse(ans), force, attempts);
                }
                Phase::Idle | Phase::Backoff { .. } => self.late = true,
            },
            Tr::Deadline => {
                self.now = self.now.max(self.poll_timeout().unwrap_or(self.now));
                self.timer();
            }
            Tr::Tick => self.timer(),
            Tr::Advance(ms) => self.now += ms,
            Tr::Reject {
                token,
                generation,
                waiter,
                ..
            } => {
                let waiter = waiter.then(|| self.new_waiter());
                self.reject(token, *generation, waiter);
            }
            Tr::Import(imp) => {
                let snap = self.imported(imp);
                self.import(snap);
            }
            Tr::Stale(_) => self.late = true,
            Tr::Unknown { ahead } => self.refusal = Some(Refusal::Unknown(self.next_id + ahead)),
            // A WeChat cache never gives out a load: the other source's answer is refused in
            // every phase, with the events that phase accepts.
            Tr::WrongKind => {
                let (state, expected) = match self.phase {
                    Phase::Fetching { .. } => (
                        StateKind::Fetching,
                        vec![
                            K::TokenNeeded,
                            K::FetchAnswered,
                            K::TokenRejected,
                            K::ForceRefresh,
                            K::Imported,
                        ],
                    ),
                    Phase::Idle | Phase::Backoff { .. } => (
                        self.phase_name(),
                        vec![
                            K::TokenNeeded,
                            K::TokenRejected,
                            K::ForceRefresh,
                            K::Imported,
                        ],
                    ),
                };
                self.refusal = Some(Refusal::Unexpected(Unexpected {
                    state,
                    expected,
                    got: K::SharedLoaded,
                }));
            }
            Tr::Duplicate { waiter, .. } => self.refusal = Some(Refusal::Duplicate(*waiter)),
            Tr::NotToken { errcode, waiter } => {
                if *waiter {
                    self.new_waiter();
                }
                self.refusal = Some(Refusal::NotToken(*errcode));
            }
            Tr::BadImport(bad) => self.refusal = Some(Refusal::Invalid(bad.reason())),
        }
        self
    }

    /// Busy: a waiter beyond `max_waiters` is failed at once.
    fn admit(&mut self, waiter: u64) -> bool {
        if self.waiting() >= self.cfg.max_waiters {
            self.fail(vec![waiter], Fail::Busy);
            return false;
        }
        true
    }

    /// Served from the cache while the token is usable, else joined to the one flight, which
    /// starts if none is out.
    fn need(&mut self, waiter: u64) {
        if !self.admit(waiter) {
            return;
        }
        self.waiters.push(waiter);
        if self.usable().is_some() {
            self.serve_waiters();
        } else if self.phase == Phase::Idle {
            self.start(false, 0);
        }
    }

    /// A forced flight (out, or backing off with force waiters) is joined; otherwise the
    /// guard decides; a normal flight is followed by the forced one.
    fn force(&mut self, waiter: u64) {
        let forced_flight = matches!(self.phase, Phase::Fetching { force: true, .. })
            || (matches!(self.phase, Phase::Backoff { .. }) && !self.force_waiters.is_empty());
        if !self.admit(waiter) {
            return;
        }
        if forced_flight {
            self.force_waiters.push(waiter);
        } else if let Err(fail) = self.guard(self.now) {
            self.fail(vec![waiter], fail);
        } else {
            self.force_waiters.push(waiter);
            if self.phase == Phase::Idle {
                self.start(true, 0);
            }
        }
    }

    /// The fetch answered (or timed out): a token serves the normal waiters, and the force
    /// waiters too if the fetch was forced (else their forced fetch goes next).
    fn answered(&mut self, result: Result<(String, u64), Api>, force: bool, attempts: u32) {
        match result {
            Ok((text, expires_in)) => {
                self.phase = Phase::Idle;
                self.generation += 1;
                self.seen.push((text.clone(), self.generation));
                self.cached = Some(Tok {
                    text,
                    fetched: self.now,
                    expires: self.now + expires_in as i64 * SECOND,
                    generation: self.generation,
                });
                self.cooldown = None;
                self.publish();
                let mut waiters = std::mem::take(&mut self.waiters);
                if force {
                    waiters.append(&mut self.force_waiters);
                }
                self.ready(waiters);
                if self.next_force() {
                    self.start(true, 0);
                }
            }
            Err(last) => self.retry_or_give_up(Fail::Unavailable { attempts, last }, attempts),
        }
    }

    /// Compare-and-expire on the fetch: only a rejection of the cached fetch (text and
    /// generation) drops it, and one refresh follows; a rejection of another fetch changes
    /// nothing (even one whose text a later fetch re-issued), its waiter gets the current
    /// token or joins the flight. The latest fetch ever dropped is remembered.
    fn reject(&mut self, token: &str, generation: u64, waiter: Option<u64>) {
        let admitted = waiter.filter(|&w| self.admit(w));
        let current = self
            .cached
            .as_ref()
            .is_some_and(|t| t.text == token && t.generation == generation);
        if current {
            let dropped = self.cached.take().expect("current");
            if self
                .rejected
                .as_ref()
                .is_none_or(|r| dropped.key() > r.key())
            {
                self.rejected = Some(dropped);
            }
        }
        self.waiters.extend(admitted);
        if !current && self.usable().is_some() {
            self.serve_waiters();
        } else if self.phase == Phase::Idle && (current || !self.waiters.is_empty()) {
            self.start(false, 0);
        }
    }

    /// Another process's state: counts merged; a usable token newer than ours (or any, when
    /// ours is unusable) that is not the rejected one is adopted and serves the waiters; a
    /// backoff with nobody left waiting stops.
    fn import(&mut self, snap: Snap) {
        self.merge(snap.ledger);
        let Some(candidate) = snap.token else {
            return;
        };
        // Neither the rejected fetch nor one before it (it was invalidated too); the same
        // text from a later fetch is a new token.
        let rejected = self
            .rejected
            .as_ref()
            .is_some_and(|r| candidate.key() <= r.key());
        let newer = self
            .usable()
            .is_none_or(|ours| candidate.key() > ours.key());
        if self.now < candidate.expires && !rejected && newer {
            self.generation = self.generation.max(candidate.generation);
            if !self.seen.contains(&candidate.pair()) {
                self.seen.push(candidate.pair());
            }
            self.cached = Some(candidate);
            self.cooldown = None;
            self.serve_waiters();
            if matches!(self.phase, Phase::Backoff { .. }) && self.waiting() == 0 {
                self.phase = Phase::Idle;
            }
        }
    }

    /// What is due at `now`: a fetch past its deadline times out, a backoff ends with the
    /// next attempt, an idle cache refreshes ahead (forced if force waiters remain and the
    /// guard allows).
    pub(crate) fn timer(&mut self) {
        match self.phase {
            Phase::Fetching {
                deadline,
                force,
                attempts,
                ..
            } if self.now >= deadline => self.answered(Err(Api::Timeout), force, attempts),
            Phase::Backoff {
                until, attempts, ..
            } if self.now >= until => {
                let force = self.next_force();
                self.start(force, attempts);
            }
            Phase::Idle if self.due_at().is_some_and(|at| self.now >= at) => {
                let force = self.next_force();
                self.start(force, 0);
            }
            _ => {}
        }
    }

    /// The state an `Imported` carries.
    pub(crate) fn imported(&mut self, imp: &Imp) -> Snap {
        match imp {
            Imp::Published(n) => self.published[*n].through_json(),
            Imp::Foreign {
                age_s,
                count,
                last_ago_s,
            } => {
                self.foreign += 1;
                foreign_snap(self.foreign, self.now, *age_s, *count, *last_ago_s)
            }
        }
    }
}

/// The token endpoint's answer as the module docs define success: 200, `errcode` absent or 0,
/// a non-empty `access_token`, `expires_in` at least 1.
fn parse(ans: &Ans) -> Result<(String, u64), Api> {
    match ans {
        Ans::Granted { expires_in: 0, .. } => Err(Api::Malformed),
        Ans::Granted { token, expires_in } => Ok((token.clone(), *expires_in)),
        Ans::Errcode(code) => Err(Api::WeChat(*code)),
        Ans::Garbage => Err(Api::Malformed),
        Ans::Status(status) => Err(Api::Status(*status)),
        Ans::Transport => Err(Api::Transport),
    }
}

/// The broken states the driver imports for `Tr::BadImport`.
pub(crate) fn bad_snap(bad: Bad, now: i64) -> (u32, Snap) {
    let token = |text: &str, fetched: i64, expires: i64| Tok {
        text: text.into(),
        fetched,
        expires,
        generation: 1,
    };
    let now = now.div_euclid(SECOND) * SECOND;
    let (v, tok) = match bad {
        Bad::Version => (2, token("v2", now, now + 7_200 * SECOND)),
        Bad::EmptyToken => (1, token("", now, now + 7_200 * SECOND)),
        Bad::ExpiresFirst => (1, token("backwards", now, now)),
    };
    // A ledger that would change ours if it were merged before the state is checked.
    let snap = Snap {
        token: Some(tok),
        ledger: Ledger {
            day: beijing_day(now),
            count: 3,
            last: Some(now - 40 * SECOND),
        },
    };
    (v, snap)
}
