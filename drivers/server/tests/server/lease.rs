//! The access token on many replicas: one refresher elected by a Redis lease with a fencing
//! token, the others loading the shared token; failover within the lease time.

use std::time::Duration;

use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::AccessTokenConfig;
use wxlogin_server::{AccessTokens, TokenLease};

use crate::support::redis::{RedisServer, keys};
use crate::support::wechat::FakeWeChat;
use crate::support::{self, APPID};

fn lease(redis: &RedisServer, replica: &str, time: Duration) -> TokenLease {
    TokenLease::new(redis.connect(), keys(), replica, time)
}

#[tokio::test]
async fn the_lease_fences_a_stale_holder_out() {
    let redis = RedisServer::start().await;
    let a = lease(&redis, "a", Duration::from_secs(30));
    let b = lease(&redis, "b", Duration::from_secs(30));
    let fence_a = a
        .acquire()
        .await
        .expect("redis")
        .expect("a takes the free lease");
    assert_eq!(
        b.acquire().await.expect("redis"),
        None,
        "b waits while a holds it"
    );
    assert_eq!(a.acquire().await.expect("redis"), Some(fence_a), "a renews");
    assert!(a.publish(fence_a, b"{\"v\":1}").await.expect("redis"));

    // a's lease ends (as when a pauses past it): b takes it with a larger fence.
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    let () = redis::cmd("DEL")
        .arg("wxlogin:token:lease")
        .query_async(&mut conn)
        .await
        .expect("del");
    let fence_b = b.acquire().await.expect("redis").expect("b takes it");
    assert!(fence_b > fence_a);
    assert!(
        !a.publish(fence_a, b"{\"stale\":1}").await.expect("redis"),
        "a is fenced out"
    );
    assert!(b.publish(fence_b, b"{\"v\":2}").await.expect("redis"));
    assert_eq!(
        a.load().await.expect("redis").as_deref(),
        Some(&b"{\"v\":2}"[..])
    );
}

#[tokio::test]
async fn one_replica_refreshes_the_others_share_and_a_dead_refresher_is_replaced() {
    let redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let mut config = AccessTokenConfig::new(APPID, AppSecret::new(support::APP_SECRET), 3);
    config.base_url = wechat.base_url().to_owned();
    // Long enough that a loaded CI machine does not let the lease lapse between renewals.
    let time = Duration::from_millis(1500);
    let a = AccessTokens::start(config.clone(), lease(&redis, "a", time)).expect("a");
    support::eventually("a holds the lease", || async { a.is_refresher().await }).await;
    let b = AccessTokens::start(config.clone(), lease(&redis, "b", time)).expect("b");
    let c = AccessTokens::start(config, lease(&redis, "c", time)).expect("c");

    let token = a.token().await.expect("a fetches").access_token;
    assert_eq!(token.expose_secret(), "ACCESS-1");
    // The refresher publishes in the background; readers load once it is there.
    let observer = lease(&redis, "observer", time);
    support::eventually("the refresher published", || async {
        observer.load().await.is_ok_and(|s| s.is_some())
    })
    .await;
    for reader in [&b, &c] {
        assert!(!reader.is_refresher().await);
        assert_eq!(
            reader
                .token()
                .await
                .expect("shared")
                .access_token
                .expose_secret(),
            "ACCESS-1"
        );
    }
    assert_eq!(wechat.token_fetches(), 1, "only the refresher calls WeChat");

    drop(a); // the refresher dies without releasing its lease
    support::eventually("another replica took the lease", || async {
        b.is_refresher().await || c.is_refresher().await
    })
    .await;
    let (b_leads, c_leads) = (b.is_refresher().await, c.is_refresher().await);
    assert!(b_leads != c_leads, "exactly one refresher");
    // The new refresher keeps the shared token: no fetch just for taking over.
    assert_eq!(
        b.token().await.expect("b").access_token.expose_secret(),
        "ACCESS-1"
    );
    assert_eq!(wechat.token_fetches(), 1);
}
