//! `wxlogin-server`'s `AccessTokens` on two replicas sharing one `redis-server` (a missing one
//! fails this test), against the lab's fake WeChat, whose `stable_token` invalidates the old
//! token on a forced refresh (40001) as WeChat does. The lease holder refreshes and publishes,
//! the other loads; WeChat sees one `stable_token` call per refresh; a rejection is answered
//! with the token to retry with, once.

use std::future::Future;
use std::time::Duration;

use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::{AccessTokenConfig, AccessTokenState, CachedToken};
use wxlogin_demo::drive::clock::Clock;
use wxlogin_demo::lab::trace::Trace;
use wxlogin_demo::lab::wechat::{AppCredentials, FakeWeChat, RunningWeChat};
use wxlogin_server::{AccessTokenUnavailable, AccessTokens, LocalRedis, SealKeys, TokenLease};

const APPID: &str = "wxtokens";
const SECRET: &str = "token-test-secret";
/// Long enough that a loaded machine does not let the lease lapse between renewals.
const LEASE: Duration = Duration::from_millis(1500);

/// The token's text and the fetch that granted it.
fn id(token: &CachedToken) -> (String, u64) {
    (
        token.access_token.expose_secret().to_owned(),
        token.generation,
    )
}

fn calls(wechat: &RunningWeChat) -> u64 {
    wechat.fake.counts().stable_token_calls
}

fn lease(redis: &LocalRedis, replica: &str) -> TokenLease {
    let keys = SealKeys::new("k1", [3; 32]).expect("keys");
    TokenLease::new(redis.connect().expect("url"), keys, replica, LEASE)
}

/// Waits (bounded: 10 s) until `check` holds; a wait, never an assertion on time.
async fn until<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never happened: {what}");
}

/// Waits until the refresher has published the fetch numbered `generation`.
async fn published(observer: &TokenLease, generation: u64) {
    until("the refresher published", || async {
        let state = observer.load().await.ok().flatten();
        let state = state.and_then(|b| serde_json::from_slice::<AccessTokenState>(&b).ok());
        state.and_then(|s| s.token).map(|t| t.generation) == Some(generation)
    })
    .await;
}

#[tokio::test]
async fn the_lease_holder_refreshes_the_other_loads_and_rejections_retry_once() {
    let redis = LocalRedis::start().await.unwrap_or_else(|e| panic!("{e}"));
    let app = AppCredentials {
        appid: APPID.into(),
        secret: SECRET.into(),
    };
    let wechat = FakeWeChat::start(app, Trace::quiet(Clock::start()))
        .await
        .expect("the fake starts");
    let mut config = AccessTokenConfig::new(APPID, AppSecret::new(SECRET), 1);
    config.base_url = wechat.base_url().to_owned();
    let refresher = AccessTokens::start(config.clone(), lease(&redis, "a")).expect("a");
    until("a holds the lease", || refresher.is_refresher()).await;
    let reader = AccessTokens::start(config, lease(&redis, "b")).expect("b");
    let observer = lease(&redis, "observer");

    // Refresh 1: the refresher fetches and publishes; the reader loads what it published.
    let first = refresher.token().await.expect("a token");
    assert_eq!(calls(&wechat), 1);
    published(&observer, first.generation).await;
    assert!(!reader.is_refresher().await);
    assert_eq!(id(&reader.token().await.expect("shared")), id(&first));
    assert_eq!(id(&refresher.token().await.expect("cached")), id(&first));
    assert_eq!(calls(&wechat), 1, "served from the caches");

    // Refresh 2, forced: a new token that invalidates the first. The reader holds the first
    // until a call of its own is rejected; then it loads the new one. The refresher, told of
    // the same rejection, has nothing to refresh.
    let second = refresher.force_refresh().await.expect("a forced token");
    assert_eq!(calls(&wechat), 2);
    assert_ne!(second.access_token, first.access_token);
    published(&observer, second.generation).await;
    let retried = reader.rejected(first.clone(), 40001).await.expect("reload");
    assert_eq!(id(&retried), id(&second));
    let retried = refresher.rejected(first, 40001).await.expect("current");
    assert_eq!(id(&retried), id(&second));
    assert_eq!(
        calls(&wechat),
        2,
        "a rejection of an old fetch refreshes nothing"
    );

    // A rejection that names no token error is the caller's mistake, reported as such.
    let refused = reader.rejected(second, 40029).await;
    assert!(
        matches!(refused, Err(AccessTokenUnavailable::Refused(_))),
        "{refused:?}"
    );
}
