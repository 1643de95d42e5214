//! What the driver tells the [`LoginCoordinator`](super::LoginCoordinator).

use std::fmt;

use time::OffsetDateTime;

use super::error::SessionStoreFailure;
use crate::http::{HttpResponse, TransportFailure};
use crate::secret::SessionToken;

use crate::{EffectId, RequestId};

/// An input of the server login machines.
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// A client's `POST /login` arrived with this body.
    Received {
        /// The driver's id for the request, echoed in the `Complete` that answers it.
        request: RequestId,
        /// The request body, exactly as received.
        body: Vec<u8>,
    },
    /// WeChat answered [`Command::CallWeChat`](super::Command::CallWeChat) (or the call
    /// failed).
    WeChatAnswered {
        /// The id of the `CallWeChat` command.
        id: EffectId,
        /// The response, or why there is none.
        result: Result<HttpResponse, TransportFailure>,
    },
    /// The caller stored the [`Command::CreateSession`](super::Command::CreateSession) record
    /// under `token`.
    SessionCreated {
        /// The id of the `CreateSession` command.
        id: EffectId,
        /// The token the caller generated (see [`SessionToken::from_random_bytes`]).
        token: SessionToken,
        /// When the stored session ends (normally the proposed
        /// [`SessionRecord::expires_at`](crate::server::session::SessionRecord::expires_at));
        /// must be at least a second after `now`.
        expires_at: OffsetDateTime,
    },
    /// The caller could not store the session.
    SessionNotCreated {
        /// The id of the `CreateSession` command.
        id: EffectId,
        /// What the store said: unavailable for now (the client is told to retry) or failed.
        failure: SessionStoreFailure,
    },
}

impl Event {
    /// The event's kind, as named in errors.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Received { .. } => EventKind::Received,
            Event::WeChatAnswered { .. } => EventKind::WeChatAnswered,
            Event::SessionCreated { .. } => EventKind::SessionCreated,
            Event::SessionNotCreated { .. } => EventKind::SessionNotCreated,
        }
    }

    /// The id of the effect this event answers (`None` for `Received`).
    pub fn effect_id(&self) -> Option<EffectId> {
        match self {
            Event::Received { .. } => None,
            Event::WeChatAnswered { id, .. }
            | Event::SessionCreated { id, .. }
            | Event::SessionNotCreated { id, .. } => Some(*id),
        }
    }
}

impl fmt::Debug for Event {
    /// The request body carries the login code, so only its length is shown; a transport
    /// error's message is shown without sensitive query values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Received { request, body } => f
                .debug_struct("Received")
                .field("request", request)
                .field("body", &format_args!("[{} bytes]", body.len()))
                .finish(),
            Event::WeChatAnswered { id, result } => f
                .debug_struct("WeChatAnswered")
                .field("id", id)
                .field(
                    "result",
                    &result
                        .as_ref()
                        .map_err(crate::server::wechat_api::redact_transport),
                )
                .finish(),
            Event::SessionCreated {
                id,
                token,
                expires_at,
            } => f
                .debug_struct("SessionCreated")
                .field("id", id)
                .field("token", token)
                .field("expires_at", expires_at)
                .finish(),
            Event::SessionNotCreated { id, failure } => f
                .debug_struct("SessionNotCreated")
                .field("id", id)
                .field("failure", failure)
                .finish(),
        }
    }
}

/// The kind of an [`Event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// [`Event::Received`]
    Received,
    /// [`Event::WeChatAnswered`]
    WeChatAnswered,
    /// [`Event::SessionCreated`]
    SessionCreated,
    /// [`Event::SessionNotCreated`]
    SessionNotCreated,
}

impl EventKind {
    /// Every kind, for tables.
    pub const ALL: [EventKind; 4] = [
        EventKind::Received,
        EventKind::WeChatAnswered,
        EventKind::SessionCreated,
        EventKind::SessionNotCreated,
    ];
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventKind::Received => "received",
            EventKind::WeChatAnswered => "wechat answered",
            EventKind::SessionCreated => "session created",
            EventKind::SessionNotCreated => "session not created",
        })
    }
}
