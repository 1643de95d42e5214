//! The store contract, run against every store; then what is particular to each.

use time::{Duration, OffsetDateTime};
use wxlogin::secret::{SessionKey, SessionToken};
use wxlogin::server::session::SessionRecord;
use wxlogin_server::{MemoryStore, SessionStore, StoreError};

use crate::support::SESSION_KEY;

pub(crate) fn session(openid: &str, life: Duration) -> SessionRecord {
    let now = OffsetDateTime::now_utc();
    SessionRecord {
        openid: openid.into(),
        unionid: Some(format!("u-{openid}")),
        session_key: SessionKey::new(SESSION_KEY),
        created_at: now,
        expires_at: now + life,
    }
}

/// What every store must do.
pub(crate) async fn contract(store: &dyn SessionStore) {
    let alice = SessionToken::new("token-alice-0123456789");
    let bob = SessionToken::new("token-bob-0123456789");
    let stored = session("o-alice", Duration::hours(2));
    store.insert(&alice, &stored).await.expect("insert");
    let got = store
        .get(&alice)
        .await
        .expect("get")
        .expect("alice's session");
    assert_eq!(got.openid, "o-alice");
    assert_eq!(got.unionid.as_deref(), Some("u-o-alice"));
    assert_eq!(got.session_key.expose_secret(), SESSION_KEY);
    // Stored to the millisecond at least.
    assert!((got.expires_at - stored.expires_at).abs() < Duration::milliseconds(1));
    assert_eq!(store.get(&bob).await.expect("get"), None, "unknown token");

    // An ended session is never handed out.
    store
        .insert(&bob, &session("o-bob", Duration::seconds(-1)))
        .await
        .expect("insert");
    assert_eq!(store.get(&bob).await.expect("get"), None, "ended session");

    store.remove(&alice).await.expect("remove");
    assert_eq!(store.get(&alice).await.expect("get"), None, "removed");
    store.remove(&alice).await.expect("removing twice is fine");
}

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    contract(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_store_is_bounded_and_sweeps_ended_sessions() {
    let store = MemoryStore::with_capacity(2);
    let t = |n: u32| SessionToken::new(format!("token-{n}-0123456789"));
    store
        .insert(&t(1), &session("o-1", Duration::hours(1)))
        .await
        .expect("1");
    store
        .insert(&t(2), &session("o-2", Duration::seconds(-5)))
        .await
        .expect("2");
    // The ended one is swept to make room.
    store
        .insert(&t(3), &session("o-3", Duration::hours(1)))
        .await
        .expect("3");
    assert_eq!(store.len(), 2);
    let refused = store
        .insert(&t(4), &session("o-4", Duration::hours(1)))
        .await;
    assert_eq!(refused, Err(StoreError::Full(2)));
    assert!(refused.is_err_and(|e| e.is_transient()));
    assert!(
        store.get(&t(1)).await.expect("get").is_some(),
        "live sessions are kept"
    );
}

#[cfg(feature = "redis")]
mod redis_store {
    use wxlogin_server::{RedisStore, SealKeys};

    use super::*;
    use crate::support::redis::{RedisServer, dump, keys};

    #[tokio::test]
    async fn redis_store_keeps_the_contract() {
        let redis = RedisServer::start().await;
        contract(&RedisStore::new(redis.connect(), keys())).await;
    }

    #[tokio::test]
    async fn keys_are_hashes_and_session_keys_are_sealed_at_rest_with_a_ttl() {
        let redis = RedisServer::start().await;
        let store = RedisStore::new(redis.connect(), keys());
        let token = SessionToken::new("TOKENMARKER-at-rest-42");
        store
            .insert(&token, &session("o-rest", Duration::hours(2)))
            .await
            .expect("insert");
        let all = dump(&redis).await;
        assert_eq!(all.len(), 1);
        let (key, value) = &all[0];
        assert!(key.starts_with("wxlogin:session:") && key.len() == "wxlogin:session:".len() + 64);
        assert!(!key.contains("TOKENMARKER") && !value.contains("TOKENMARKER"));
        assert!(
            !value.contains(SESSION_KEY),
            "the session key is sealed: {value}"
        );
        assert!(value.contains(r#""session_key":"k1."#), "{value}");
        let client = redis::Client::open(redis.url()).expect("url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("conn");
        let ttl: i64 = redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("pttl");
        assert!(
            ttl > 7_000_000 && ttl <= 7_200_000,
            "TTL is the session's life: {ttl}"
        );
    }

    #[tokio::test]
    async fn a_rotated_key_still_opens_old_records_and_a_dropped_one_does_not() {
        let redis = RedisServer::start().await;
        let token = SessionToken::new("token-rotation-0123456789");
        let old = RedisStore::new(redis.connect(), keys());
        old.insert(&token, &session("o-rot", Duration::hours(1)))
            .await
            .expect("insert");

        let rotated = SealKeys::new("k2", [9; 32])
            .and_then(|k| k.with_previous("k1", [7; 32]))
            .expect("keys");
        let store = RedisStore::new(redis.connect(), rotated);
        let got = store.get(&token).await.expect("get").expect("found");
        assert_eq!(got.session_key.expose_secret(), SESSION_KEY);

        let dropped = RedisStore::new(redis.connect(), SealKeys::new("k2", [9; 32]).expect("key"));
        assert!(matches!(
            dropped.get(&token).await,
            Err(StoreError::Unreadable(_))
        ));
    }
}
