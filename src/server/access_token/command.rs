//! The outputs of an [`AccessTokenCache`](super::AccessTokenCache): [`Command`].

use time::Duration;

use crate::http::HttpRequest;
use crate::{EffectId, WaiterId};

use super::error::TokenFailure;
use super::state::{AccessTokenState, CachedToken};

/// An output of the [`AccessTokenCache`](super::AccessTokenCache). Each effect names the event
/// that answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Command {
    /// Send `request` to WeChat and answer with [`Event::FetchAnswered`](super::Event::FetchAnswered) carrying
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
    /// [`Event::SharedLoaded`](super::Event::SharedLoaded) carrying `id` (only with
    /// [`TokenSource::Shared`](super::TokenSource::Shared)).
    LoadShared {
        /// Echo it in the answer.
        id: EffectId,
        /// How long the cache waits for the answer.
        timeout: Duration,
    },
    /// Answer `waiters`: the token (with its expiry and the generation to report in
    /// [`Event::TokenRejected`](super::Event::TokenRejected)), or why none came. No event answers it.
    Complete {
        /// The callers, in arrival order.
        waiters: Vec<WaiterId>,
        /// The token granted, or why none came.
        outcome: Result<CachedToken, TokenFailure>,
    },
    /// The shareable state changed (a fetched token, a forced refresh sent): write `state` to
    /// the shared store if other processes read it. No event answers it.
    Publish {
        /// The state to store.
        state: AccessTokenState,
    },
}
