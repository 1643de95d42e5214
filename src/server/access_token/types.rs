//! The values an [`AccessTokenCache`](super::AccessTokenCache) takes and gives: waiters, events,
//! commands, the exported state, world failures and driver errors.

use crate::EffectId;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::guard::{ForceLedger, ForceRefused};
use crate::WaiterId;
use crate::http::{HttpRequest, HttpResponse, TransportFailure};
use crate::secret::AccessToken;
use crate::server::wechat_api::ApiFailure;
use crate::server::wechat_api::redact_transport;

/// A token and its lifetime, as cached, exported and shared. `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    /// The token.
    pub access_token: AccessToken,
    /// When WeChat granted it (unix seconds in JSON).
    #[serde(with = "time::serde::timestamp")]
    pub fetched_at: OffsetDateTime,
    /// When it stops being valid (unix seconds in JSON).
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// Which fetch granted it: the refreshing cache numbers its grants 1, 2, 3, … (0 in a
    /// state written before the field existed). The stable endpoint re-issues the same text,
    /// so the text alone cannot tell a rejection of this fetch from a late rejection of an
    /// earlier one; compare-and-expire compares the text and this number.
    #[serde(default)]
    pub generation: u64,
}

impl CachedToken {
    /// Whether it may still be handed out at `now`.
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }

    /// The order of fetches: the later grant, and at the same instant the higher generation.
    pub(crate) fn fetch_key(&self) -> (OffsetDateTime, u64) {
        (self.fetched_at, self.generation)
    }
}

/// The version of [`AccessTokenState`] this crate writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The state several processes share through a store of their choosing (see the module docs):
/// the current token and the forced refreshes sent today.
///
/// JSON form: `{"v":1,"token":{"access_token":"…","fetched_at":1704067200,"expires_at":1704074400,"generation":1},"forced":{"day":19723,"count":0,"last":null}}`.
/// It carries the token: store it where only your servers can read it. `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenState {
    /// The format version, [`STATE_VERSION`].
    pub v: u32,
    /// The current token, if any.
    pub token: Option<CachedToken>,
    /// The forced refreshes WeChat counted.
    #[serde(default)]
    pub forced: ForceLedger,
}

/// An input of the [`AccessTokenCache`](super::AccessTokenCache).
#[derive(Clone, PartialEq, Eq)]
pub enum AccessTokenEvent {
    /// `waiter` needs a token. Answered at once with [`AccessTokenCommand::Ready`] when the
    /// cached one is usable, else joined to the one fetch in flight (started if none is).
    TokenNeeded {
        /// The caller's id.
        waiter: WaiterId,
    },
    /// WeChat answered [`AccessTokenCommand::Fetch`] (or the call failed).
    FetchAnswered {
        /// The id of the `Fetch` command.
        id: EffectId,
        /// The response, or why there is none.
        result: Result<HttpResponse, TransportFailure>,
    },
    /// The shared store answered [`AccessTokenCommand::LoadShared`] (`None`: nothing stored,
    /// or nothing readable).
    SharedLoaded {
        /// The id of the `LoadShared` command.
        id: EffectId,
        /// What the store holds.
        state: Option<AccessTokenState>,
    },
    /// A WeChat API answered 40001, 40014 or 42001 to a call made with `token`, which the
    /// cache gave out (in [`AccessTokenCommand::Ready`], or in a shared state) with
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
        /// The [`CachedToken::generation`] it was given out with.
        generation: u64,
        /// WeChat's errcode: 40001, 40014 or 42001, anything else is refused.
        errcode: i64,
        /// The caller that will retry once, if any.
        waiter: Option<WaiterId>,
    },
    /// `waiter` asks for a token WeChat issues anew (`force_refresh: true`). Refused with
    /// [`TokenFailure::ForceRefused`] less than 30 s after the previous forced refresh, past
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

impl AccessTokenEvent {
    /// The event's kind, as named in errors.
    pub fn kind(&self) -> TokenEventKind {
        match self {
            AccessTokenEvent::TokenNeeded { .. } => TokenEventKind::TokenNeeded,
            AccessTokenEvent::FetchAnswered { .. } => TokenEventKind::FetchAnswered,
            AccessTokenEvent::SharedLoaded { .. } => TokenEventKind::SharedLoaded,
            AccessTokenEvent::TokenRejected { .. } => TokenEventKind::TokenRejected,
            AccessTokenEvent::ForceRefresh { .. } => TokenEventKind::ForceRefresh,
            AccessTokenEvent::Imported { .. } => TokenEventKind::Imported,
        }
    }
}

impl fmt::Debug for AccessTokenEvent {
    /// A transport error's message is shown without sensitive query values (HTTP clients quote
    /// the URL, and the plain endpoint's URL carries the secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessTokenEvent::TokenNeeded { waiter } => f
                .debug_struct("TokenNeeded")
                .field("waiter", waiter)
                .finish(),
            AccessTokenEvent::FetchAnswered { id, result } => f
                .debug_struct("FetchAnswered")
                .field("id", id)
                .field("result", &result.as_ref().map_err(redact_transport))
                .finish(),
            AccessTokenEvent::SharedLoaded { id, state } => f
                .debug_struct("SharedLoaded")
                .field("id", id)
                .field("state", state)
                .finish(),
            AccessTokenEvent::TokenRejected {
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
            AccessTokenEvent::ForceRefresh { waiter } => f
                .debug_struct("ForceRefresh")
                .field("waiter", waiter)
                .finish(),
            AccessTokenEvent::Imported { state } => {
                f.debug_struct("Imported").field("state", state).finish()
            }
        }
    }
}

/// The kind of an [`AccessTokenEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenEventKind {
    /// [`AccessTokenEvent::TokenNeeded`]
    TokenNeeded,
    /// [`AccessTokenEvent::FetchAnswered`]
    FetchAnswered,
    /// [`AccessTokenEvent::SharedLoaded`]
    SharedLoaded,
    /// [`AccessTokenEvent::TokenRejected`]
    TokenRejected,
    /// [`AccessTokenEvent::ForceRefresh`]
    ForceRefresh,
    /// [`AccessTokenEvent::Imported`]
    Imported,
}

impl fmt::Display for TokenEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenEventKind::TokenNeeded => "token needed",
            TokenEventKind::FetchAnswered => "fetch answered",
            TokenEventKind::SharedLoaded => "shared loaded",
            TokenEventKind::TokenRejected => "token rejected",
            TokenEventKind::ForceRefresh => "force refresh",
            TokenEventKind::Imported => "imported",
        })
    }
}

/// What an [`AccessTokenCache`](super::AccessTokenCache) is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessTokenPhase {
    /// No effect outstanding.
    Idle,
    /// A [`AccessTokenCommand::Fetch`] is out.
    Fetching,
    /// A [`AccessTokenCommand::LoadShared`] is out.
    Loading,
    /// Waiting before the next attempt.
    BackingOff,
}

impl AccessTokenPhase {
    /// The events this phase accepts.
    pub fn expected(self) -> &'static [TokenEventKind] {
        use TokenEventKind as K;
        match self {
            AccessTokenPhase::Idle | AccessTokenPhase::BackingOff => &[
                K::TokenNeeded,
                K::TokenRejected,
                K::ForceRefresh,
                K::Imported,
            ],
            AccessTokenPhase::Fetching => &[
                K::TokenNeeded,
                K::FetchAnswered,
                K::TokenRejected,
                K::ForceRefresh,
                K::Imported,
            ],
            AccessTokenPhase::Loading => &[
                K::TokenNeeded,
                K::SharedLoaded,
                K::TokenRejected,
                K::ForceRefresh,
                K::Imported,
            ],
        }
    }
}

impl fmt::Display for AccessTokenPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccessTokenPhase::Idle => "idle",
            AccessTokenPhase::Fetching => "fetching",
            AccessTokenPhase::Loading => "loading the shared token",
            AccessTokenPhase::BackingOff => "backing off",
        })
    }
}

/// An output of the [`AccessTokenCache`](super::AccessTokenCache). Each effect names the event
/// that answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum AccessTokenCommand {
    /// Send `request` to WeChat and answer with [`AccessTokenEvent::FetchAnswered`] carrying
    /// `id`. After `timeout` the cache counts the call as a transport timeout; an answer after
    /// that is late ([`Handled::Late`](crate::Handled::Late)) and ignored.
    Fetch {
        /// Echo it in the answer.
        id: EffectId,
        /// The token request; its `Debug` hides the secret.
        request: HttpRequest,
        /// How long the cache waits for the answer.
        timeout: Duration,
        /// Whether this is a forced refresh (counted against the daily limit).
        force: bool,
    },
    /// Read the [`AccessTokenState`] the refreshing process stored and answer with
    /// [`AccessTokenEvent::SharedLoaded`] carrying `id` (only with
    /// [`TokenSource::Shared`](super::TokenSource::Shared)).
    LoadShared {
        /// Echo it in the answer.
        id: EffectId,
        /// How long the cache waits for the answer.
        timeout: Duration,
    },
    /// Give `token` to `waiters`. No event answers it.
    Ready {
        /// The callers served, in arrival order.
        waiters: Vec<WaiterId>,
        /// The token.
        token: AccessToken,
        /// When it expires.
        expires_at: OffsetDateTime,
        /// Which fetch granted it: report it with the token in
        /// [`AccessTokenEvent::TokenRejected`].
        generation: u64,
    },
    /// Tell `waiters` no token came. No event answers it.
    Failed {
        /// The callers, in arrival order.
        waiters: Vec<WaiterId>,
        /// Why.
        error: TokenFailure,
    },
    /// The shareable state changed (a fetched token, a forced refresh sent): write `state` to
    /// the shared store if other processes read it. No event answers it.
    Publish {
        /// The state to store.
        state: AccessTokenState,
    },
}

/// Why waiters got no token. Messages never contain the token or the secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenFailure {
    /// WeChat gave no usable answer: transient failures until the attempts ran out, or an
    /// answer retrying cannot fix (a bad secret, a quota, garbage).
    #[error("no access token from wechat after {attempts} attempt(s): {last}")]
    Unavailable {
        /// The calls made.
        attempts: u32,
        /// The last failure.
        last: ApiFailure,
    },
    /// The shared store held no usable token newer than the one rejected.
    #[error("no usable shared access token after {attempts} attempt(s)")]
    NoSharedToken {
        /// The loads made.
        attempts: u32,
    },
    /// A forced refresh was refused before any request was sent.
    #[error(transparent)]
    ForceRefused(ForceRefused),
    /// Too many waiters were already waiting.
    #[error("too many callers waiting for an access token")]
    Busy,
}

/// The driver broke the contract; the cache is exactly as it was before the call. A late
/// answer is not one of these: it is [`Handled::Late`](crate::Handled::Late).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessTokenError {
    /// The event does not fit the cache's phase (or answers the other source's effect: a
    /// `SharedLoaded` to a [`TokenSource::WeChat`](super::TokenSource::WeChat) cache, a
    /// `FetchAnswered` to a [`TokenSource::Shared`](super::TokenSource::Shared) one).
    #[error("unexpected {got} event while {state} (expected: {})", list(expected))]
    UnexpectedEvent {
        /// The cache's phase.
        state: AccessTokenPhase,
        /// The events that phase accepts.
        expected: &'static [TokenEventKind],
        /// The event that arrived.
        got: TokenEventKind,
    },
    /// The cache never gave out this id. (An id it gave out whose effect was answered, timed
    /// out or given up on is a late answer, not an error.)
    #[error("{id} was never given out")]
    UnknownId {
        /// The id that arrived.
        id: EffectId,
    },
    /// A waiter with this id is still waiting.
    #[error("{waiter} is already waiting")]
    DuplicateWaiter {
        /// The id that arrived.
        waiter: WaiterId,
    },
    /// `TokenRejected` carried an errcode that says nothing about the token.
    #[error("errcode {errcode} is not a token error (40001, 40014, 42001)")]
    NotATokenError {
        /// The errcode that arrived.
        errcode: i64,
    },
    /// `Imported` carried a state this cache cannot use.
    #[error("invalid access token state: {reason}")]
    InvalidState {
        /// What is wrong with it.
        reason: &'static str,
    },
}

fn list(kinds: &[TokenEventKind]) -> String {
    kinds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks an imported or loaded state: known version, a non-empty token that expires after it
/// was granted.
pub(crate) fn validate(state: &AccessTokenState) -> Result<(), AccessTokenError> {
    let invalid = |reason| Err(AccessTokenError::InvalidState { reason });
    if state.v != STATE_VERSION {
        return invalid("unsupported version");
    }
    if let Some(token) = &state.token {
        if token.access_token.expose_secret().is_empty() {
            return invalid("empty token");
        }
        if token.expires_at <= token.fetched_at {
            return invalid("token expires before it was granted");
        }
    }
    Ok(())
}
