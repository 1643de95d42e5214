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
//! id of at most [`MAX_RID_BYTES`]). The bounds below are asserted with every field at its
//! bound on a 64-bit target by `tests/alloc_budgets.rs` (live heap bytes, through a counting
//! allocator; the README has the measured figures):
//! - in flight: at most `max_in_flight` codes, at most 1.875 KiB each (the boxed
//!   [`CodeExchange`], which keeps no command queue of its own, the code twice (the
//!   exchange's, and one key text the maps share), the kept error of a backoff,
//!   `max_waiters_per_code` = 16 request ids twice). A new code beyond that is answered at
//!   once with a typed [`ExchangeFailure::Busy`] (503, `retry_after` 1), and so is one more
//!   duplicate of a code that has its full set of waiters;
//! - remembered: at most `max_remembered` finished codes, at most 1.75 KiB each (a grant: a map
//!   slot, the code once (the map and the eviction queue share it), the openid, unionid and
//!   token; a refusal keeps less). The oldest finished entry is evicted first, and entries past
//!   the code's life are dropped as inputs arrive. Every outcome in which WeChat may have taken
//!   the code is remembered, so that such a code is never sent again (see the rule on
//!   [`LoginCoordinator`]).
//!
//! With the defaults that is at most 1.875 MiB in flight and 28 MiB remembered.
//!
//! [`MAX_CODE_LEN`]: crate::wire::MAX_CODE_LEN
//! [`MAX_TOKEN_LEN`]: crate::wire::MAX_TOKEN_LEN
//! [`MAX_USER_ID_BYTES`]: crate::server::code2session::MAX_USER_ID_BYTES
//! [`MAX_ERRMSG_BYTES`]: crate::server::wechat_api::failure::MAX_ERRMSG_BYTES
//! [`MAX_RID_BYTES`]: crate::server::wechat_api::rid::MAX_RID_BYTES

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use time::OffsetDateTime;

use super::command::{Command, ExchangeOutcome};
use super::config::{CoordinatorConfig, ExchangeConfig};
use super::error::{ExchangeError, ExchangeFailure};
use super::event::Event;
use super::exchange::CodeExchange;
use super::recent::{CodeKey, Recent};
use crate::rng::SplitMix64;
use crate::wire::decode_login_request;
use crate::{EffectId, Handled, RequestId};

#[derive(Clone, Debug, PartialEq, Eq)]
struct InFlight {
    exchange: Box<CodeExchange>,
    waiters: Vec<RequestId>,
    outstanding: Option<EffectId>,
    /// The exchange's entry in `LoginCoordinator::deadlines`.
    timer: Option<Timer>,
}

/// A deadline in the timer index; the sequence number makes equal instants distinct.
type Timer = (OffsetDateTime, u64);

/// Every login of one server process: duplicate codes joined, finished ones remembered, memory
/// bounded.
///
/// It takes [`Event`]s and gives [`Command`]s with the contract of every machine of this
/// crate: after every input (`handle`, `handle_timeout`),
/// drain [`poll_command`](Self::poll_command) and read [`poll_timeout`](Self::poll_timeout);
/// a late answer is `Ok(Handled::Late)` and changes nothing; `Err` means the driver broke the
/// contract and leaves the coordinator exactly as before; every `Received`'s request id is
/// named in exactly one [`Command::Complete`] (duplicates of a code share one `Complete`).
///
/// **The code rule.** Within the coordinator's memory (the code's life,
/// [`CODE_LIFETIME`](crate::wire::CODE_LIFETIME) from the exchange's start, unless evicted
/// for capacity), a code reaches code2Session again only if WeChat cannot have taken it: every
/// earlier answer was transient (`-1`, 5xx, no response, timeout) or refused the request rather
/// than the code (a quota, the app's configuration, an access token). After any other answer a
/// retry gets the remembered answer, or `code_used` once the session is gone.
///
/// Maps are ordered (`BTreeMap`): no hasher seeded from the OS, and the same inputs give the
/// same outputs in the same order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginCoordinator {
    config: Arc<ExchangeConfig>,
    max_in_flight: usize,
    max_waiters_per_code: usize,
    in_flight: BTreeMap<CodeKey, InFlight>,
    recent: Recent,
    routes: BTreeMap<EffectId, CodeKey>,
    /// The deadline of every exchange in flight, earliest first: `poll_timeout` reads the first
    /// and `handle_timeout` the due ones, without visiting the others.
    deadlines: BTreeMap<Timer, CodeKey>,
    pending: BTreeSet<RequestId>,
    /// Every exchange's step puts its commands straight onto this queue (none keeps a buffer
    /// of its own); `after_step` takes back the `Complete` an exchange ends with.
    commands: VecDeque<Command>,
    next_id: u64,
    next_timer: u64,
    exchanges_started: u64,
}

impl LoginCoordinator {
    /// A coordinator with nothing in flight.
    pub fn new(config: CoordinatorConfig) -> Self {
        Self {
            config: Arc::new(config.exchange),
            max_in_flight: config.max_in_flight,
            max_waiters_per_code: config.max_waiters_per_code,
            in_flight: BTreeMap::new(),
            recent: Recent::new(config.max_remembered),
            routes: BTreeMap::new(),
            deadlines: BTreeMap::new(),
            pending: BTreeSet::new(),
            commands: VecDeque::new(),
            next_id: 0,
            next_timer: 0,
            exchanges_started: 0,
        }
    }

    /// Replaces the exchange configuration for exchanges started from now on (for example
    /// with a fresh `component_access_token`). Exchanges in flight keep theirs.
    pub fn set_exchange_config(&mut self, config: ExchangeConfig) {
        self.config = Arc::new(config);
    }

    /// The exchange configuration new exchanges use.
    pub fn exchange_config(&self) -> &ExchangeConfig {
        &self.config
    }

    /// Feeds one event. `Received` starts, joins or replays an exchange; the other events go to
    /// the exchange whose effect id they echo.
    ///
    /// An answer to an effect given out earlier that no exchange waits for any more (past its
    /// deadline, answered already, its exchange over) is `Ok(Handled::Late)` and changes
    /// nothing. `Err` is for an id never given out, a request id still pending, and what the
    /// code's exchange refuses (an event its state does not expect, a malformed token or an
    /// expiry not in the future in `SessionCreated`).
    pub fn handle(&mut self, event: Event, now: OffsetDateTime) -> Result<Handled, ExchangeError> {
        let id = match &event {
            Event::Received { request, body } => {
                if self.pending.contains(request) {
                    return Err(ExchangeError::DuplicateRequest { request: *request });
                }
                self.recent.forget_expired(now);
                self.receive(*request, body, now);
                return Ok(Handled::Applied);
            }
            Event::WeChatAnswered { id, .. }
            | Event::SessionCreated { id, .. }
            | Event::SessionNotCreated { id, .. } => *id,
        };
        let Some(key) = self.routes.get(&id).cloned() else {
            return if id.0 < self.next_id {
                Ok(Handled::Late)
            } else {
                Err(ExchangeError::UnknownId { id })
            };
        };
        let entry = self
            .in_flight
            .get_mut(&key)
            .ok_or(ExchangeError::UnknownId { id })?;
        // `step` changes nothing, ids included, when it returns an error; a routed id is the
        // one its exchange waits for, so it is never late.
        let queued = self.commands.len();
        let handled = entry
            .exchange
            .step(event, now, &mut self.next_id, &mut self.commands)?;
        self.after_step(&key, queued, now);
        self.recent.forget_expired(now);
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
        // Fired in the order of the codes themselves.
        due.sort_unstable_by(|a, b| a.text().cmp(b.text()));
        for key in due {
            if let Some(entry) = self.in_flight.get_mut(&key) {
                let queued = self.commands.len();
                entry
                    .exchange
                    .step_timeout(now, &mut self.next_id, &mut self.commands);
                self.after_step(&key, queued, now);
            }
        }
        self.recent.forget_expired(now);
    }

    /// The next command to carry out, in order.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
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
        self.recent.len()
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
        let key = CodeKey::new(code.expose_secret());

        if let Some((response, outcome)) = self.recent.replay(&key, now) {
            self.commands.push_back(Command::Complete {
                waiters: vec![request],
                response,
                outcome,
            });
            return;
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
        let mut exchange = Box::new(CodeExchange::with_shared_config(
            Arc::clone(&self.config),
            seed,
        ));
        let queued = self.commands.len();
        exchange.begin(request, code, now, &mut self.next_id, &mut self.commands);
        self.in_flight.insert(
            key.clone(),
            InFlight {
                exchange,
                waiters: vec![request],
                outstanding: None,
                timer: None,
            },
        );
        self.pending.insert(request);
        self.after_step(&key, queued, now);
    }

    fn answer_now(&mut self, request: RequestId, failure: ExchangeFailure, now: OffsetDateTime) {
        let response = failure.wire_body(now).to_response();
        self.commands.push_back(Command::Complete {
            waiters: vec![request],
            response,
            outcome: ExchangeOutcome::Failed(failure),
        });
    }

    /// After an exchange moved (its commands queued after the first `queued`): route its
    /// outstanding effect, and when it answered, answer every waiter and remember the result if
    /// a retry can use it.
    fn after_step(&mut self, key: &CodeKey, queued: usize, now: OffsetDateTime) {
        let Some(entry) = self.in_flight.get_mut(key) else {
            return;
        };
        let outstanding = entry.exchange.outstanding();
        if entry.outstanding != outstanding {
            if let Some(old) = entry.outstanding {
                self.routes.remove(&old);
            }
            if let Some(new) = outstanding {
                self.routes.insert(new, key.clone());
            }
            entry.outstanding = outstanding;
        }
        let deadline = entry.exchange.poll_timeout();
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
        // An exchange's answer is the last command of its step; the entry knows its waiters.
        let answered = self.commands.len() > queued
            && matches!(self.commands.back(), Some(Command::Complete { .. }));
        let Some(Command::Complete {
            response, outcome, ..
        }) = answered.then(|| self.commands.pop_back()).flatten()
        else {
            return;
        };
        let forget_at = entry.exchange.code_expires_at();
        let Some(entry) = self.in_flight.remove(key) else {
            return;
        };
        for request in &entry.waiters {
            self.pending.remove(request);
        }
        self.commands.push_back(Command::Complete {
            waiters: entry.waiters,
            response,
            outcome: outcome.clone(),
        });
        self.recent
            .remember_if_taken(key.clone(), outcome, forget_at, now);
    }
}
