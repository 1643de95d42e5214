//! The values the server login machines take and give: configuration, ids, events, commands,
//! outcomes and errors. Shared by [`ServerLogin`](super::ServerLogin) and
//! [`LoginCoordinator`](super::LoginCoordinator), so one driver loop runs either.

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::backoff::Backoff;
use crate::http::{HttpRequest, HttpResponse, TransportFailure};
use crate::secret::SessionToken;
use crate::server::code2session::Code2SessionApi;
use crate::server::session::{DEFAULT_SESSION_LIFETIME, Session};
use crate::server::wechat_api::{
    ApiFailure, ErrorClass, WeChatFailure, internal_body, redact_transport,
};
use crate::wire::{ErrorBody, ErrorKind, WireFailure};
use crate::{EffectId, RequestId};

/// Configuration of the server login flow.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLoginConfig {
    /// Builds the code2Session request (credentials, base URL).
    pub code2session: Code2SessionApi,
    /// The lifetime proposed for new sessions ([`Session::expires_at`] in
    /// [`ServerLoginCommand::CreateSession`]). Default: 2 hours.
    pub session_lifetime: Duration,
    /// How long a WeChat call may take before it counts as a transport timeout. Default: 10 s.
    pub call_timeout: Duration,
    /// How long the caller may take to create a session. Default: 10 s.
    pub create_session_timeout: Duration,
    /// How failed calls are retried (never past the code's life).
    pub backoff: Backoff,
    /// The seed of the backoff jitter.
    pub seed: u64,
}

impl ServerLoginConfig {
    /// The defaults around a code2Session builder and a jitter seed the caller drew.
    pub fn new(code2session: Code2SessionApi, seed: u64) -> Self {
        Self {
            code2session,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            call_timeout: Duration::seconds(10),
            create_session_timeout: Duration::seconds(10),
            backoff: Backoff::default(),
            seed,
        }
    }
}

/// An input of the server login machines.
#[derive(Clone, PartialEq, Eq)]
pub enum ServerLoginEvent {
    /// A client's `POST /login` arrived with this body.
    Received {
        /// The driver's id for the request, echoed by the answering `Respond`.
        request: RequestId,
        /// The request body, exactly as received.
        body: Vec<u8>,
    },
    /// WeChat answered [`ServerLoginCommand::CallWeChat`] (or the call failed).
    WeChatAnswered {
        /// The id of the `CallWeChat` command.
        id: EffectId,
        /// The response, or why there is none.
        result: Result<HttpResponse, TransportFailure>,
    },
    /// The caller stored the [`ServerLoginCommand::CreateSession`] record under `token`.
    SessionCreated {
        /// The id of the `CreateSession` command.
        id: EffectId,
        /// The token the caller generated (see [`SessionToken::from_random_bytes`]).
        token: SessionToken,
        /// When the stored session ends (normally the proposed [`Session::expires_at`]);
        /// must be at least a second after `now`.
        expires_at: OffsetDateTime,
    },
    /// The caller could not store the session.
    SessionNotCreated {
        /// The id of the `CreateSession` command.
        id: EffectId,
        /// Why, for the operator's log (never sent to the client).
        reason: String,
    },
}

impl ServerLoginEvent {
    /// The event's kind, as named in errors.
    pub fn kind(&self) -> ServerEventKind {
        match self {
            ServerLoginEvent::Received { .. } => ServerEventKind::Received,
            ServerLoginEvent::WeChatAnswered { .. } => ServerEventKind::WeChatAnswered,
            ServerLoginEvent::SessionCreated { .. } => ServerEventKind::SessionCreated,
            ServerLoginEvent::SessionNotCreated { .. } => ServerEventKind::SessionNotCreated,
        }
    }

    /// The id of the effect this event answers (`None` for `Received`).
    pub fn effect_id(&self) -> Option<EffectId> {
        match self {
            ServerLoginEvent::Received { .. } => None,
            ServerLoginEvent::WeChatAnswered { id, .. }
            | ServerLoginEvent::SessionCreated { id, .. }
            | ServerLoginEvent::SessionNotCreated { id, .. } => Some(*id),
        }
    }
}

impl fmt::Debug for ServerLoginEvent {
    /// The request body carries the login code, so only its length is shown; a transport
    /// error's message is shown without sensitive query values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerLoginEvent::Received { request, body } => f
                .debug_struct("Received")
                .field("request", request)
                .field("body", &format_args!("[{} bytes]", body.len()))
                .finish(),
            ServerLoginEvent::WeChatAnswered { id, result } => f
                .debug_struct("WeChatAnswered")
                .field("id", id)
                .field("result", &result.as_ref().map_err(redact_transport))
                .finish(),
            ServerLoginEvent::SessionCreated {
                id,
                token,
                expires_at,
            } => f
                .debug_struct("SessionCreated")
                .field("id", id)
                .field("token", token)
                .field("expires_at", expires_at)
                .finish(),
            ServerLoginEvent::SessionNotCreated { id, reason } => f
                .debug_struct("SessionNotCreated")
                .field("id", id)
                .field("reason", reason)
                .finish(),
        }
    }
}

/// The kind of a [`ServerLoginEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerEventKind {
    /// [`ServerLoginEvent::Received`]
    Received,
    /// [`ServerLoginEvent::WeChatAnswered`]
    WeChatAnswered,
    /// [`ServerLoginEvent::SessionCreated`]
    SessionCreated,
    /// [`ServerLoginEvent::SessionNotCreated`]
    SessionNotCreated,
}

impl fmt::Display for ServerEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerEventKind::Received => "received",
            ServerEventKind::WeChatAnswered => "wechat answered",
            ServerEventKind::SessionCreated => "session created",
            ServerEventKind::SessionNotCreated => "session not created",
        })
    }
}

/// Where a [`ServerLogin`](super::ServerLogin) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerLoginState {
    /// Waiting for the request.
    Idle,
    /// A code2Session call is out.
    Calling,
    /// Waiting before the next call.
    BackingOff,
    /// The caller is creating the session.
    CreatingSession,
    /// The answer was given.
    Done,
}

impl fmt::Display for ServerLoginState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerLoginState::Idle => "idle",
            ServerLoginState::Calling => "calling wechat",
            ServerLoginState::BackingOff => "backing off",
            ServerLoginState::CreatingSession => "creating the session",
            ServerLoginState::Done => "done",
        })
    }
}

/// An output of the server login machines. Each effect names the event that answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum ServerLoginCommand {
    /// Send `request` to WeChat (code2Session) and answer with
    /// [`ServerLoginEvent::WeChatAnswered`] carrying `id`. After `timeout` the machine counts the
    /// call as a transport timeout and refuses a late answer.
    CallWeChat {
        /// Echo it in the answer.
        id: EffectId,
        /// The request; its `Debug` hides the secret and the code.
        request: HttpRequest,
        /// How long the machine waits for the answer.
        timeout: Duration,
    },
    /// Store `session` under a token you generate and answer with
    /// [`ServerLoginEvent::SessionCreated`] (or [`ServerLoginEvent::SessionNotCreated`])
    /// carrying `id`.
    CreateSession {
        /// Echo it in the answer.
        id: EffectId,
        /// The record to store; `expires_at` is the proposed end (now + the configured lifetime).
        session: Session,
    },
    /// Send `response` to the client as the answer to `request`. No event answers it.
    Respond {
        /// The request this answers.
        request: RequestId,
        /// The wire answer (the login grant, or an error body safe for the client).
        response: HttpResponse,
        /// What happened, with every detail, for the operator's log.
        outcome: ExchangeOutcome,
    },
}

/// How one login ended, for the operator's log. `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExchangeOutcome {
    /// The client got a session.
    Granted {
        /// The user's id within this mini program.
        openid: String,
        /// The user's Open Platform id, if any.
        unionid: Option<String>,
        /// The token the client got.
        token: SessionToken,
        /// When the session ends.
        expires_at: OffsetDateTime,
    },
    /// The client got an error body.
    Failed(ExchangeFailure),
}

/// Why a login failed, with every detail the operator needs. The client sees only
/// [`wire_body`](Self::wire_body).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeFailure {
    /// The request body was not a valid login request.
    #[error("bad login request: {0}")]
    BadRequest(WireFailure),
    /// WeChat refused the code with an errcode that retrying cannot fix.
    #[error("wechat refused the login: {0}")]
    Refused(WeChatFailure),
    /// WeChat gave no usable answer: transient failures until the attempts or the code's life
    /// ran out, or an answer that could not be read.
    #[error("wechat unavailable after {attempts} attempt(s): {last}")]
    Unavailable {
        /// The calls made.
        attempts: u32,
        /// The last failure.
        last: ApiFailure,
    },
    /// The caller could not store the session.
    #[error("the session was not created: {reason}")]
    SessionNotCreated {
        /// The caller's reason.
        reason: String,
    },
    /// The caller did not answer `CreateSession` in time.
    #[error("the session was not created in time")]
    SessionTimeout,
    /// Too many logins were in flight (the coordinator's capacity).
    #[error("too many logins in flight")]
    Busy,
    /// The coordinator already sent this code to WeChat, which took it, and what it gave is
    /// gone (the session was not created, or has ended): the client needs a new code. The code
    /// is not sent again (WeChat would answer 40163).
    #[error("the code was already exchanged and its session is gone")]
    CodeAlreadyExchanged,
}

impl ExchangeFailure {
    /// The body the client gets, as of `now`. Configuration details never appear in it.
    pub fn wire_body(&self, now: OffsetDateTime) -> ErrorBody {
        match self {
            // WireFailure messages never echo the input.
            ExchangeFailure::BadRequest(e) => ErrorBody::new(ErrorKind::BadRequest, e.to_string()),
            ExchangeFailure::Refused(e) => e.wire_body(now),
            ExchangeFailure::Unavailable {
                last: ApiFailure::WeChat(e),
                ..
            } => e.wire_body(now),
            ExchangeFailure::Unavailable { .. } => ErrorBody::new(
                ErrorKind::UpstreamUnavailable,
                "wechat is unavailable; retry later",
            ),
            ExchangeFailure::SessionNotCreated { .. } | ExchangeFailure::SessionTimeout => {
                internal_body()
            }
            ExchangeFailure::CodeAlreadyExchanged => {
                ErrorBody::new(ErrorKind::CodeUsed, "the login code was already used")
            }
            ExchangeFailure::Busy => {
                let mut body = ErrorBody::new(
                    ErrorKind::UpstreamUnavailable,
                    "the server is busy; retry shortly",
                );
                body.retry_after = Some(1);
                body
            }
        }
    }

    /// Whether the operator should be alerted: the configuration is wrong, WeChat said
    /// something unknown or unreadable, or the session store failed.
    pub fn needs_operator(&self) -> bool {
        match self {
            ExchangeFailure::Refused(e) => matches!(
                e.class(),
                ErrorClass::Configuration | ErrorClass::TokenInvalid | ErrorClass::Unknown
            ),
            ExchangeFailure::Unavailable { last, .. } => !last.is_transient(),
            ExchangeFailure::SessionNotCreated { .. } | ExchangeFailure::SessionTimeout => true,
            ExchangeFailure::BadRequest(_)
            | ExchangeFailure::Busy
            | ExchangeFailure::CodeAlreadyExchanged => false,
        }
    }
}

/// The driver broke the contract; the machine is exactly as it was before the call. (A late
/// answer is not an error: it is [`Handled::Late`](crate::Handled::Late).)
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerLoginError {
    /// The event does not fit the machine's state.
    #[error("unexpected {got} event while {state} (expected: {})", list(expected))]
    UnexpectedEvent {
        /// The machine's state.
        state: ServerLoginState,
        /// The events that state accepts.
        expected: &'static [ServerEventKind],
        /// The event that arrived.
        got: ServerEventKind,
    },
    /// The id was never given out by this machine.
    #[error("{id} was never given out")]
    UnknownId {
        /// The id that arrived.
        id: EffectId,
    },
    /// A request with this id is still pending.
    #[error("{request} is already pending")]
    DuplicateRequest {
        /// The id that arrived.
        request: RequestId,
    },
    /// `SessionCreated` carried an expiry less than a second after `now`.
    #[error("the session's expiry is not in the future")]
    ExpiryNotInFuture,
    /// `SessionCreated` carried a token that [`validate_token`](crate::wire::validate_token)
    /// refuses (empty, too long, spaces or characters no header may carry); it is never sent.
    #[error("the session token is malformed")]
    MalformedToken,
}

fn list(kinds: &[ServerEventKind]) -> String {
    if kinds.is_empty() {
        return "none".to_owned();
    }
    kinds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
