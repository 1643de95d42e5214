//! The `SessionCache`: session reads answered in process, and every change made anywhere seen
//! there, the same replica at once, the others once Redis's push arrives.

use time::Duration;
use wxlogin::secret::SessionToken;
use wxlogin_server::{RedisStore, SessionStore};

use crate::stores::{contract, session};
use crate::support::eventually;
use crate::support::redis::{RedisServer, keys};

#[tokio::test]
async fn a_cached_redis_store_keeps_the_contract() {
    let redis = RedisServer::start().await;
    let conn = redis.connect_cached();
    // The contract reads a session, removes it and reads again at once: the removal is seen
    // through the cache of the replica that made it.
    contract(&RedisStore::new(conn.clone(), keys())).await;
    let stats = conn.session_cache_statistics().expect("a cache");
    assert!(stats.miss > 0, "reads went through the cache: {stats:?}");
}

#[tokio::test]
async fn reads_are_answered_from_the_cache_and_a_removal_elsewhere_reaches_it() {
    let redis = RedisServer::start().await;
    let (a, b) = (redis.connect_cached(), redis.connect_cached());
    let replica_a = RedisStore::new(a, keys());
    let replica_b = RedisStore::new(b.clone(), keys());
    let token = SessionToken::new("token-cached-0123456789");
    replica_a
        .insert(&token, &session("o-cached", Duration::hours(1)))
        .await
        .expect("insert");
    for _ in 0..3 {
        let got = replica_b.get(&token).await.expect("get").expect("found");
        assert_eq!(got.openid, "o-cached");
    }
    let stats = b.session_cache_statistics().expect("a cache");
    assert_eq!((stats.miss, stats.hit), (1, 2), "{stats:?}");

    replica_a.remove(&token).await.expect("remove");
    let (store, token) = (&replica_b, &token);
    eventually("replica B sees the removal", move || async move {
        store.get(token).await.expect("get").is_none()
    })
    .await;
    let stats = b.session_cache_statistics().expect("a cache");
    assert!(stats.invalidate >= 1, "{stats:?}");
}

#[tokio::test]
async fn a_restarted_redis_leaves_nothing_in_the_cache() {
    let mut redis = RedisServer::start().await;
    let store = RedisStore::new(redis.connect_cached(), keys());
    let token = SessionToken::new("token-restart-0123456789");
    store
        .insert(&token, &session("o-restart", Duration::hours(1)))
        .await
        .expect("insert");
    for _ in 0..2 {
        assert!(store.get(&token).await.expect("get").is_some());
    }
    // Back empty (nothing saved): until the connection is back, reads fail as transient;
    // never is the session Redis no longer holds served from the cache.
    redis.restart().await;
    let (store, token) = (&store, &token);
    eventually("reads are answered again", move || async move {
        match store.get(token).await {
            Ok(found) => {
                assert!(found.is_none(), "served a session Redis no longer holds");
                true
            }
            Err(e) => {
                assert!(e.is_transient(), "{e}");
                false
            }
        }
    })
    .await;
}
