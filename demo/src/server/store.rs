//! Where the developer server keeps its sessions, behind a small trait so that a deployment
//! with more than one process can put them in a shared store (Redis, a database) instead.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use wxlogin::secret::SessionToken;
use wxlogin::server::session::SessionRecord;

/// The store refused a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Sessions by token. Methods are async so that a networked store fits the same trait.
pub trait SessionStore: Send + Sync + 'static {
    /// Stores `session` under `token` (a fresh random token: never already present).
    fn insert(
        &self,
        token: SessionToken,
        session: SessionRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session stored under `token`, expired or not (the caller checks its expiry).
    fn get(&self, token: &SessionToken) -> impl Future<Output = Option<SessionRecord>> + Send;

    /// Removes the session under `token`, returning it.
    fn remove(&self, token: &SessionToken) -> impl Future<Output = Option<SessionRecord>> + Send;
}

/// The embedded default: a map in this process's memory.
///
/// Expired sessions are dropped whenever the map has doubled since the last sweep, so memory
/// stays proportional to the sessions alive.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<SessionToken, SessionRecord>,
    sweep_at: usize,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many sessions are stored, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.locked().sessions.len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every session, as a restart of a server without a shared store would.
    pub fn clear(&self) {
        self.locked().sessions.clear();
    }

    /// Every stored session with its token: for tests that check who holds which session.
    pub fn snapshot(&self) -> Vec<(SessionToken, SessionRecord)> {
        self.locked()
            .sessions
            .iter()
            .map(|(t, s)| (t.clone(), s.clone()))
            .collect()
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, Inner> {
        // No method panics while changing the map.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SessionStore for MemoryStore {
    async fn insert(&self, token: SessionToken, session: SessionRecord) -> Result<(), StoreError> {
        let mut inner = self.locked();
        if inner.sessions.len() >= inner.sweep_at {
            // The newest session was created "now", so it dates the sweep without a clock.
            let now = session.created_at;
            inner.sessions.retain(|_, s| s.expires_at > now);
            inner.sweep_at = (inner.sessions.len() * 2).max(1024);
        }
        inner.sessions.insert(token, session);
        Ok(())
    }

    async fn get(&self, token: &SessionToken) -> Option<SessionRecord> {
        self.locked().sessions.get(token).cloned()
    }

    async fn remove(&self, token: &SessionToken) -> Option<SessionRecord> {
        self.locked().sessions.remove(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Duration, OffsetDateTime};
    use wxlogin::secret::SessionKey;

    fn session(created_at: OffsetDateTime, lifetime: Duration) -> SessionRecord {
        SessionRecord {
            openid: "o".into(),
            unionid: None,
            session_key: SessionKey::new("k"),
            created_at,
            expires_at: created_at + lifetime,
        }
    }

    #[tokio::test]
    async fn stores_and_sweeps_expired_sessions() {
        let store = MemoryStore::new();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        for i in 0..1024u32 {
            let token = SessionToken::new(format!("old{i}"));
            store
                .insert(token, session(t0, Duration::seconds(1)))
                .await
                .unwrap();
        }
        let fresh = SessionToken::new("fresh");
        let later = t0 + Duration::hours(1);
        store
            .insert(fresh.clone(), session(later, Duration::hours(2)))
            .await
            .unwrap();
        assert_eq!(store.len(), 1, "the expired ones were swept");
        assert!(store.get(&fresh).await.is_some());
        assert!(store.remove(&fresh).await.is_some());
        assert!(store.is_empty());
    }
}
