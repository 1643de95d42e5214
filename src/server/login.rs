//! The server login flow for one request: the client's body in, code2Session out, a session
//! created by the caller, the wire answer back. Every rule of that flow lives in
//! `ServerLogin::step`'s one match over (state, event).
//!
//! ```text
//! Idle --Received--> Calling --WeChatAnswered(ok)--> CreatingSession --SessionCreated--> Done
//!   |                 |  ^                              |
//!   |                 |  | (timer)                      +--SessionNotCreated / timeout--> Done
//!   |   (-1, 5xx, transport, timeout)
//!   |                 v  |
//!   |               BackingOff --(retry would pass the code's life, or attempts used up)--> Done
//!   +--(body invalid)--> Done                      Calling --(any other answer)--> Done
//! ```
//!
//! One server process normally runs a [`LoginCoordinator`](super::LoginCoordinator), which
//! joins requests carrying the same code and drives one `ServerLogin` per code with the same
//! events and commands.

use crate::{EffectId, RequestId};
use std::collections::VecDeque;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::Handled;
use crate::http::{HttpResponse, TransportFailure};
use crate::rng::SplitMix64;
use crate::secret::LoginCode;
use crate::server::session::{Session, whole_seconds_until};
use crate::server::types::{
    ExchangeFailure, ExchangeOutcome, ServerEventKind, ServerLoginCommand, ServerLoginConfig,
    ServerLoginError, ServerLoginEvent, ServerLoginState,
};
use crate::server::wechat_api::ApiFailure;
use crate::server::wechat_api::Scrub;
use crate::wire::{LoginGranted, decode_login_request, validate_token};

/// How long a login code lives after `wx.login`; the server counts from when it first saw it.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);

/// The login flow for one client request, as a sans-IO machine.
///
/// # Contract
/// - Inputs: [`handle`](Self::handle) (an event and `now`) and
///   [`handle_timeout`](Self::handle_timeout) (when [`poll_timeout`](Self::poll_timeout)'s
///   instant has come; spurious calls are harmless no-ops).
/// - Outputs: after **every** input, drain [`poll_command`](Self::poll_command) and read
///   [`poll_timeout`](Self::poll_timeout) again.
/// - `handle` returns `Ok(Handled::Late)` for an answer to an effect the machine gave out and
///   no longer waits for (past its deadline, already answered, or the flow has ended); the
///   machine is then unchanged. A late `SessionCreated` means a session was stored that no
///   client got the token of: the driver may delete it.
/// - `Err` from `handle` means the driver broke the contract (an id never given out, an event
///   the state does not expect, a malformed token or an expiry not in the future in
///   `SessionCreated`); the machine is then exactly as before. What the world does (WeChat
///   says `-1`, a 5xx, a garbage body) is never an `Err`: it comes out as commands.
/// - Exactly one [`ServerLoginCommand::Respond`] comes out per `Received`, in a bounded number
///   of steps, whether or not the driver answers its effects (each has a deadline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerLogin {
    config: Arc<ServerLoginConfig>,
    state: State,
    request: RequestId,
    /// The code being exchanged; empty until `Received` or `begin` stores one.
    code: LoginCode,
    code_expires_at: OffsetDateTime,
    attempts: u32,
    rng: SplitMix64,
    next_id: u64,
    commands: VecDeque<ServerLoginCommand>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Calling {
        id: EffectId,
        deadline: OffsetDateTime,
    },
    BackingOff {
        until: OffsetDateTime,
        last: ApiFailure,
    },
    CreatingSession {
        id: EffectId,
        deadline: OffsetDateTime,
        openid: String,
        unionid: Option<String>,
    },
    Done,
}

impl State {
    fn name(&self) -> ServerLoginState {
        match self {
            State::Idle => ServerLoginState::Idle,
            State::Calling { .. } => ServerLoginState::Calling,
            State::BackingOff { .. } => ServerLoginState::BackingOff,
            State::CreatingSession { .. } => ServerLoginState::CreatingSession,
            State::Done => ServerLoginState::Done,
        }
    }
}

impl ServerLogin {
    /// A machine waiting for [`ServerLoginEvent::Received`]. Its jitter comes from
    /// `config.seed`.
    pub fn new(config: ServerLoginConfig) -> Self {
        let seed = config.seed;
        Self::with_shared_config(Arc::new(config), seed)
    }

    /// A machine sharing `config` with others, its jitter drawn from `seed`.
    pub fn with_shared_config(config: Arc<ServerLoginConfig>, seed: u64) -> Self {
        Self {
            config,
            state: State::Idle,
            request: RequestId(0),
            code: LoginCode::new(""),
            code_expires_at: OffsetDateTime::UNIX_EPOCH,
            attempts: 0,
            rng: SplitMix64::new(seed),
            next_id: 0,
            commands: VecDeque::new(),
        }
    }

    /// Feeds one event. See the type's contract.
    pub fn handle(
        &mut self,
        event: ServerLoginEvent,
        now: OffsetDateTime,
    ) -> Result<Handled, ServerLoginError> {
        let mut ids = self.next_id;
        let handled = self.step(event, now, &mut ids)?;
        self.next_id = ids;
        Ok(handled)
    }

    /// Fires what is due at `now`: an effect past its deadline, the end of a backoff. Calling
    /// it early, late or repeatedly is harmless.
    pub fn handle_timeout(&mut self, now: OffsetDateTime) {
        let mut ids = self.next_id;
        self.step_timeout(now, &mut ids);
        self.next_id = ids;
    }

    /// The next command to carry out, in order.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<ServerLoginCommand> {
        self.commands.pop_front()
    }

    /// The instant [`handle_timeout`](Self::handle_timeout) should be called, if any.
    pub fn poll_timeout(&self) -> Option<OffsetDateTime> {
        match &self.state {
            State::Calling { deadline, .. } | State::CreatingSession { deadline, .. } => {
                Some(*deadline)
            }
            State::BackingOff { until, .. } => Some(*until),
            State::Idle | State::Done => None,
        }
    }

    /// Where the flow is.
    pub fn state(&self) -> ServerLoginState {
        self.state.name()
    }

    /// Whether the answer has been given.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The id of the effect the machine waits for, if any.
    pub fn outstanding(&self) -> Option<EffectId> {
        match &self.state {
            State::Calling { id, .. } | State::CreatingSession { id, .. } => Some(*id),
            State::Idle | State::BackingOff { .. } | State::Done => None,
        }
    }

    /// When the code stops being sent: when the machine first saw it plus [`CODE_LIFETIME`].
    pub fn code_expires_at(&self) -> OffsetDateTime {
        self.code_expires_at
    }

    /// The WeChat calls made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts the flow for a code already validated (the coordinator's entry point): as if
    /// `Received` had carried it for `request`.
    pub(crate) fn begin(
        &mut self,
        request: RequestId,
        code: LoginCode,
        now: OffsetDateTime,
        ids: &mut u64,
    ) {
        self.request = request;
        self.code = code;
        self.code_expires_at = now.saturating_add(CODE_LIFETIME);
        self.send_call(now, ids);
    }

    /// The one table of rules: (state, event) -> new state and commands. Nothing changes before
    /// an `Err` or a `Late` is returned. `ids` allocates effect ids (the coordinator shares one
    /// counter): an id below it was given out.
    pub(crate) fn step(
        &mut self,
        event: ServerLoginEvent,
        now: OffsetDateTime,
        ids: &mut u64,
    ) -> Result<Handled, ServerLoginError> {
        use ServerLoginEvent as E;
        match (&self.state, event) {
            (State::Idle, E::Received { request, body }) => {
                self.request = request;
                match decode_login_request(&body) {
                    Ok(code) => self.begin(request, code, now, ids),
                    Err(e) => self.fail(ExchangeFailure::BadRequest(e), now),
                }
            }
            (
                State::Calling { id, .. },
                E::WeChatAnswered {
                    id: answered,
                    result,
                },
            ) if *id == answered => {
                self.on_wechat_answer(result, now, ids);
            }
            (
                State::CreatingSession {
                    id,
                    openid,
                    unionid,
                    ..
                },
                E::SessionCreated {
                    id: answered,
                    token,
                    expires_at,
                },
            ) if *id == answered => {
                validate_token(token.expose_secret())
                    .map_err(|_| ServerLoginError::MalformedToken)?;
                let expires_in = whole_seconds_until(now, expires_at)
                    .ok_or(ServerLoginError::ExpiryNotInFuture)?;
                let outcome = ExchangeOutcome::Granted {
                    openid: openid.clone(),
                    unionid: unionid.clone(),
                    token: token.clone(),
                    expires_at,
                };
                self.finish(LoginGranted { token, expires_in }.to_response(), outcome);
            }
            (
                State::CreatingSession { id, .. },
                E::SessionNotCreated {
                    id: answered,
                    reason,
                },
            ) if *id == answered => {
                self.fail(ExchangeFailure::SessionNotCreated { reason }, now);
            }
            (
                _,
                answer @ (E::WeChatAnswered { .. }
                | E::SessionCreated { .. }
                | E::SessionNotCreated { .. }),
            ) => return self.stray_answer(&answer, *ids),
            (
                state @ (State::Calling { .. }
                | State::BackingOff { .. }
                | State::CreatingSession { .. }
                | State::Done),
                E::Received { .. },
            ) => return Err(unexpected(state.name(), ServerEventKind::Received)),
        }
        Ok(Handled::Applied)
    }

    /// An answer that is not the one awaited: the awaited id with the wrong kind of event is a
    /// contract violation; another id given out earlier is late; any other id was never given.
    fn stray_answer(
        &self,
        answer: &ServerLoginEvent,
        ids: u64,
    ) -> Result<Handled, ServerLoginError> {
        let Some(id) = answer.effect_id() else {
            return Err(unexpected(self.state(), answer.kind()));
        };
        if self.outstanding() == Some(id) {
            Err(unexpected(self.state(), answer.kind()))
        } else if id.0 < ids {
            Ok(Handled::Late)
        } else {
            Err(ServerLoginError::UnknownId { id })
        }
    }

    /// The timer rules.
    pub(crate) fn step_timeout(&mut self, now: OffsetDateTime, ids: &mut u64) {
        match &self.state {
            State::Calling { deadline, .. } if now >= *deadline => {
                // The late answer, if it ever comes, is `Ok(Handled::Late)` and changes nothing.
                self.on_wechat_answer(Err(TransportFailure::Timeout), now, ids);
            }
            State::BackingOff { until, last } if now >= *until => {
                if now >= self.code_expires_at {
                    let last = last.clone();
                    self.fail_unavailable(last, now);
                } else {
                    self.send_call(now, ids);
                }
            }
            State::CreatingSession { deadline, .. } if now >= *deadline => {
                self.fail(ExchangeFailure::SessionTimeout, now);
            }
            State::Idle
            | State::Calling { .. }
            | State::BackingOff { .. }
            | State::CreatingSession { .. }
            | State::Done => {}
        }
    }

    /// The next command, for the coordinator.
    pub(crate) fn take_commands(&mut self) -> impl Iterator<Item = ServerLoginCommand> + '_ {
        self.commands.drain(..)
    }

    fn send_call(&mut self, now: OffsetDateTime, ids: &mut u64) {
        let request = self.config.code2session.request(&self.code);
        let id = next_id(ids);
        self.attempts = self.attempts.saturating_add(1);
        self.state = State::Calling {
            id,
            deadline: now.saturating_add(self.config.call_timeout),
        };
        self.commands.push_back(ServerLoginCommand::CallWeChat {
            id,
            request,
            timeout: self.config.call_timeout,
        });
    }

    fn on_wechat_answer(
        &mut self,
        result: Result<HttpResponse, TransportFailure>,
        now: OffsetDateTime,
        ids: &mut u64,
    ) {
        match self.config.code2session.parse(&result) {
            Ok(wechat) => {
                let session = Session::new(wechat, now, self.config.session_lifetime);
                // At the end of representable time no session can last a second; proposing
                // one would only have the caller's answer refused as `ExpiryNotInFuture`.
                if session.is_expired(now) {
                    let reason = "no session can last a second at this instant".to_owned();
                    return self.fail(ExchangeFailure::SessionNotCreated { reason }, now);
                }
                let id = next_id(ids);
                self.state = State::CreatingSession {
                    id,
                    deadline: now.saturating_add(self.config.create_session_timeout),
                    openid: session.openid.clone(),
                    unionid: session.unionid.clone(),
                };
                self.commands
                    .push_back(ServerLoginCommand::CreateSession { id, session });
            }
            Err(error) => {
                let error = self.scrub(error);
                if error.is_transient() {
                    self.retry_or_fail(error, now);
                } else if let ApiFailure::WeChat(wechat) = error {
                    self.fail(ExchangeFailure::Refused(wechat), now);
                } else {
                    self.fail_unavailable(error, now);
                }
            }
        }
    }

    fn retry_or_fail(&mut self, last: ApiFailure, now: OffsetDateTime) {
        let backoff = self.config.backoff;
        if self.attempts >= backoff.max_attempts {
            return self.fail_unavailable(last, now);
        }
        let delay = backoff.delay(self.attempts, &mut self.rng);
        match now.checked_add(delay) {
            // Never send the code at or after the end of its life.
            Some(until) if until < self.code_expires_at => {
                self.state = State::BackingOff { until, last };
            }
            Some(_) | None => self.fail_unavailable(last, now),
        }
    }

    fn fail_unavailable(&mut self, last: ApiFailure, now: OffsetDateTime) {
        let attempts = self.attempts;
        self.fail(ExchangeFailure::Unavailable { attempts, last }, now);
    }

    fn fail(&mut self, failure: ExchangeFailure, now: OffsetDateTime) {
        let response = failure.wire_body(now).to_response();
        self.finish(response, ExchangeOutcome::Failed(failure));
    }

    fn finish(&mut self, response: HttpResponse, outcome: ExchangeOutcome) {
        self.state = State::Done;
        self.commands.push_back(ServerLoginCommand::Respond {
            request: self.request,
            response,
            outcome,
        });
    }

    /// Removes the app secret (or the platform token), the code and anything shaped like a
    /// credential from every world text the error keeps, whatever the HTTP status.
    fn scrub(&self, error: ApiFailure) -> ApiFailure {
        let secrets = [
            self.config.code2session.secret_text(),
            self.code.expose_secret(),
        ];
        Scrub::new(secrets).api_error(error)
    }
}

fn unexpected(state: ServerLoginState, got: ServerEventKind) -> ServerLoginError {
    ServerLoginError::UnexpectedEvent {
        state,
        expected: state.expected(),
        got,
    }
}

fn next_id(ids: &mut u64) -> EffectId {
    let id = EffectId(*ids);
    *ids = ids.wrapping_add(1);
    id
}

impl ServerLoginState {
    /// The events this state accepts.
    pub fn expected(self) -> &'static [ServerEventKind] {
        match self {
            ServerLoginState::Idle => &[ServerEventKind::Received],
            ServerLoginState::Calling => &[ServerEventKind::WeChatAnswered],
            ServerLoginState::CreatingSession => &[
                ServerEventKind::SessionCreated,
                ServerEventKind::SessionNotCreated,
            ],
            ServerLoginState::BackingOff | ServerLoginState::Done => &[],
        }
    }
}
