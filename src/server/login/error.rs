//! The two kinds of wrong: [`ExchangeError`], the driver broke the contract (the `Err` of
//! `handle`, the machine unchanged), and [`ExchangeFailure`], the world failed (an answer to
//! the client, in a `Complete`).

use time::{Duration, OffsetDateTime};

use super::event::EventKind;
use super::state::StateKind;
use crate::server::session::store_unavailable_body;
use crate::server::wechat_api::{ApiFailure, ErrorClass, WeChatFailure, internal_body};
use crate::wire::{ErrorBody, ErrorKind, WireFailure};
use crate::{EffectId, RequestId};

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
    #[error("the session was not created: {0}")]
    SessionNotCreated(SessionStoreFailure),
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

/// Why the caller's session store did not take a record: what
/// [`Event::SessionNotCreated`](super::Event::SessionNotCreated) carries.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionStoreFailure {
    /// The store is down or overloaded for now: the client gets `503 upstream_unavailable`
    /// with `retry_after`, never a `401`, which would send every client to `wx.login` at once.
    #[error("the session store is unavailable: {reason}")]
    Unavailable {
        /// The store's message, for the operator's log (never sent to the client).
        reason: String,
        /// When the client should retry (whole seconds on the wire, at least one).
        retry_after: Duration,
    },
    /// The store failed in a way a retry will not fix: the client gets `500 internal`.
    #[error("the session store failed: {reason}")]
    Failed {
        /// The store's message, for the operator's log (never sent to the client).
        reason: String,
    },
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
            ExchangeFailure::SessionNotCreated(SessionStoreFailure::Unavailable {
                retry_after,
                ..
            }) => store_unavailable_body(*retry_after),
            ExchangeFailure::SessionNotCreated(SessionStoreFailure::Failed { .. })
            | ExchangeFailure::SessionTimeout => internal_body(),
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
            ExchangeFailure::SessionNotCreated(_) | ExchangeFailure::SessionTimeout => true,
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
pub enum ExchangeError {
    /// The event does not fit the machine's state.
    #[error(
        "unexpected {got} event while {state} (expected: {})",
        crate::handled::list_kinds(expected)
    )]
    UnexpectedEvent {
        /// The machine's state.
        state: StateKind,
        /// The events that state accepts.
        expected: &'static [EventKind],
        /// The event that arrived.
        got: EventKind,
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

impl ExchangeError {
    /// The refusal of `got` in `state`, listing what the state expects.
    pub(crate) fn unexpected(state: StateKind, got: EventKind) -> Self {
        ExchangeError::UnexpectedEvent {
            state,
            expected: state.expected(),
            got,
        }
    }
}
