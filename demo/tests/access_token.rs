//! Two access-token drivers over one shared store and the fake WeChat: a refresher
//! (`TokenSource::WeChat`, it publishes) and a reader (`TokenSource::Shared`, it loads). WeChat
//! sees one `stable_token` call per refresh, and both serve the same token after each.

use std::sync::Arc;

use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::{AccessTokenConfig, CachedToken, TokenSource};
use wxlogin_demo::clock::Clock;
use wxlogin_demo::drive::access_token::{AccessTokens, MemoryStore, TokenUnavailable};
use wxlogin_demo::http_client::HttpClient;
use wxlogin_demo::trace::Trace;
use wxlogin_demo::wechat::{AppCredentials, FakeWeChat, RunningWeChat};

const APPID: &str = "wxtokens";
const SECRET: &str = "token-test-secret";

fn config(wechat: &RunningWeChat, source: TokenSource, seed: u64) -> AccessTokenConfig {
    let mut config = AccessTokenConfig::new(APPID, AppSecret::new(SECRET), seed);
    config.base_url = wechat.base_url().to_owned();
    config.source = source;
    if source == TokenSource::Shared {
        // Readers look after the refresher has refreshed (the module docs' advice).
        config.refresh_margin = time::Duration::seconds(240);
    }
    config
}

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

#[tokio::test]
async fn a_refresher_and_a_reader_share_one_token_with_one_fetch_per_refresh() {
    let clock = Clock::start();
    let app = AppCredentials {
        appid: APPID.into(),
        secret: SECRET.into(),
    };
    let wechat = FakeWeChat::start(app, Trace::quiet(clock))
        .await
        .expect("the fake starts");
    let store = Arc::new(MemoryStore::default());
    let http = HttpClient::new();
    let refresher = AccessTokens::spawn(
        config(&wechat, TokenSource::WeChat, 1),
        Arc::clone(&store),
        http.clone(),
        clock,
    );
    let reader = AccessTokens::spawn(
        config(&wechat, TokenSource::Shared, 2),
        Arc::clone(&store),
        http,
        clock,
    );

    // Refresh 1: the refresher fetches and publishes; the reader loads what it published.
    let first = refresher.token().await.expect("a token");
    assert_eq!(calls(&wechat), 1);
    assert_eq!(
        id(&reader.token().await.expect("a shared token")),
        id(&first)
    );
    assert_eq!(id(&refresher.token().await.expect("cached")), id(&first));
    assert_eq!(calls(&wechat), 1, "served from the caches");

    // Refresh 2, forced: a new token that invalidates the first. The reader still holds the
    // first until a call of its own is rejected; then it loads the new one. The refresher,
    // told of the same rejection, has nothing to refresh.
    let second = refresher.force_refresh().await.expect("a forced token");
    assert_eq!(calls(&wechat), 2);
    assert_ne!(second.access_token, first.access_token);
    let retried = reader
        .rejected(first.clone(), 40001)
        .await
        .expect("reloaded");
    assert_eq!(id(&retried), id(&second));
    let retried = refresher.rejected(first, 40001).await.expect("current");
    assert_eq!(id(&retried), id(&second));
    assert_eq!(
        calls(&wechat),
        2,
        "a rejection of an old fetch refreshes nothing"
    );

    // Refresh 3, after a rejection of the current fetch: the stable endpoint re-issues the same
    // text as a new generation, and the reader follows to it.
    let third = refresher
        .rejected(second.clone(), 42001)
        .await
        .expect("refreshed");
    assert_eq!(calls(&wechat), 3);
    assert_eq!(third.generation, second.generation + 1);
    let followed = reader.rejected(second, 42001).await.expect("reloaded");
    assert_eq!(id(&followed), id(&third));
    assert_eq!(id(&reader.token().await.expect("shared")), id(&third));
    assert_eq!(id(&refresher.token().await.expect("cached")), id(&third));
    assert_eq!(calls(&wechat), 3, "one fetch per refresh");

    // A rejection that names no token error is the caller's mistake, reported as such.
    let refused = reader.rejected(third, 40029).await;
    assert!(
        matches!(refused, Err(TokenUnavailable::Refused(_))),
        "{refused:?}"
    );
}
