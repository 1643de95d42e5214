//! [`MemoryStore`]: sessions in this process's memory, bounded, expired entries swept.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;
use wxlogin::secret::SessionToken;
use wxlogin::server::session::SessionRecord;

use super::{SessionStore, StoreError, StoreFuture};
use crate::redact::digest;

/// The default store: a map in this process's memory, keyed by the SHA-256 of each token.
///
/// Bounded by `max_sessions` (default 100,000; about 300 bytes each). Expired sessions are
/// swept, soonest-expiring first, on every insert, so memory follows the sessions alive; a
/// store full of live sessions refuses a new one with [`StoreError::Full`] (a `503` for that
/// login) rather than dropping a live session, which would log its user out.
///
/// Only for one replica: a second process has its own map.
#[derive(Debug)]
pub struct MemoryStore {
    max_sessions: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<[u8; 32], SessionRecord>,
    /// Every stored session by expiry, soonest first.
    by_expiry: BTreeSet<(OffsetDateTime, [u8; 32])>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store holding at most 100,000 sessions.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty store holding at most `max_sessions` sessions.
    pub fn with_capacity(max_sessions: usize) -> Self {
        Self {
            max_sessions,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Sessions held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.locked().sessions.len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every session that has ended at `now`.
    pub fn sweep(&self, now: OffsetDateTime) {
        self.locked().sweep(now);
    }

    fn locked(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the maps consistent (each change is one
        // insert or remove on both), so the poisoned value is usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert_now(&self, token: &SessionToken, session: &SessionRecord) -> Result<(), StoreError> {
        let key = digest(token.expose_secret());
        let mut inner = self.locked();
        inner.sweep(OffsetDateTime::now_utc());
        if inner.sessions.len() >= self.max_sessions && !inner.sessions.contains_key(&key) {
            return Err(StoreError::Full(self.max_sessions));
        }
        if let Some(old) = inner.sessions.insert(key, session.clone()) {
            inner.by_expiry.remove(&(old.expires_at, key));
        }
        inner.by_expiry.insert((session.expires_at, key));
        Ok(())
    }

    fn get_now(&self, token: &SessionToken) -> Option<SessionRecord> {
        let key = digest(token.expose_secret());
        let inner = self.locked();
        let session = inner.sessions.get(&key)?;
        (!session.is_expired(OffsetDateTime::now_utc())).then(|| session.clone())
    }

    fn remove_now(&self, token: &SessionToken) {
        let key = digest(token.expose_secret());
        let mut inner = self.locked();
        if let Some(old) = inner.sessions.remove(&key) {
            inner.by_expiry.remove(&(old.expires_at, key));
        }
    }
}

impl Inner {
    fn sweep(&mut self, now: OffsetDateTime) {
        while let Some(&(at, key)) = self.by_expiry.first() {
            if at > now {
                break;
            }
            self.by_expiry.pop_first();
            self.sessions.remove(&key);
        }
    }
}

impl SessionStore for MemoryStore {
    fn insert<'a>(
        &'a self,
        token: &'a SessionToken,
        session: &'a SessionRecord,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.insert_now(token, session) })
    }

    fn get<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, Option<SessionRecord>> {
        Box::pin(async move { Ok(self.get_now(token)) })
    }

    fn remove<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.remove_now(token);
            Ok(())
        })
    }
}
