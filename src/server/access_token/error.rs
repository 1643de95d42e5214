//! What goes wrong: [`AccessTokenError`] when the driver broke the contract (the `Err` of
//! [`handle`](super::AccessTokenCache::handle), cache unchanged), [`TokenFailure`] when the
//! world gave no token (the `Err` of a [`Command::Complete`](super::Command::Complete)).

use crate::EffectId;
use crate::WaiterId;
use crate::server::wechat_api::ApiFailure;

use super::event::EventKind;
use super::guard::ForceRefused;
use super::state::StateKind;

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
    /// The event does not fit the cache's state (or answers the other source's effect: a
    /// `SharedLoaded` to a [`TokenSource::WeChat`](super::TokenSource::WeChat) cache, a
    /// `FetchAnswered` to a [`TokenSource::Shared`](super::TokenSource::Shared) one).
    #[error(
        "unexpected {got} event while {state} (expected: {})",
        crate::handled::list_kinds(expected)
    )]
    UnexpectedEvent {
        /// The cache's state.
        state: StateKind,
        /// The events that state accepts.
        expected: &'static [EventKind],
        /// The event that arrived.
        got: EventKind,
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

impl AccessTokenError {
    /// The refusal of `got` in `state`, naming what that state accepts.
    pub(crate) fn unexpected(state: StateKind, got: EventKind) -> Self {
        AccessTokenError::UnexpectedEvent {
            state,
            expected: state.expected(),
            got,
        }
    }
}
