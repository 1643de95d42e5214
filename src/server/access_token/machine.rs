//! [`AccessTokenCache`]: the shell around the rules of `transition.rs`. It numbers effects,
//! queues commands, computes deadlines and applies the effects the rules decide on; it decides
//! nothing itself.

use crate::{EffectId, WaiterId};
use std::collections::{BTreeSet, VecDeque};

use time::OffsetDateTime;

use super::config::{AccessTokenConfig, TokenSource};
use super::fetch::{GrantedToken, TokenApi};
use super::guard::ForceLedger;
use super::types::{
    AccessTokenCommand, AccessTokenError, AccessTokenEvent, AccessTokenPhase, AccessTokenState,
    CachedToken, STATE_VERSION, TokenFailure,
};
use crate::Handled;
use crate::rng::SplitMix64;
use crate::server::wechat_api::{ApiFailure, ErrorClass};

/// A WeChat `access_token` cache for one app, as a sans-IO machine.
///
/// # Contract
/// - Inputs: [`handle`](Self::handle) (an event and `now`) and
///   [`handle_timeout`](Self::handle_timeout) (when [`poll_timeout`](Self::poll_timeout)'s
///   instant has come; spurious calls are harmless no-ops).
/// - Outputs: after **every** input, drain [`poll_command`](Self::poll_command) and read
///   [`poll_timeout`](Self::poll_timeout) again.
/// - `Ok(Handled::Applied)` from `handle`: the event was applied; drain the commands.
/// - `Ok(Handled::Late)`: an answer to an effect the cache no longer waits for (answered
///   already, or past its deadline, even if `handle_timeout` was not called yet). Nothing
///   changed (the cache is `==` its clone from before); log it and go on. Deadlines make
///   this an unavoidable race, not a driver bug.
/// - `Err` means the driver broke the contract (an id never given out, an answer of the other
///   source's kind, a duplicate waiter, an errcode that is no token error, an unusable
///   import); the cache is then exactly as before. What the world does (WeChat says `-1`, a
///   5xx, garbage, a refused force) is never an `Err`: it comes out as commands.
/// - Every waiter gets exactly one [`Ready`](AccessTokenCommand::Ready) or
///   [`Failed`](AccessTokenCommand::Failed), in a bounded number of steps, whether or not the
///   driver answers its effects (each has a deadline).
///
/// # Rules
/// - Single flight: at most one fetch is out; every waiter arriving meanwhile joins it.
/// - Early refresh: [`poll_timeout`](Self::poll_timeout) names the instant `refresh_margin`
///   before expiry (never before half the token's life), and the refresh starts then, while the
///   cached token still serves every waiter: no waiter waits on a refresh that could have been
///   done ahead.
/// - Compare-and-expire on the fetch: a rejection drops the cached token only if it still
///   comes from the rejected fetch (same text and generation, see
///   [`CachedToken::generation`]); one refresh follows, and the caller retries once.
/// - Transient failures (`-1`, 5xx, transport, timeout) are retried with capped backoff.
/// - Forced refreshes are at least 30 s apart and at most 20 per Beijing day; a refused force
///   is a typed [`TokenFailure::ForceRefused`], never a request WeChat would ignore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessTokenCache {
    pub(super) config: AccessTokenConfig,
    pub(super) phase: Phase,
    pub(super) cached: Option<CachedToken>,
    /// The latest fetch compare-and-expire dropped, as its [`CachedToken::fetch_key`]:
    /// neither it nor any fetch before it is adopted from a store (a token older than a
    /// rejected one was invalidated too).
    pub(super) rejected: Option<(OffsetDateTime, u64)>,
    /// The highest generation granted or adopted; the next grant is numbered one more.
    pub(super) generation: u64,
    pub(super) ledger: ForceLedger,
    /// Waiting for any good token, in arrival order.
    pub(super) waiters: Vec<WaiterId>,
    /// Waiting for a forced refresh, in arrival order.
    pub(super) force_waiters: Vec<WaiterId>,
    /// Every waiter of both lists, for the duplicate check.
    pub(super) waiting: BTreeSet<WaiterId>,
    /// No refresh ahead before this instant (after a refresh failed for good).
    pub(super) cooldown_until: Option<OffsetDateTime>,
    pub(super) rng: SplitMix64,
    pub(super) next_id: u64,
    pub(super) commands: VecDeque<AccessTokenCommand>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Idle,
    Fetching {
        id: EffectId,
        deadline: OffsetDateTime,
        force: bool,
        attempts: u32,
    },
    Loading {
        id: EffectId,
        deadline: OffsetDateTime,
        attempts: u32,
    },
    BackingOff {
        until: OffsetDateTime,
        attempts: u32,
        last: TokenFailure,
    },
}

impl Phase {
    pub(super) fn name(&self) -> AccessTokenPhase {
        match self {
            Phase::Idle => AccessTokenPhase::Idle,
            Phase::Fetching { .. } => AccessTokenPhase::Fetching,
            Phase::Loading { .. } => AccessTokenPhase::Loading,
            Phase::BackingOff { .. } => AccessTokenPhase::BackingOff,
        }
    }
}

impl AccessTokenCache {
    /// An empty cache. Nothing happens until an event arrives.
    pub fn new(config: AccessTokenConfig) -> Self {
        let rng = SplitMix64::new(config.seed);
        Self {
            config,
            phase: Phase::Idle,
            cached: None,
            rejected: None,
            generation: 0,
            ledger: ForceLedger::default(),
            waiters: Vec::new(),
            force_waiters: Vec::new(),
            waiting: BTreeSet::new(),
            cooldown_until: None,
            rng,
            next_id: 0,
            commands: VecDeque::new(),
        }
    }

    /// A cache starting from a state another process exported (or this one, before a restart).
    /// The state is checked as [`AccessTokenEvent::Imported`] checks it.
    pub fn from_state(
        config: AccessTokenConfig,
        state: AccessTokenState,
    ) -> Result<Self, AccessTokenError> {
        super::types::validate(&state)?;
        let mut cache = Self::new(config);
        cache.generation = state.token.as_ref().map_or(0, |t| t.generation);
        cache.cached = state.token;
        cache.ledger = state.forced;
        Ok(cache)
    }

    /// Feeds one event. See the type's contract: `Ok(Handled::Late)` for an answer the cache
    /// no longer waits for (nothing changed), `Err` only for a broken contract.
    pub fn handle(
        &mut self,
        event: AccessTokenEvent,
        now: OffsetDateTime,
    ) -> Result<Handled, AccessTokenError> {
        let handled = self.step(event, now)?;
        if handled == Handled::Applied {
            // Whatever is due at `now` is due whether or not the driver calls handle_timeout.
            self.step_timeout(now);
        }
        Ok(handled)
    }

    /// Fires what is due at `now`: a fetch past its deadline, the end of a backoff, the early
    /// refresh. Calling it early, late or repeatedly is harmless.
    pub fn handle_timeout(&mut self, now: OffsetDateTime) {
        self.step_timeout(now);
    }

    /// The next command to carry out, in order.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<AccessTokenCommand> {
        self.commands.pop_front()
    }

    /// The instant [`handle_timeout`](Self::handle_timeout) should be called, if any: a fetch's
    /// deadline, the end of a backoff, or the early refresh of the cached token.
    pub fn poll_timeout(&self) -> Option<OffsetDateTime> {
        match &self.phase {
            Phase::Fetching { deadline, .. } | Phase::Loading { deadline, .. } => Some(*deadline),
            Phase::BackingOff { until, .. } => Some(*until),
            Phase::Idle => self.refresh_due_at(),
        }
    }

    /// What the cache is doing.
    pub fn phase(&self) -> AccessTokenPhase {
        self.phase.name()
    }

    /// The cached token, if it is usable at `now`.
    pub fn token(&self, now: OffsetDateTime) -> Option<&CachedToken> {
        self.cached.as_ref().filter(|t| t.is_usable(now))
    }

    /// The id of the effect the cache waits for, if any.
    pub fn outstanding(&self) -> Option<EffectId> {
        match &self.phase {
            Phase::Fetching { id, .. } | Phase::Loading { id, .. } => Some(*id),
            Phase::Idle | Phase::BackingOff { .. } => None,
        }
    }

    /// The failure being retried, while backing off.
    pub fn last_failure(&self) -> Option<&TokenFailure> {
        match &self.phase {
            Phase::BackingOff { last, .. } => Some(last),
            Phase::Idle | Phase::Fetching { .. } | Phase::Loading { .. } => None,
        }
    }

    /// How many callers are waiting.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Whether a forced refresh would be sent at `now`, or why not.
    pub fn check_force(&self, now: OffsetDateTime) -> Result<(), super::guard::ForceRefused> {
        match self.config.source {
            TokenSource::WeChat => self.ledger.check(now),
            TokenSource::Shared => Err(super::guard::ForceRefused::NotRefresher),
        }
    }

    /// The state to share with other processes: the cached token and the forced-refresh counts.
    pub fn export(&self) -> AccessTokenState {
        AccessTokenState {
            v: STATE_VERSION,
            token: self.cached.clone(),
            forced: self.ledger,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AccessTokenConfig {
        &self.config
    }

    // ---- effects the rules apply -------------------------------------------------------

    /// When the cached token should be refreshed ahead: `refresh_margin` before expiry, never
    /// before half its life, never before the cooldown ends.
    pub(super) fn refresh_due_at(&self) -> Option<OffsetDateTime> {
        let cached = self.cached.as_ref()?;
        let half_life = (cached.expires_at - cached.fetched_at) / 2;
        let by_margin = cached.expires_at.saturating_sub(self.config.refresh_margin);
        let by_life = cached.fetched_at.saturating_add(half_life);
        let at = by_margin.max(by_life);
        Some(self.cooldown_until.map_or(at, |c| at.max(c)))
    }

    /// Refuses a waiter already waiting; `Ok(false)` when the cache is full (the waiter was
    /// failed with `Busy`).
    pub(super) fn admit(&mut self, waiter: WaiterId) -> Result<bool, AccessTokenError> {
        if self.waiting.contains(&waiter) {
            return Err(AccessTokenError::DuplicateWaiter { waiter });
        }
        if self.waiting.len() >= self.config.max_waiters {
            self.commands.push_back(AccessTokenCommand::Failed {
                waiters: vec![waiter],
                error: TokenFailure::Busy,
            });
            return Ok(false);
        }
        Ok(true)
    }

    pub(super) fn enqueue(&mut self, waiter: WaiterId, force: bool) {
        self.waiting.insert(waiter);
        if force {
            self.force_waiters.push(waiter);
        } else {
            self.waiters.push(waiter);
        }
    }

    /// Sends the token to `waiters`, if there are any.
    pub(super) fn ready(&mut self, waiters: Vec<WaiterId>, token: &CachedToken) {
        if waiters.is_empty() {
            return;
        }
        for w in &waiters {
            self.waiting.remove(w);
        }
        self.commands.push_back(AccessTokenCommand::Ready {
            waiters,
            token: token.access_token.clone(),
            expires_at: token.expires_at,
            generation: token.generation,
        });
    }

    pub(super) fn fail(&mut self, waiters: Vec<WaiterId>, error: TokenFailure) {
        if waiters.is_empty() {
            return;
        }
        for w in &waiters {
            self.waiting.remove(w);
        }
        self.commands
            .push_back(AccessTokenCommand::Failed { waiters, error });
    }

    /// Serves every normal waiter with the cached token, if it is usable.
    pub(super) fn serve_waiters(&mut self, now: OffsetDateTime) {
        if let Some(token) = self.cached.clone().filter(|t| t.is_usable(now)) {
            let waiters = std::mem::take(&mut self.waiters);
            self.ready(waiters, &token);
        }
    }

    /// Sends a fetch (or a shared load), as attempt `attempts + 1`. A forced fetch is counted
    /// and published; the caller has checked the guard.
    pub(super) fn start(&mut self, force: bool, attempts: u32, now: OffsetDateTime) {
        let id = EffectId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        let deadline = now.saturating_add(self.config.call_timeout);
        let timeout = self.config.call_timeout;
        let attempts = attempts.saturating_add(1);
        match self.config.source {
            TokenSource::WeChat => {
                if force {
                    self.ledger.record(now);
                    self.publish();
                }
                self.phase = Phase::Fetching {
                    id,
                    deadline,
                    force,
                    attempts,
                };
                let request = TokenApi::new(&self.config).request(force);
                self.commands.push_back(AccessTokenCommand::Fetch {
                    id,
                    request,
                    timeout,
                    force,
                });
            }
            TokenSource::Shared => {
                self.phase = Phase::Loading {
                    id,
                    deadline,
                    attempts,
                };
                self.commands
                    .push_back(AccessTokenCommand::LoadShared { id, timeout });
            }
        }
    }

    /// Caches a token WeChat just granted, as the next generation, and publishes the new state.
    pub(super) fn adopt_granted(&mut self, granted: GrantedToken, now: OffsetDateTime) {
        let lifetime = crate::time_util::seconds(granted.expires_in);
        self.generation = self.generation.saturating_add(1);
        self.cached = Some(CachedToken {
            access_token: granted.access_token,
            fetched_at: now,
            expires_at: now.saturating_add(lifetime),
            generation: self.generation,
        });
        self.cooldown_until = None;
        self.publish();
    }

    /// Drops the cached token as rejected, remembering the latest fetch ever rejected.
    pub(super) fn expire_cached(&mut self) {
        if let Some(dropped) = self.cached.take() {
            self.rejected = self.rejected.max(Some(dropped.fetch_key()));
        }
    }

    /// Adopts a shared token if it is usable, from a fetch after the latest rejected one, and
    /// newer than ours (or ours is unusable). Returns whether it was adopted. The same text
    /// from a later fetch is a new token: the stable endpoint re-issues texts.
    pub(super) fn adopt_shared(&mut self, state: &AccessTokenState, now: OffsetDateTime) -> bool {
        self.ledger.merge(&state.forced);
        let Some(candidate) = state.token.as_ref() else {
            return false;
        };
        let key = candidate.fetch_key();
        let rejected = self.rejected.is_some_and(|r| key <= r);
        let newer = match self.cached.as_ref().filter(|t| t.is_usable(now)) {
            Some(ours) => key > ours.fetch_key(),
            None => true,
        };
        if candidate.is_usable(now) && !rejected && newer {
            self.generation = self.generation.max(candidate.generation);
            self.cached = Some(candidate.clone());
            self.cooldown_until = None;
            true
        } else {
            false
        }
    }

    /// Retries a transient failure after a backoff, or gives up.
    pub(super) fn retry_or_give_up(
        &mut self,
        last: TokenFailure,
        attempts: u32,
        now: OffsetDateTime,
    ) {
        let transient = match &last {
            TokenFailure::Unavailable { last, .. } => last.is_transient(),
            TokenFailure::NoSharedToken { .. } => true,
            TokenFailure::ForceRefused(_) | TokenFailure::Busy => false,
        };
        if !transient || attempts >= self.config.backoff.max_attempts {
            return self.give_up(last, now);
        }
        let delay = self.config.backoff.delay(attempts, &mut self.rng);
        let Some(mut until) = now.checked_add(delay) else {
            return self.give_up(last, now);
        };
        if !self.force_waiters.is_empty() {
            // The next attempt is forced: WeChat would ignore it within 30 s of the last one.
            if let Err(super::guard::ForceRefused::TooSoon { retry_at }) = self.ledger.check(until)
            {
                until = until.max(retry_at);
            }
        }
        self.phase = Phase::BackingOff {
            until,
            attempts,
            last,
        };
    }

    /// Fails every waiter with `failure`, goes idle and refreshes ahead again only after the
    /// cooldown (or the quota's reset).
    pub(super) fn give_up(&mut self, failure: TokenFailure, now: OffsetDateTime) {
        let mut waiters = std::mem::take(&mut self.waiters);
        waiters.append(&mut self.force_waiters);
        let quota_reset = match &failure {
            TokenFailure::Unavailable { last, .. } => match last.wechat().map(|e| e.class()) {
                Some(ErrorClass::RateLimited(quota)) => quota.resets_at(now),
                _ => None,
            },
            _ => None,
        };
        let cooldown = now.saturating_add(self.config.failure_cooldown);
        self.cooldown_until = Some(quota_reset.map_or(cooldown, |q| q.max(cooldown)));
        self.phase = Phase::Idle;
        self.fail(waiters, failure);
    }

    pub(super) fn publish(&mut self) {
        if self.config.source == TokenSource::WeChat {
            let state = self.export();
            self.commands
                .push_back(AccessTokenCommand::Publish { state });
        }
    }
}

/// The failure of one fetch attempt.
pub(super) fn unavailable(attempts: u32, last: ApiFailure) -> TokenFailure {
    TokenFailure::Unavailable { attempts, last }
}
