//! [`LoginCoordinator`]: every login of one server process, as one sans-IO machine.
//!
//! It joins requests that carry the same code onto one exchange (one code2Session call, one
//! session), and remembers how an exchange ended until the code would have expired, so that a
//! client retrying after a lost response gets its session instead of WeChat's 40163.
//!
//! # Memory
//! Everything is bounded by [`CoordinatorConfig`] and by the bounds on what enters (a code of
//! at most [`MAX_CODE_LEN`] bytes, user ids of at most [`MAX_USER_ID_BYTES`], a token of at
//! most [`MAX_TOKEN_LEN`], a WeChat or transport text cut to [`MAX_ERRMSG_BYTES`], a request
//! id of at most [`MAX_RID_BYTES`]). Measured with every field at its bound on a 64-bit target
//! by `tests/alloc_budgets.rs` (live heap bytes, through a counting allocator):
//! - in flight: at most `max_in_flight` codes, at most 2.5 KiB each (2,431 bytes measured: the
//!   boxed [`ServerLogin`] and its command queue's buffer, the code in three places, the kept
//!   error of a backoff, `max_waiters_per_code` = 16 request ids twice). A new code beyond
//!   that is answered at once with a typed [`ExchangeFailure::Busy`] (503, `retry_after` 1),
//!   and so is one more duplicate of a code that has its full set of waiters;
//! - remembered: at most `max_remembered` finished codes, at most 1.75 KiB each (1,711 bytes
//!   measured for a grant: a map slot, the code twice, the openid, unionid and token; a refusal
//!   keeps 1,071). The oldest finished entry is evicted first, and entries past the code's life
//!   are dropped as inputs arrive. Every outcome in which WeChat may have taken the code is
//!   remembered, so that such a code is never sent again (see the rule on
//!   [`LoginCoordinator`]).
//!
//! With the defaults that is at most 2.5 MiB in flight and 28 MiB remembered.
//!
//! [`MAX_CODE_LEN`]: crate::wire::MAX_CODE_LEN
//! [`MAX_TOKEN_LEN`]: crate::wire::MAX_TOKEN_LEN
//! [`MAX_USER_ID_BYTES`]: crate::server::code2session::MAX_USER_ID_BYTES
//! [`MAX_ERRMSG_BYTES`]: crate::server::wechat_api::MAX_ERRMSG_BYTES
//! [`MAX_RID_BYTES`]: crate::server::wechat_api::MAX_RID_BYTES

use crate::{EffectId, RequestId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::Handled;
use crate::http::HttpResponse;
use crate::rng::SplitMix64;
use crate::server::login::ServerLogin;
use crate::server::session::whole_seconds_until;
use crate::server::types::{
    ExchangeFailure, ExchangeOutcome, ServerLoginCommand, ServerLoginConfig, ServerLoginError,
    ServerLoginEvent,
};
use crate::server::wechat_api::{ErrorClass, WeChatFailure};
use crate::wire::{LoginGranted, decode_login_request};

/// Configuration of a [`LoginCoordinator`]: the login flow and the memory bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CoordinatorConfig {
    /// The login flow every exchange runs.
    pub login: ServerLoginConfig,
    /// Codes exchanged at the same time, at most. Default: 1024.
    pub max_in_flight: usize,
    /// Finished codes remembered, at most. Default: 16,384.
    pub max_remembered: usize,
    /// Requests joined onto one code, at most. Default: 16.
    pub max_waiters_per_code: usize,
}

impl CoordinatorConfig {
    /// The default bounds around a login configuration.
    pub fn new(login: ServerLoginConfig) -> Self {
        Self {
            login,
            max_in_flight: 1024,
            max_remembered: 16_384,
            max_waiters_per_code: 16,
        }
    }
}

/// A login code as a map key; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CodeKey(String);

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey([redacted])")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct InFlight {
    login: Box<ServerLogin>,
    waiters: Vec<RequestId>,
    outstanding: Option<EffectId>,
    /// The exchange's entry in `LoginCoordinator::deadlines`.
    timer: Option<Timer>,
}

/// A deadline in the timer index; the sequence number makes equal instants distinct.
type Timer = (OffsetDateTime, u64);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Remembered {
    outcome: ExchangeOutcome,
    forget_at: OffsetDateTime,
    seq: u64,
}

/// Every login of one server process: duplicate codes joined, finished ones remembered, memory
/// bounded.
///
/// It takes and gives the same [`ServerLoginEvent`]s and [`ServerLoginCommand`]s as
/// [`ServerLogin`], with the same contract: after every input (`handle`, `handle_timeout`),
/// drain [`poll_command`](Self::poll_command) and read [`poll_timeout`](Self::poll_timeout);
/// a late answer is `Ok(Handled::Late)` and changes nothing; `Err` means the driver broke the
/// contract and leaves the coordinator exactly as before; every `Received` gets exactly one
/// `Respond` with its request id.
///
/// **The code rule.** Within the coordinator's memory (the code's life,
/// [`CODE_LIFETIME`](crate::server::CODE_LIFETIME) from the exchange's start, unless evicted
/// for capacity), a code reaches code2Session again only if WeChat cannot have taken it: every
/// earlier answer was transient (`-1`, 5xx, no response, timeout) or refused the request rather
/// than the code (a quota, the app's configuration, an access token). After any other answer a
/// retry gets the remembered answer, or `code_used` once the session is gone.
///
/// Maps are ordered (`BTreeMap`): no hasher seeded from the OS, and the same inputs give the
/// same outputs in the same order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginCoordinator {
    config: Arc<ServerLoginConfig>,
    max_in_flight: usize,
    max_remembered: usize,
    max_waiters_per_code: usize,
    in_flight: BTreeMap<CodeKey, InFlight>,
    remembered: BTreeMap<CodeKey, Remembered>,
    /// Remembered codes, oldest first; an entry whose `seq` no longer matches is skipped.
    remembered_order: VecDeque<(u64, CodeKey)>,
    routes: BTreeMap<EffectId, CodeKey>,
    /// The deadline of every exchange in flight, earliest first: `poll_timeout` reads the first
    /// and `handle_timeout` the due ones, without visiting the others.
    deadlines: BTreeMap<Timer, CodeKey>,
    pending: BTreeSet<RequestId>,
    commands: VecDeque<ServerLoginCommand>,
    next_id: u64,
    next_seq: u64,
    next_timer: u64,
    exchanges_started: u64,
}

impl LoginCoordinator {
    /// A coordinator with nothing in flight.
    pub fn new(config: CoordinatorConfig) -> Self {
        Self {
            config: Arc::new(config.login),
            max_in_flight: config.max_in_flight,
            max_remembered: config.max_remembered,
            max_waiters_per_code: config.max_waiters_per_code,
            in_flight: BTreeMap::new(),
            remembered: BTreeMap::new(),
            remembered_order: VecDeque::new(),
            routes: BTreeMap::new(),
            deadlines: BTreeMap::new(),
            pending: BTreeSet::new(),
            commands: VecDeque::new(),
            next_id: 0,
            next_seq: 0,
            next_timer: 0,
            exchanges_started: 0,
        }
    }

    /// Replaces the login configuration for exchanges started from now on (for example with a
    /// fresh `component_access_token`). Exchanges in flight keep theirs.
    pub fn set_login_config(&mut self, config: ServerLoginConfig) {
        self.config = Arc::new(config);
    }

    /// The login configuration new exchanges use.
    pub fn login_config(&self) -> &ServerLoginConfig {
        &self.config
    }

    /// Feeds one event. `Received` starts, joins or replays an exchange; the other events go to
    /// the exchange whose effect id they echo.
    ///
    /// An answer to an effect given out earlier that no exchange waits for any more (past its
    /// deadline, answered already, its exchange over) is `Ok(Handled::Late)` and changes
    /// nothing. `Err` is for an id never given out, a request id still pending, and what
    /// [`ServerLogin::handle`] refuses.
    pub fn handle(
        &mut self,
        event: ServerLoginEvent,
        now: OffsetDateTime,
    ) -> Result<Handled, ServerLoginError> {
        let id = match &event {
            ServerLoginEvent::Received { request, body } => {
                if self.pending.contains(request) {
                    return Err(ServerLoginError::DuplicateRequest { request: *request });
                }
                self.forget_expired(now);
                self.receive(*request, body, now);
                return Ok(Handled::Applied);
            }
            ServerLoginEvent::WeChatAnswered { id, .. }
            | ServerLoginEvent::SessionCreated { id, .. }
            | ServerLoginEvent::SessionNotCreated { id, .. } => *id,
        };
        let Some(key) = self.routes.get(&id).cloned() else {
            return if id.0 < self.next_id {
                Ok(Handled::Late)
            } else {
                Err(ServerLoginError::UnknownId { id })
            };
        };
        let entry = self
            .in_flight
            .get_mut(&key)
            .ok_or(ServerLoginError::UnknownId { id })?;
        // `step` changes nothing, ids included, when it returns an error; a routed id is the
        // one its exchange waits for, so it is never late.
        let handled = entry.login.step(event, now, &mut self.next_id)?;
        self.after_step(&key, now);
        self.forget_expired(now);
        Ok(handled)
    }

    /// Fires what is due at `now` in every exchange and drops remembered codes past their life.
    /// Spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: OffsetDateTime) {
        let mut due: Vec<CodeKey> = self
            .deadlines
            .range(..=(now, u64::MAX))
            .map(|(_, key)| key.clone())
            .collect();
        // Fired in code order, as a scan of `in_flight` would.
        due.sort_unstable();
        for key in due {
            if let Some(entry) = self.in_flight.get_mut(&key) {
                entry.login.step_timeout(now, &mut self.next_id);
                self.after_step(&key, now);
            }
        }
        self.forget_expired(now);
    }

    /// The next command to carry out, in order.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<ServerLoginCommand> {
        self.commands.pop_front()
    }

    /// The earliest instant [`handle_timeout`](Self::handle_timeout) should be called, if any
    /// (the first entry of an index of deadlines, not a scan of the exchanges in flight).
    pub fn poll_timeout(&self) -> Option<OffsetDateTime> {
        self.deadlines.first_key_value().map(|(&(at, _), _)| at)
    }

    /// Codes being exchanged now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Finished codes remembered.
    pub fn remembered(&self) -> usize {
        self.remembered.len()
    }

    /// Requests waiting for their answer.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    fn receive(&mut self, request: RequestId, body: &[u8], now: OffsetDateTime) {
        let code = match decode_login_request(body) {
            Ok(code) => code,
            Err(e) => return self.answer_now(request, ExchangeFailure::BadRequest(e), now),
        };
        let key = CodeKey(code.expose_secret().to_owned());

        if let Some(remembered) = self.remembered.get(&key) {
            if now < remembered.forget_at {
                let (response, outcome) = replay(&remembered.outcome, now);
                self.commands.push_back(ServerLoginCommand::Respond {
                    request,
                    response,
                    outcome,
                });
                return;
            }
            // Past the code's life: WeChat has forgotten it too; exchange afresh.
            self.remembered.remove(&key);
        }

        if let Some(entry) = self.in_flight.get_mut(&key) {
            if entry.waiters.len() >= self.max_waiters_per_code {
                return self.answer_now(request, ExchangeFailure::Busy, now);
            }
            entry.waiters.push(request);
            self.pending.insert(request);
            return;
        }

        if self.in_flight.len() >= self.max_in_flight {
            return self.answer_now(request, ExchangeFailure::Busy, now);
        }
        let seed = SplitMix64::new(self.config.seed ^ self.exchanges_started).next_u64();
        self.exchanges_started = self.exchanges_started.wrapping_add(1);
        let mut login = Box::new(ServerLogin::with_shared_config(
            Arc::clone(&self.config),
            seed,
        ));
        login.begin(request, code, now, &mut self.next_id);
        self.in_flight.insert(
            key.clone(),
            InFlight {
                login,
                waiters: vec![request],
                outstanding: None,
                timer: None,
            },
        );
        self.pending.insert(request);
        self.after_step(&key, now);
    }

    fn answer_now(&mut self, request: RequestId, failure: ExchangeFailure, now: OffsetDateTime) {
        let response = failure.wire_body(now).to_response();
        self.commands.push_back(ServerLoginCommand::Respond {
            request,
            response,
            outcome: ExchangeOutcome::Failed(failure),
        });
    }

    /// After an exchange moved: route its outstanding effect, forward its commands, and when it
    /// answered, answer every waiter and remember the result if a retry can use it.
    fn after_step(&mut self, key: &CodeKey, now: OffsetDateTime) {
        let Some(entry) = self.in_flight.get_mut(key) else {
            return;
        };
        let outstanding = entry.login.outstanding();
        if entry.outstanding != outstanding {
            if let Some(old) = entry.outstanding {
                self.routes.remove(&old);
            }
            if let Some(new) = outstanding {
                self.routes.insert(new, key.clone());
            }
            entry.outstanding = outstanding;
        }
        let deadline = entry.login.poll_timeout();
        if entry.timer.map(|(at, _)| at) != deadline {
            // The index entry's key text is reused when the deadline moves.
            let old = entry.timer.take().and_then(|t| self.deadlines.remove(&t));
            if let Some(at) = deadline {
                let timer = (at, self.next_timer);
                self.next_timer = self.next_timer.wrapping_add(1);
                self.deadlines
                    .insert(timer, old.unwrap_or_else(|| key.clone()));
                entry.timer = Some(timer);
            }
        }
        let mut answer = None;
        for command in entry.login.take_commands() {
            match command {
                ServerLoginCommand::Respond {
                    response, outcome, ..
                } => answer = Some((response, outcome)),
                effect => self.commands.push_back(effect),
            }
        }
        let Some((response, outcome)) = answer else {
            return;
        };
        let forget_at = entry.login.code_expires_at();
        let Some(entry) = self.in_flight.remove(key) else {
            return;
        };
        for request in entry.waiters {
            self.pending.remove(&request);
            self.commands.push_back(ServerLoginCommand::Respond {
                request,
                response: response.clone(),
                outcome: outcome.clone(),
            });
        }
        if worth_remembering(&outcome) && now < forget_at {
            self.remember(key.clone(), outcome, forget_at);
        }
    }

    fn remember(&mut self, key: CodeKey, outcome: ExchangeOutcome, forget_at: OffsetDateTime) {
        if self.max_remembered == 0 {
            return;
        }
        while self.remembered.len() >= self.max_remembered {
            let Some((seq, oldest)) = self.remembered_order.pop_front() else {
                break;
            };
            if self.remembered.get(&oldest).is_some_and(|r| r.seq == seq) {
                self.remembered.remove(&oldest);
            }
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.remembered_order.push_back((seq, key.clone()));
        self.remembered.insert(
            key,
            Remembered {
                outcome,
                forget_at,
                seq,
            },
        );
        // The queue may hold records of entries already replaced; keep it within bounds.
        if self.remembered_order.len() > self.max_remembered.saturating_mul(2).saturating_add(16) {
            let remembered = &self.remembered;
            self.remembered_order
                .retain(|(seq, key)| remembered.get(key).is_some_and(|r| r.seq == *seq));
        }
    }

    /// Drops remembered codes past their life from the front of the queue (oldest first).
    fn forget_expired(&mut self, now: OffsetDateTime) {
        while let Some((seq, key)) = self.remembered_order.front() {
            match self.remembered.get(key) {
                Some(r) if r.seq == *seq && now < r.forget_at => break,
                Some(r) if r.seq == *seq => {
                    self.remembered.remove(key);
                }
                _ => {}
            }
            self.remembered_order.pop_front();
        }
    }
}

/// Whether WeChat may have taken the code, so that it must not be sent again: every outcome
/// but those whose answers were transient (`-1`, 5xx, no response, timeout) or refused the
/// request rather than the code (a quota, the app's configuration, an access token: a retry
/// with the same code may well succeed once that is fixed).
///
/// This is the coordinator's rule: **within its memory (the code's life, [`CODE_LIFETIME`]
/// from the exchange's start, unless evicted for capacity), a code reaches code2Session again
/// only if WeChat cannot have taken it.** Within one exchange, only transient answers are
/// retried.
///
/// [`CODE_LIFETIME`]: crate::server::CODE_LIFETIME
fn worth_remembering(outcome: &ExchangeOutcome) -> bool {
    match outcome {
        ExchangeOutcome::Granted { .. } => true,
        ExchangeOutcome::Failed(ExchangeFailure::Refused(e)) => {
            wechat_may_have_taken(e.class(), false)
        }
        ExchangeOutcome::Failed(ExchangeFailure::Unavailable { last, .. }) => {
            let class = last
                .wechat()
                .map_or(ErrorClass::Unknown, WeChatFailure::class);
            wechat_may_have_taken(class, last.is_transient())
        }
        ExchangeOutcome::Failed(
            ExchangeFailure::SessionNotCreated { .. } | ExchangeFailure::SessionTimeout,
        ) => true,
        // Never the end of an exchange: answered at once, nothing to remember.
        ExchangeOutcome::Failed(
            ExchangeFailure::BadRequest(_)
            | ExchangeFailure::Busy
            | ExchangeFailure::CodeAlreadyExchanged,
        ) => false,
    }
}

fn wechat_may_have_taken(class: ErrorClass, transient: bool) -> bool {
    let about_the_request = matches!(
        class,
        ErrorClass::Retry
            | ErrorClass::RateLimited(_)
            | ErrorClass::Configuration
            | ErrorClass::TokenInvalid
    );
    !transient && !about_the_request
}

/// The answer a retry gets, as of `now`: the session while it lasts, the same failure, or, when
/// WeChat took the code but its session is gone, [`ExchangeFailure::CodeAlreadyExchanged`].
fn replay(outcome: &ExchangeOutcome, now: OffsetDateTime) -> (HttpResponse, ExchangeOutcome) {
    let spent = ExchangeFailure::CodeAlreadyExchanged;
    let failure = match outcome {
        ExchangeOutcome::Granted {
            token, expires_at, ..
        } => match whole_seconds_until(now, *expires_at) {
            Some(expires_in) => {
                let grant = LoginGranted {
                    token: token.clone(),
                    expires_in,
                };
                return (grant.to_response(), outcome.clone());
            }
            None => spent,
        },
        ExchangeOutcome::Failed(
            ExchangeFailure::SessionNotCreated { .. } | ExchangeFailure::SessionTimeout,
        ) => spent,
        ExchangeOutcome::Failed(failure) => failure.clone(),
    };
    (
        failure.wire_body(now).to_response(),
        ExchangeOutcome::Failed(failure),
    )
}
