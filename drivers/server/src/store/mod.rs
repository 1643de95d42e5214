//! Where sessions live: the [`SessionStore`] trait, the in-process [`MemoryStore`] (the
//! default) and, with feature `redis`, [`RedisStore`](crate::RedisStore) for several replicas.
//!
//! A store keeps expiry itself (the record's `expires_at`); callers still check
//! [`SessionRecord::is_expired`] on what they get, so a store that sweeps lazily is correct.
//! A store that cannot answer says [`StoreError::Unavailable`]: the routes turn that into
//! `503 upstream_unavailable` with `retry_after`, **never 401**, because a 401 sends every
//! client back to `wx.login` at once.

mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;
#[cfg(feature = "redis")]
pub(crate) mod seal;

use std::future::Future;
use std::pin::Pin;

use wxlogin::secret::SessionToken;
use wxlogin::server::session::SessionRecord;

pub use memory::MemoryStore;

/// The future a [`SessionStore`] method returns (boxed, so the trait is object safe and a
/// service holds `Arc<dyn SessionStore>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Sessions by token.
pub trait SessionStore: Send + Sync + 'static {
    /// Stores `session` under `token` (a fresh random token, never already present) until
    /// `session.expires_at`.
    fn insert<'a>(
        &'a self,
        token: &'a SessionToken,
        session: &'a SessionRecord,
    ) -> StoreFuture<'a, ()>;

    /// The session stored under `token`, or `None` when there is none (unknown or expired).
    fn get<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, Option<SessionRecord>>;

    /// Forgets the session under `token` (nothing happens if there is none).
    fn remove<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, ()>;
}

/// Why a store could not do what was asked. Messages never carry a token or a session key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or did not answer in time: retry later.
    #[error("session store unavailable: {0}")]
    Unavailable(String),
    /// The store is at its configured bound and holds no expired session to drop.
    #[error("session store full ({0} sessions)")]
    Full(usize),
    /// A stored record could not be read (wrong format, or a key id or key this process does
    /// not hold).
    #[error("stored session unreadable: {0}")]
    Unreadable(String),
}

impl StoreError {
    /// Whether retrying later may succeed: the `503 upstream_unavailable` cases.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Full(_))
    }
}
