//! The inputs of an [`AccessTokenCache`](super::AccessTokenCache): [`Event`] and its
//! [`EventKind`].

use std::fmt;

use crate::http::{HttpResponse, TransportFailure};
use crate::secret::AccessToken;
use crate::server::wechat_api::redact_transport;
use crate::{EffectId, WaiterId};

use super::state::AccessTokenState;

/// An input of the [`AccessTokenCache`](super::AccessTokenCache).
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// `waiter` needs a token. Answered at once with [`Command::Complete`](super::Command::Complete) when the
    /// cached one is usable, else joined to the one fetch in flight (started if none is).
    TokenNeeded {
        /// The caller's id.
        waiter: WaiterId,
    },
    /// WeChat answered [`Command::Fetch`](super::Command::Fetch) (or the call failed).
    FetchAnswered {
        /// The id of the `Fetch` command.
        id: EffectId,
        /// The response, or why there is none.
        result: Result<HttpResponse, TransportFailure>,
    },
    /// The shared store answered [`Command::LoadShared`](super::Command::LoadShared) (`None`: nothing stored,
    /// or nothing readable).
    SharedLoaded {
        /// The id of the `LoadShared` command.
        id: EffectId,
        /// What the store holds.
        state: Option<AccessTokenState>,
    },
    /// A WeChat API answered 40001, 40014 or 42001 to a call made with `token`, which the
    /// cache gave out (in [`Command::Complete`](super::Command::Complete), or in a shared state) with
    /// `generation`.
    ///
    /// Compare-and-expire **on the fetch**: the cached token is dropped and refreshed only if it
    /// is still the one that fetch granted (same text, same generation). A rejection of an
    /// earlier fetch changes nothing, even when a later fetch re-issued the same text (the
    /// stable endpoint does): ten callers rejected with one fetch's token cause one refresh.
    /// With a `waiter`, the caller gets the next good token (at once if the cache already
    /// holds a newer one) and retries its call **once**; a second rejection is an error to
    /// report, never a loop.
    TokenRejected {
        /// The token the failed call used.
        token: AccessToken,
        /// The [`CachedToken::generation`](super::CachedToken::generation) it was given out with.
        generation: u64,
        /// WeChat's errcode: 40001, 40014 or 42001, anything else is refused.
        errcode: i64,
        /// The caller that will retry once, if any.
        waiter: Option<WaiterId>,
    },
    /// `waiter` asks for a token WeChat issues anew (`force_refresh: true`). Refused with
    /// [`TokenFailure::ForceRefused`](super::TokenFailure::ForceRefused) less than 30 s after the previous forced refresh, past
    /// 20 in a Beijing day, and on a [`TokenSource::Shared`](super::TokenSource::Shared) cache.
    ForceRefresh {
        /// The caller's id.
        waiter: WaiterId,
    },
    /// Another process's state, read from the shared store: a newer usable token is adopted
    /// (and serves waiting callers), the forced-refresh counts are merged.
    Imported {
        /// The state read.
        state: AccessTokenState,
    },
}

impl Event {
    /// The event's kind, as named in errors.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::TokenNeeded { .. } => EventKind::TokenNeeded,
            Event::FetchAnswered { .. } => EventKind::FetchAnswered,
            Event::SharedLoaded { .. } => EventKind::SharedLoaded,
            Event::TokenRejected { .. } => EventKind::TokenRejected,
            Event::ForceRefresh { .. } => EventKind::ForceRefresh,
            Event::Imported { .. } => EventKind::Imported,
        }
    }
}

impl Event {
    /// The effect this event answers, if it answers one.
    pub(crate) fn answers(&self) -> Option<EffectId> {
        match self {
            Event::FetchAnswered { id, .. } | Event::SharedLoaded { id, .. } => Some(*id),
            Event::TokenNeeded { .. }
            | Event::TokenRejected { .. }
            | Event::ForceRefresh { .. }
            | Event::Imported { .. } => None,
        }
    }
}

impl fmt::Debug for Event {
    /// A transport error's message is shown without sensitive query values (HTTP clients quote
    /// the URL, and the plain endpoint's URL carries the secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::TokenNeeded { waiter } => f
                .debug_struct("TokenNeeded")
                .field("waiter", waiter)
                .finish(),
            Event::FetchAnswered { id, result } => f
                .debug_struct("FetchAnswered")
                .field("id", id)
                .field("result", &result.as_ref().map_err(redact_transport))
                .finish(),
            Event::SharedLoaded { id, state } => f
                .debug_struct("SharedLoaded")
                .field("id", id)
                .field("state", state)
                .finish(),
            Event::TokenRejected {
                token,
                generation,
                errcode,
                waiter,
            } => f
                .debug_struct("TokenRejected")
                .field("token", token)
                .field("generation", generation)
                .field("errcode", errcode)
                .field("waiter", waiter)
                .finish(),
            Event::ForceRefresh { waiter } => f
                .debug_struct("ForceRefresh")
                .field("waiter", waiter)
                .finish(),
            Event::Imported { state } => f.debug_struct("Imported").field("state", state).finish(),
        }
    }
}

/// The kind of an [`Event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// [`Event::TokenNeeded`]
    TokenNeeded,
    /// [`Event::FetchAnswered`]
    FetchAnswered,
    /// [`Event::SharedLoaded`]
    SharedLoaded,
    /// [`Event::TokenRejected`]
    TokenRejected,
    /// [`Event::ForceRefresh`]
    ForceRefresh,
    /// [`Event::Imported`]
    Imported,
}

impl EventKind {
    /// Every kind, for exhaustive tests and documentation.
    pub const ALL: [EventKind; 6] = [
        EventKind::TokenNeeded,
        EventKind::FetchAnswered,
        EventKind::SharedLoaded,
        EventKind::TokenRejected,
        EventKind::ForceRefresh,
        EventKind::Imported,
    ];
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventKind::TokenNeeded => "token needed",
            EventKind::FetchAnswered => "fetch answered",
            EventKind::SharedLoaded => "shared loaded",
            EventKind::TokenRejected => "token rejected",
            EventKind::ForceRefresh => "force refresh",
            EventKind::Imported => "imported",
        })
    }
}
