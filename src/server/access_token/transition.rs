//! Every rule of the [`AccessTokenCache`](super::AccessTokenCache) lives here: one exhaustive
//! `match` over (phase, event) for the inputs, one over the phase for the timers. The waiter,
//! single-flight, compare-and-expire and force-refresh rules are its arms; the shell only
//! applies the effects they name. Every check that can refuse an event runs before anything
//! changes, so an `Err` leaves the cache untouched; a late answer (`Ok(Handled::Late)`)
//! returns before anything changes too.

use crate::EffectId;
use time::OffsetDateTime;

use super::config::TokenSource;
use super::fetch::TokenApi;
use super::machine::{AccessTokenCache, Phase, unavailable};
use super::types::{AccessTokenError, AccessTokenEvent, TokenEventKind, TokenFailure, validate};
use crate::Handled;
use crate::http::{HttpResponse, TransportFailure};
use crate::server::wechat_api::{ErrorClass, classify};

impl AccessTokenCache {
    /// The input rules.
    pub(super) fn step(
        &mut self,
        event: AccessTokenEvent,
        now: OffsetDateTime,
    ) -> Result<Handled, AccessTokenError> {
        use AccessTokenEvent as E;
        let got = event.kind();
        let usable = self.token(now).is_some();
        match (&self.phase, event) {
            // A waiter: served from the cache while the token is usable (even during a refresh
            // ahead), else joined to the one flight, which starts if none is out.
            (
                Phase::Idle
                | Phase::Fetching { .. }
                | Phase::Loading { .. }
                | Phase::BackingOff { .. },
                E::TokenNeeded { waiter },
            ) => {
                if !self.admit(waiter)? {
                    return Ok(Handled::Applied);
                }
                self.enqueue(waiter, false);
                if usable {
                    self.serve_waiters(now);
                } else if self.phase == Phase::Idle {
                    self.start(false, 0, now);
                }
            }

            // The fetch answered before its deadline: a token serves everyone (the force
            // waiters too if it was forced, else their forced fetch goes next); a transient
            // failure backs off.
            (
                Phase::Fetching {
                    id,
                    deadline,
                    force,
                    attempts,
                },
                E::FetchAnswered {
                    id: answered,
                    result,
                },
            ) => {
                if answered != *id || now >= *deadline {
                    return self.late_or_unknown(answered, got);
                }
                let (force, attempts) = (*force, *attempts);
                self.on_fetch_answer(result, force, attempts, now);
            }
            // An answer while nothing of its kind is outstanding: late if the id was given out.
            (
                Phase::Idle | Phase::BackingOff { .. } | Phase::Loading { .. },
                E::FetchAnswered { id, .. },
            )
            | (
                Phase::Idle | Phase::BackingOff { .. } | Phase::Fetching { .. },
                E::SharedLoaded { id, .. },
            ) => return self.late_or_unknown(id, got),

            // The shared store answered before the deadline: a newer usable token serves the
            // waiters; none (or only the rejected one) is retried with backoff, the refresher
            // may be mid-way.
            (
                Phase::Loading {
                    id,
                    deadline,
                    attempts,
                },
                E::SharedLoaded {
                    id: answered,
                    state,
                },
            ) => {
                if answered != *id || now >= *deadline {
                    return self.late_or_unknown(answered, got);
                }
                let attempts = *attempts;
                let valid = state.filter(|s| validate(s).is_ok());
                if valid.is_some_and(|s| self.adopt_shared(&s, now)) {
                    self.phase = Phase::Idle;
                    self.serve_waiters(now);
                } else {
                    self.retry_or_give_up(TokenFailure::NoSharedToken { attempts }, attempts, now);
                }
            }

            // Compare-and-expire on the fetch: only a rejection of the current fetch (text and
            // generation) drops its token, and one refresh follows (joined by every later
            // rejection of it). A rejection of an earlier fetch changes nothing, even if a
            // later fetch re-issued its text; its waiter gets the current token or joins.
            (
                Phase::Idle
                | Phase::Fetching { .. }
                | Phase::Loading { .. }
                | Phase::BackingOff { .. },
                E::TokenRejected {
                    token,
                    generation,
                    errcode,
                    waiter,
                },
            ) => {
                if classify(errcode) != ErrorClass::TokenInvalid {
                    return Err(AccessTokenError::NotATokenError { errcode });
                }
                let admitted = match waiter {
                    Some(w) => self.admit(w)?.then_some(w),
                    None => None,
                };
                let current = self
                    .cached
                    .as_ref()
                    .is_some_and(|c| c.generation == generation && c.access_token == token);
                if current {
                    self.expire_cached();
                }
                if let Some(w) = admitted {
                    self.enqueue(w, false);
                }
                if !current && self.token(now).is_some() {
                    self.serve_waiters(now);
                } else if self.phase == Phase::Idle && (current || !self.waiters.is_empty()) {
                    self.start(false, 0, now);
                }
            }

            // Forced refresh: a source that cannot force, or a guard that refuses, fails the
            // waiter with a typed error and sends nothing; a forced flight is joined; a normal
            // flight is followed by the forced one.
            (
                phase @ (Phase::Idle
                | Phase::Fetching { .. }
                | Phase::Loading { .. }
                | Phase::BackingOff { .. }),
                E::ForceRefresh { waiter },
            ) => {
                let forced_flight = matches!(phase, Phase::Fetching { force: true, .. })
                    || (matches!(phase, Phase::BackingOff { .. })
                        && !self.force_waiters.is_empty());
                let idle = *phase == Phase::Idle;
                if !self.admit(waiter)? {
                    return Ok(Handled::Applied);
                }
                if forced_flight {
                    self.enqueue(waiter, true);
                } else if let Err(refused) = self.check_force(now) {
                    self.fail(vec![waiter], TokenFailure::ForceRefused(refused));
                } else {
                    self.enqueue(waiter, true);
                    if idle {
                        self.start(true, 0, now);
                    }
                }
            }

            // Another process's state: merged, a newer token adopted and served; an idle-bound
            // backoff with nobody left waiting stops.
            (
                Phase::Idle
                | Phase::Fetching { .. }
                | Phase::Loading { .. }
                | Phase::BackingOff { .. },
                E::Imported { state },
            ) => {
                validate(&state)?;
                if self.adopt_shared(&state, now) {
                    self.serve_waiters(now);
                    if matches!(self.phase, Phase::BackingOff { .. }) && self.waiting.is_empty() {
                        self.phase = Phase::Idle;
                    }
                }
            }
        }
        Ok(Handled::Applied)
    }

    /// An answer that is not to the outstanding effect, or came at or after its deadline:
    /// late if the cache gave out its id for an effect of this kind, else a broken contract.
    /// Nothing changes either way.
    fn late_or_unknown(
        &self,
        id: EffectId,
        got: TokenEventKind,
    ) -> Result<Handled, AccessTokenError> {
        let ours = match self.config.source {
            TokenSource::WeChat => TokenEventKind::FetchAnswered,
            TokenSource::Shared => TokenEventKind::SharedLoaded,
        };
        if got != ours {
            let state = self.phase.name();
            return Err(AccessTokenError::UnexpectedEvent {
                state,
                expected: state.expected(),
                got,
            });
        }
        if id.0 >= self.next_id {
            return Err(AccessTokenError::UnknownId { id });
        }
        Ok(Handled::Late)
    }

    /// The timer rules: a fetch past its deadline counts as a transport timeout (its answer,
    /// if it ever comes, is late and ignored), a backoff ends with the next attempt (forced if force
    /// waiters remain and the guard allows it), and an idle cache refreshes ahead when due.
    pub(super) fn step_timeout(&mut self, now: OffsetDateTime) {
        match &self.phase {
            Phase::Fetching {
                deadline,
                force,
                attempts,
                ..
            } => {
                if now >= *deadline {
                    let (force, attempts) = (*force, *attempts);
                    self.on_fetch_answer(Err(TransportFailure::Timeout), force, attempts, now);
                }
            }
            Phase::Loading {
                deadline, attempts, ..
            } => {
                if now >= *deadline {
                    let attempts = *attempts;
                    self.retry_or_give_up(TokenFailure::NoSharedToken { attempts }, attempts, now);
                }
            }
            Phase::BackingOff {
                until, attempts, ..
            } => {
                if now >= *until {
                    let attempts = *attempts;
                    let force = self.next_force(now);
                    self.start(force, attempts, now);
                }
            }
            Phase::Idle => {
                if self.refresh_due_at().is_some_and(|at| now >= at) {
                    let force = self.next_force(now);
                    self.start(force, 0, now);
                }
            }
        }
    }

    /// Whether the next attempt is forced: force waiters remain and the guard allows it. When
    /// the guard refuses, the force waiters get the typed error and the attempt is a normal one.
    fn next_force(&mut self, now: OffsetDateTime) -> bool {
        if self.force_waiters.is_empty() {
            return false;
        }
        match self.check_force(now) {
            Ok(()) => true,
            Err(refused) => {
                let waiters = std::mem::take(&mut self.force_waiters);
                self.fail(waiters, TokenFailure::ForceRefused(refused));
                false
            }
        }
    }

    fn on_fetch_answer(
        &mut self,
        result: Result<HttpResponse, TransportFailure>,
        force: bool,
        attempts: u32,
        now: OffsetDateTime,
    ) {
        // An answer is applied only before its deadline (`now + call_timeout`, saturating), so
        // `now` is before the end of time and every grant (at least 1 s) is usable at `now`.
        match TokenApi::new(&self.config).parse(&result) {
            Ok(granted) => {
                self.phase = Phase::Idle;
                self.adopt_granted(granted, now);
                let mut waiters = std::mem::take(&mut self.waiters);
                if force {
                    waiters.append(&mut self.force_waiters);
                }
                if let Some(token) = self.cached.clone() {
                    self.ready(waiters, &token);
                }
                if !self.force_waiters.is_empty() && self.next_force(now) {
                    self.start(true, 0, now);
                }
            }
            Err(error) => {
                let last = unavailable(attempts, error);
                self.retry_or_give_up(last, attempts, now);
            }
        }
    }
}
