//! [`AccessTokenCache`]: the shell around [`transition`](super::transition). It numbers
//! effects, tracks their deadlines and the timer the rules name, and queues commands; it
//! decides nothing itself.

use std::collections::VecDeque;
use std::mem;

use time::OffsetDateTime;

use super::api;
use super::command::Command;
use super::config::{AccessTokenConfig, TokenSource};
use super::error::{AccessTokenError, TokenFailure};
use super::event::{Event, EventKind};
use super::guard::ForceRefused;
use super::state::{
    AccessTokenState, CachedToken, Core, Ctx, Effect, Input, Next, Output, Phase, StateKind,
    validate,
};
use super::transition::{check_force, timer, transition};
use crate::{EffectId, Handled};

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
/// - Every waiter gets exactly one [`Complete`](Command::Complete), in a bounded number of steps, whether or not the
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
///
/// # Methods
/// - inputs: [`handle`](Self::handle), [`handle_timeout`](Self::handle_timeout)
/// - outputs: [`poll_command`](Self::poll_command), [`poll_timeout`](Self::poll_timeout)
/// - getters: [`state`](Self::state), [`token`](Self::token),
///   [`outstanding`](Self::outstanding), [`last_failure`](Self::last_failure),
///   [`waiting`](Self::waiting), [`check_force`](Self::check_force),
///   [`export`](Self::export), [`config`](Self::config)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessTokenCache {
    config: AccessTokenConfig,
    core: Core,
    /// The effect out in the world, and when the cache stops waiting for it.
    pending: Option<Pending>,
    /// With no effect out: when the rules want to be woken (a backoff's end, the refresh
    /// ahead).
    timer: Option<OffsetDateTime>,
    next_id: u64,
    commands: VecDeque<Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    id: EffectId,
    deadline: OffsetDateTime,
}

impl AccessTokenCache {
    /// An empty cache. Nothing happens until an event arrives.
    pub fn new(config: AccessTokenConfig) -> Self {
        Self {
            core: Core::new(config.seed),
            config,
            pending: None,
            timer: None,
            next_id: 0,
            commands: VecDeque::new(),
        }
    }

    /// A cache starting from a state another process exported (or this one, before a restart).
    /// The state is checked as [`Event::Imported`] checks it.
    ///
    /// # Errors
    /// [`AccessTokenError::InvalidState`] when the state is unusable.
    pub fn from_state(
        config: AccessTokenConfig,
        state: AccessTokenState,
    ) -> Result<Self, AccessTokenError> {
        validate(&state)?;
        let mut cache = Self::new(config);
        cache.core.generation = state.token.as_ref().map_or(0, |t| t.generation);
        cache.core.cached = state.token;
        cache.core.ledger = state.forced;
        cache.timer = timer(&cache.core, &cache.config);
        Ok(cache)
    }

    /// Feeds one event. See the type's contract: `Ok(Handled::Late)` for an answer the cache
    /// no longer waits for (nothing changed), `Err` only for a broken contract.
    ///
    /// # Errors
    /// [`AccessTokenError`] when the event breaks the contract; the cache is unchanged.
    pub fn handle(
        &mut self,
        event: Event,
        now: OffsetDateTime,
    ) -> Result<Handled, AccessTokenError> {
        if let Some(id) = event.answers() {
            // An answer of the other source's kind is left to the rules, which refuse it.
            if event.kind() == self.answer_kind() {
                let current = self.pending.is_some_and(|p| p.id == id && now < p.deadline);
                if !current {
                    if id.0 >= self.next_id {
                        return Err(AccessTokenError::UnknownId { id });
                    }
                    return Ok(Handled::Late);
                }
            }
        }
        self.step(Input::Event(event), now)?;
        Ok(Handled::Applied)
    }

    /// Fires what is due at `now`: a fetch past its deadline, the end of a backoff, the early
    /// refresh. Calling it early, late or repeatedly is harmless.
    pub fn handle_timeout(&mut self, now: OffsetDateTime) {
        if self.poll_timeout().is_some_and(|at| now >= at) {
            // Deadlines are accepted in every state, so this cannot be refused.
            let _ = self.step(Input::Deadline, now);
        }
    }

    /// The next command to carry out, in order.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The instant [`handle_timeout`](Self::handle_timeout) should be called, if any: a fetch's
    /// deadline, the end of a backoff, or the early refresh of the cached token.
    pub fn poll_timeout(&self) -> Option<OffsetDateTime> {
        self.pending.map_or(self.timer, |p| Some(p.deadline))
    }

    /// What the cache is doing.
    pub fn state(&self) -> StateKind {
        self.core.kind()
    }

    /// The cached token, if it is usable at `now`.
    pub fn token(&self, now: OffsetDateTime) -> Option<&CachedToken> {
        self.core.token(now)
    }

    /// The id of the effect the cache waits for, if any.
    pub fn outstanding(&self) -> Option<EffectId> {
        self.pending.map(|p| p.id)
    }

    /// The failure being retried, while backing off.
    pub fn last_failure(&self) -> Option<&TokenFailure> {
        match &self.core.phase {
            Phase::BackingOff { last, .. } => Some(last),
            Phase::Idle | Phase::Fetching { .. } | Phase::Loading { .. } => None,
        }
    }

    /// How many callers are waiting.
    pub fn waiting(&self) -> usize {
        self.core.waiting.len()
    }

    /// Whether a forced refresh would be sent at `now`, or why not.
    ///
    /// # Errors
    /// Why the force would be refused.
    pub fn check_force(&self, now: OffsetDateTime) -> Result<(), ForceRefused> {
        check_force(&self.core, &self.config, now)
    }

    /// The state to share with other processes: the cached token and the forced-refresh counts.
    pub fn export(&self) -> AccessTokenState {
        self.core.export()
    }

    /// The configuration.
    pub fn config(&self) -> &AccessTokenConfig {
        &self.config
    }

    /// The answer kind of this cache's effects.
    fn answer_kind(&self) -> EventKind {
        match self.config.source {
            TokenSource::WeChat => EventKind::FetchAnswered,
            TokenSource::Shared => EventKind::SharedLoaded,
        }
    }

    /// Runs one transition. An accepted answer or deadline consumes the outstanding effect.
    fn step(&mut self, input: Input, now: OffsetDateTime) -> Result<(), AccessTokenError> {
        let consumes = match &input {
            Input::Event(event) => event.answers().is_some(),
            Input::Deadline => true,
        };
        let core = mem::replace(&mut self.core, Core::new(0));
        let ctx = Ctx {
            config: &self.config,
            now,
        };
        match transition(core, input, &ctx) {
            Ok(next) => {
                self.apply(next, consumes, now);
                Ok(())
            }
            Err(refused) => {
                let (core, error) = *refused;
                self.core = core;
                Err(error)
            }
        }
    }

    fn apply(&mut self, next: Next, consumes: bool, now: OffsetDateTime) {
        self.core = next.core;
        self.timer = next.timer;
        if consumes {
            self.pending = None;
        }
        for output in next.out {
            match output {
                Output::Command(command) => self.commands.push_back(command),
                Output::Start(effect) => self.start(effect, now),
            }
        }
    }

    /// Gives `effect` the next id and a deadline `call_timeout` away, and queues its command.
    fn start(&mut self, effect: Effect, now: OffsetDateTime) {
        let id = EffectId(self.next_id);
        // Ids are never reused; 2^64 effects outlive any server.
        self.next_id = self.next_id.saturating_add(1);
        let timeout = self.config.call_timeout;
        let deadline = now.saturating_add(timeout);
        self.pending = Some(Pending { id, deadline });
        let command = match effect {
            Effect::Fetch { force } => Command::Fetch {
                id,
                request: api::request(&self.config, force),
                timeout,
                force,
            },
            Effect::Load => Command::LoadShared { id, timeout },
        };
        self.commands.push_back(command);
    }
}
