//! Every rule of the [`AccessTokenCache`](super::AccessTokenCache) lives in [`transition`]:
//! one exhaustive `match` over (phase, input), deadlines included. Retry or give up, cooldown
//! or quota, adopting a shared token, the forced-refresh guard and the refresh time are all
//! decided here; the shell only numbers effects, tracks deadlines and queues commands.
//!
//! An input the phase does not expect is a missing entry of that match, reported as
//! [`AccessTokenError::UnexpectedEvent`]. Every check that can refuse an input runs before
//! anything changes, so a refusal hands the core back untouched.

use std::mem;

use time::OffsetDateTime;

use super::api;
use super::command::Command;
use super::config::{AccessTokenConfig, TokenSource};
use super::error::{AccessTokenError, TokenFailure};
use super::event::Event;
use super::guard::ForceRefused;
use super::state::{
    AccessTokenState, CachedToken, Core, Ctx, Effect, Input, Next, Output, Phase, validate,
};
use crate::WaiterId;
use crate::http::{HttpResponse, TransportFailure};
use crate::secret::AccessToken;
use crate::server::wechat_api::{ErrorClass, classify};

/// The core handed back unchanged, with the reason; boxed, as refusals are rare and the core
/// is large.
pub(crate) type Refused = Box<(Core, AccessTokenError)>;

/// Applies one input. `Err` hands the core back unchanged with the reason.
pub(crate) fn transition(core: Core, input: Input, ctx: &Ctx<'_>) -> Result<Next, Refused> {
    let mut step = Step {
        core,
        out: Vec::new(),
        ctx,
    };
    match step.rules(input) {
        Ok(()) => {
            let timer = timer(&step.core, ctx.config);
            Ok(Next {
                core: step.core,
                out: step.out,
                timer,
            })
        }
        Err(error) => Err(Box::new((step.core, error))),
    }
}

/// Whether a forced refresh would be sent at `now`, or why not.
pub(crate) fn check_force(
    core: &Core,
    config: &AccessTokenConfig,
    now: OffsetDateTime,
) -> Result<(), ForceRefused> {
    match config.source {
        TokenSource::WeChat => core.ledger.check(now),
        TokenSource::Shared => Err(ForceRefused::NotRefresher),
    }
}

/// When the shell wakes up with no effect outstanding: a backoff's end, or the refresh ahead.
pub(crate) fn timer(core: &Core, config: &AccessTokenConfig) -> Option<OffsetDateTime> {
    match &core.phase {
        Phase::BackingOff { until, .. } => Some(*until),
        Phase::Idle => refresh_due_at(core, config),
        Phase::Fetching { .. } | Phase::Loading { .. } => None,
    }
}

/// When the cached token is refreshed ahead: `refresh_margin` before expiry, never before half
/// its life (a short-lived token cannot make the cache fetch in a loop), never before the
/// cooldown ends.
fn refresh_due_at(core: &Core, config: &AccessTokenConfig) -> Option<OffsetDateTime> {
    let cached = core.cached.as_ref()?;
    let half_life = (cached.expires_at - cached.fetched_at) / 2;
    let by_margin = cached.expires_at.saturating_sub(config.refresh_margin);
    let by_life = cached.fetched_at.saturating_add(half_life);
    let at = by_margin.max(by_life);
    Some(core.cooldown_until.map_or(at, |c| at.max(c)))
}

/// One transition under way: the core it changes and the outputs it names, in order.
struct Step<'a> {
    core: Core,
    out: Vec<Output>,
    ctx: &'a Ctx<'a>,
}

impl Step<'_> {
    fn rules(&mut self, input: Input) -> Result<(), AccessTokenError> {
        use Event as E;
        use Input::{Deadline, Event as Ev};
        use Phase as P;
        let state = self.core.kind();
        match (&self.core.phase, input) {
            // A waiter: served from the cache while the token is usable (even during a refresh
            // ahead), else joined to the one flight, which starts if none is out.
            (
                P::Idle | P::Fetching { .. } | P::Loading { .. } | P::BackingOff { .. },
                Ev(E::TokenNeeded { waiter }),
            ) => self.token_needed(waiter)?,

            // The fetch answered before its deadline (the shell checked the id and the time),
            // or its deadline passed: a token serves everyone, a transient failure backs off.
            (&P::Fetching { force, attempts }, Ev(E::FetchAnswered { result, .. })) => {
                self.fetch_answered(result, force, attempts);
            }
            (&P::Fetching { force, attempts }, Deadline) => {
                self.fetch_answered(Err(TransportFailure::Timeout), force, attempts);
            }

            // The shared store answered: a newer usable token serves the waiters; none (or
            // only the rejected one) is retried with backoff, the refresher may be mid-way.
            (&P::Loading { attempts }, Ev(E::SharedLoaded { state, .. })) => {
                self.shared_loaded(state, attempts);
            }
            (&P::Loading { attempts }, Deadline) => {
                self.retry_or_give_up(TokenFailure::NoSharedToken { attempts }, attempts);
            }

            // A backoff ended: the next attempt, forced if force waiters remain and the guard
            // allows it.
            (
                &P::BackingOff {
                    until, attempts, ..
                },
                Deadline,
            ) => self.backoff_ended(until, attempts),
            // An idle cache refreshes ahead when due (a spurious call changes nothing).
            (P::Idle, Deadline) => self.refresh_ahead(),

            // Answers no effect of their kind waits for. (A late answer of the cache's own
            // kind never gets here: the shell reports it as `Handled::Late`.)
            (
                P::Idle | P::BackingOff { .. } | P::Loading { .. },
                Ev(event @ E::FetchAnswered { .. }),
            )
            | (
                P::Idle | P::BackingOff { .. } | P::Fetching { .. },
                Ev(event @ E::SharedLoaded { .. }),
            ) => return Err(AccessTokenError::unexpected(state, event.kind())),

            // Compare-and-expire on the fetch.
            (
                P::Idle | P::Fetching { .. } | P::Loading { .. } | P::BackingOff { .. },
                Ev(E::TokenRejected {
                    token,
                    generation,
                    errcode,
                    waiter,
                }),
            ) => self.token_rejected(&token, generation, errcode, waiter)?,

            // A forced refresh, guarded.
            (
                P::Idle | P::Fetching { .. } | P::Loading { .. } | P::BackingOff { .. },
                Ev(E::ForceRefresh { waiter }),
            ) => self.force_refresh(waiter)?,

            // Another process's state: merged, a newer token adopted and served.
            (
                P::Idle | P::Fetching { .. } | P::Loading { .. } | P::BackingOff { .. },
                Ev(E::Imported { state }),
            ) => self.imported(&state)?,
        }
        Ok(())
    }

    /// A backoff ended: the next attempt, forced if force waiters remain and the guard allows.
    fn backoff_ended(&mut self, until: OffsetDateTime, attempts: u32) {
        if self.ctx.now >= until {
            let force = self.next_force();
            self.start(force, attempts);
        }
    }

    /// The refresh ahead, when due: forced if force waiters remain and the guard allows.
    fn refresh_ahead(&mut self) {
        let due = refresh_due_at(&self.core, self.ctx.config);
        if due.is_some_and(|at| self.ctx.now >= at) {
            let force = self.next_force();
            self.start(force, 0);
        }
    }

    fn token_needed(&mut self, waiter: WaiterId) -> Result<(), AccessTokenError> {
        if !self.admit(waiter)? {
            return Ok(());
        }
        self.enqueue(waiter, false);
        if self.core.token(self.ctx.now).is_some() {
            self.serve_waiters();
        } else if self.core.phase == Phase::Idle {
            self.start(false, 0);
        }
        Ok(())
    }

    /// A token serves everyone (the force waiters too if it was forced, else their forced
    /// fetch goes next); a failure is retried or given up.
    fn fetch_answered(
        &mut self,
        result: Result<HttpResponse, TransportFailure>,
        force: bool,
        attempts: u32,
    ) {
        // An answer is applied only before its deadline (`now + call_timeout`, saturating), so
        // `now` is before the end of time and every grant (at least 1 s) is usable at `now`.
        match api::parse(&result, self.ctx.config) {
            Ok((token, lifetime)) => {
                self.core.phase = Phase::Idle;
                self.adopt_granted(token, lifetime);
                let mut waiters = mem::take(&mut self.core.waiters);
                if force {
                    waiters.append(&mut self.core.force_waiters);
                }
                if let Some(token) = self.core.cached.clone() {
                    self.complete(waiters, Ok(token));
                }
                if !self.core.force_waiters.is_empty() && self.next_force() {
                    self.start(true, 0);
                }
            }
            Err(last) => {
                self.retry_or_give_up(TokenFailure::Unavailable { attempts, last }, attempts);
            }
        }
    }

    fn shared_loaded(&mut self, state: Option<AccessTokenState>, attempts: u32) {
        let valid = state.filter(|s| validate(s).is_ok());
        if valid.is_some_and(|s| self.adopt_shared(&s)) {
            self.core.phase = Phase::Idle;
            self.serve_waiters();
        } else {
            self.retry_or_give_up(TokenFailure::NoSharedToken { attempts }, attempts);
        }
    }

    /// Only a rejection of the current fetch (text and generation) drops its token, and one
    /// refresh follows (joined by every later rejection of it). A rejection of an earlier fetch
    /// changes nothing, even if a later fetch re-issued its text; its waiter gets the current
    /// token or joins.
    fn token_rejected(
        &mut self,
        token: &AccessToken,
        generation: u64,
        errcode: i64,
        waiter: Option<WaiterId>,
    ) -> Result<(), AccessTokenError> {
        if classify(errcode) != ErrorClass::TokenInvalid {
            return Err(AccessTokenError::NotATokenError { errcode });
        }
        let admitted = match waiter {
            Some(w) => self.admit(w)?.then_some(w),
            None => None,
        };
        let current = self
            .core
            .cached
            .as_ref()
            .is_some_and(|c| c.generation == generation && c.access_token == *token);
        if current {
            self.expire_cached();
        }
        if let Some(w) = admitted {
            self.enqueue(w, false);
        }
        let idle = self.core.phase == Phase::Idle;
        if !current && self.core.token(self.ctx.now).is_some() {
            self.serve_waiters();
        } else if idle && (current || !self.core.waiters.is_empty()) {
            self.start(false, 0);
        }
        Ok(())
    }

    /// A source that cannot force, or a guard that refuses, fails the waiter with a typed
    /// error and sends nothing; a forced flight is joined; a normal flight is followed by the
    /// forced one.
    fn force_refresh(&mut self, waiter: WaiterId) -> Result<(), AccessTokenError> {
        let phase = &self.core.phase;
        let forced_flight = matches!(phase, Phase::Fetching { force: true, .. })
            || (matches!(phase, Phase::BackingOff { .. }) && !self.core.force_waiters.is_empty());
        let idle = *phase == Phase::Idle;
        if !self.admit(waiter)? {
            return Ok(());
        }
        if forced_flight {
            self.enqueue(waiter, true);
        } else if let Err(refused) = check_force(&self.core, self.ctx.config, self.ctx.now) {
            self.complete(vec![waiter], Err(TokenFailure::ForceRefused(refused)));
        } else {
            self.enqueue(waiter, true);
            if idle {
                self.start(true, 0);
            }
        }
        Ok(())
    }

    /// A newer token is adopted and served; a backoff with nobody left waiting stops.
    fn imported(&mut self, state: &AccessTokenState) -> Result<(), AccessTokenError> {
        validate(state)?;
        if self.adopt_shared(state) {
            self.serve_waiters();
            let backing_off = matches!(self.core.phase, Phase::BackingOff { .. });
            if backing_off && self.core.waiting.is_empty() {
                self.core.phase = Phase::Idle;
            }
        }
        Ok(())
    }

    /// Refuses a waiter already waiting; `Ok(false)` when the cache is full (the waiter was
    /// failed with `Busy`).
    fn admit(&mut self, waiter: WaiterId) -> Result<bool, AccessTokenError> {
        if self.core.waiting.contains(&waiter) {
            return Err(AccessTokenError::DuplicateWaiter { waiter });
        }
        if self.core.waiting.len() >= self.ctx.config.max_waiters {
            self.complete(vec![waiter], Err(TokenFailure::Busy));
            return Ok(false);
        }
        Ok(true)
    }

    fn enqueue(&mut self, waiter: WaiterId, force: bool) {
        self.core.waiting.insert(waiter);
        if force {
            self.core.force_waiters.push(waiter);
        } else {
            self.core.waiters.push(waiter);
        }
    }

    /// Completes `waiters`, if there are any, with `outcome`.
    fn complete(&mut self, waiters: Vec<WaiterId>, outcome: Result<CachedToken, TokenFailure>) {
        if waiters.is_empty() {
            return;
        }
        for w in &waiters {
            self.core.waiting.remove(w);
        }
        let command = Command::Complete { waiters, outcome };
        self.out.push(Output::Command(command));
    }

    /// Serves every normal waiter with the cached token, if it is usable.
    fn serve_waiters(&mut self) {
        if let Some(token) = self.core.token(self.ctx.now).cloned() {
            let waiters = mem::take(&mut self.core.waiters);
            self.complete(waiters, Ok(token));
        }
    }

    /// Starts a fetch (or a shared load), as attempt `attempts + 1`. A forced fetch is counted
    /// and published; the caller has checked the guard.
    fn start(&mut self, force: bool, attempts: u32) {
        let attempts = attempts.saturating_add(1);
        match self.ctx.config.source {
            TokenSource::WeChat => {
                if force {
                    self.core.ledger.record(self.ctx.now);
                    self.publish();
                }
                self.core.phase = Phase::Fetching { force, attempts };
                self.out.push(Output::Start(Effect::Fetch { force }));
            }
            TokenSource::Shared => {
                self.core.phase = Phase::Loading { attempts };
                self.out.push(Output::Start(Effect::Load));
            }
        }
    }

    /// Whether the next attempt is forced: force waiters remain and the guard allows it. When
    /// the guard refuses, the force waiters get the typed error and the attempt is a normal one.
    fn next_force(&mut self) -> bool {
        if self.core.force_waiters.is_empty() {
            return false;
        }
        match check_force(&self.core, self.ctx.config, self.ctx.now) {
            Ok(()) => true,
            Err(refused) => {
                let waiters = mem::take(&mut self.core.force_waiters);
                self.complete(waiters, Err(TokenFailure::ForceRefused(refused)));
                false
            }
        }
    }

    /// Retries a transient failure after a backoff, or gives up. A forced next attempt waits
    /// until WeChat would not ignore it (30 s after the last).
    fn retry_or_give_up(&mut self, last: TokenFailure, attempts: u32) {
        let transient = match &last {
            TokenFailure::Unavailable { last, .. } => last.is_transient(),
            TokenFailure::NoSharedToken { .. } => true,
            TokenFailure::ForceRefused(_) | TokenFailure::Busy => false,
        };
        let backoff = &self.ctx.config.backoff;
        if !transient || attempts >= backoff.max_attempts {
            return self.give_up(last);
        }
        let delay = backoff.delay(attempts, &mut self.core.rng);
        let Some(mut until) = self.ctx.now.checked_add(delay) else {
            return self.give_up(last);
        };
        if !self.core.force_waiters.is_empty() {
            if let Err(ForceRefused::TooSoon { retry_at }) = self.core.ledger.check(until) {
                until = until.max(retry_at);
            }
        }
        self.core.phase = Phase::BackingOff {
            until,
            attempts,
            last,
        };
    }

    /// Fails every waiter with `failure`, goes idle and refreshes ahead again only after the
    /// cooldown, or after the quota's reset when WeChat said the quota is spent.
    fn give_up(&mut self, failure: TokenFailure) {
        let now = self.ctx.now;
        let mut waiters = mem::take(&mut self.core.waiters);
        waiters.append(&mut self.core.force_waiters);
        let quota_reset = match &failure {
            TokenFailure::Unavailable { last, .. } => match last.wechat().map(|e| e.class()) {
                Some(ErrorClass::RateLimited(quota)) => quota.resets_at(now),
                _ => None,
            },
            _ => None,
        };
        let cooldown = now.saturating_add(self.ctx.config.failure_cooldown);
        self.core.cooldown_until = Some(quota_reset.map_or(cooldown, |q| q.max(cooldown)));
        self.core.phase = Phase::Idle;
        self.complete(waiters, Err(failure));
    }

    /// Caches a token WeChat just granted, as the next generation, and publishes the new state.
    fn adopt_granted(&mut self, access_token: AccessToken, lifetime: time::Duration) {
        let now = self.ctx.now;
        self.core.generation = self.core.generation.saturating_add(1);
        self.core.cached = Some(CachedToken {
            access_token,
            fetched_at: now,
            expires_at: now.saturating_add(lifetime),
            generation: self.core.generation,
        });
        self.core.cooldown_until = None;
        self.publish();
    }

    /// Drops the cached token as rejected, remembering the latest fetch ever rejected.
    fn expire_cached(&mut self) {
        if let Some(dropped) = self.core.cached.take() {
            self.core.rejected = self.core.rejected.max(Some(dropped.fetch_key()));
        }
    }

    /// Adopts a shared token if it is usable, from a fetch after the latest rejected one, and
    /// newer than ours (or ours is unusable). Returns whether it was adopted. The same text
    /// from a later fetch is a new token: the stable endpoint re-issues texts.
    fn adopt_shared(&mut self, state: &AccessTokenState) -> bool {
        let now = self.ctx.now;
        self.core.ledger.merge(&state.forced);
        let Some(candidate) = state.token.as_ref() else {
            return false;
        };
        let key = candidate.fetch_key();
        let rejected = self.core.rejected.is_some_and(|r| key <= r);
        let newer = match self.core.token(now) {
            Some(ours) => key > ours.fetch_key(),
            None => true,
        };
        if !candidate.is_usable(now) || rejected || !newer {
            return false;
        }
        self.core.generation = self.core.generation.max(candidate.generation);
        self.core.cached = Some(candidate.clone());
        self.core.cooldown_until = None;
        true
    }

    /// The shareable state changed: only a refresher publishes.
    fn publish(&mut self) {
        if self.ctx.config.source == TokenSource::WeChat {
            let state = self.core.export();
            self.out.push(Output::Command(Command::Publish { state }));
        }
    }
}
