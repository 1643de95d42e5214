//! Redis down and back: `503 upstream_unavailable` with `retry_after` (never `401`), then
//! recovery without a restart of the service.

use wxlogin_server::{LoginService, RedisStore};

use crate::support::redis::{RedisServer, keys};
use crate::support::wechat::FakeWeChat;
use crate::support::{self, app, eventually, fresh_code, get, login, serve, token_of};

#[tokio::test]
async fn a_store_outage_is_503_never_401_and_the_service_recovers() {
    outage_and_recovery(false).await;
}

/// The same with a `SessionCache`: a Redis that went away serves no session from the cache.
#[tokio::test]
async fn a_cached_store_outage_is_503_too() {
    outage_and_recovery(true).await;
}

async fn outage_and_recovery(cached: bool) {
    let mut redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let conn = if cached {
        redis.connect_cached()
    } else {
        redis.connect()
    };
    let store = RedisStore::new(conn, keys());
    let service = LoginService::builder(support::config(wechat.base_url()))
        .store(store)
        .start()
        .expect("start");
    let server = serve(app(service)).await;
    let base = &server.base_url;
    let (status, body) = login(base, &fresh_code()).await;
    assert_eq!(status, 200, "{body}");
    let auth = format!("Bearer {}", token_of(&body));
    assert_eq!(get(base, "/me", &[("authorization", &auth)]).await.0, 200);

    redis.stop();
    if cached {
        // The cache is dropped once the connection's reader sees it closed; until then a
        // cached session may still be served, but nothing is ever answered 401.
        let auth = &auth;
        eventually("the cache sees the outage", move || async move {
            let (status, body) = get(base, "/me", &[("authorization", auth)]).await;
            assert!(matches!(status, 200 | 503), "{status}: {body}");
            status == 503
        })
        .await;
    }
    for path in ["/me", "/session"] {
        let (status, body) = get(base, path, &[("authorization", &auth)]).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert_eq!(body["error"], "upstream_unavailable");
        assert!(body["retry_after"].as_u64().is_some_and(|s| s > 0));
    }
    let (status, body) = login(base, &fresh_code()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("upstream_unavailable")),
        "{body}"
    );
    assert!(body["retry_after"].as_u64().is_some());

    // Back (empty: the old session is gone, as after a Redis flush): logins work again.
    redis.restart().await;
    let recovered = std::sync::Arc::new(tokio::sync::Mutex::new(None));
    eventually("logins succeed again", || {
        let recovered = recovered.clone();
        async move {
            let (status, body) = login(base, &fresh_code()).await;
            if status == 200 {
                *recovered.lock().await = Some(token_of(&body));
            }
            status == 200
        }
    })
    .await;
    let token = recovered.lock().await.clone().expect("a token");
    let auth = format!("Bearer {token}");
    assert_eq!(get(base, "/me", &[("authorization", &auth)]).await.0, 200);
}
