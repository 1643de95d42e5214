//! Secrets never reach a log line: the app secret, the code, the session key and the token
//! are markers searched for in everything `tracing` captured, at every level.

use wxlogin_server::LoginService;

use crate::support::wechat::FakeWeChat;
use crate::support::{self, APP_SECRET, SESSION_KEY, app, get, login, serve, token_of};

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    let logs = support::logs::capture();
    let wechat = FakeWeChat::start().await;
    let service = LoginService::start(support::config(wechat.base_url())).expect("start");
    let server = serve(app(service)).await;
    let base = &server.base_url;
    let code = "CODEMARKER7f3a91";
    let (status, body) = login(base, code).await;
    assert_eq!(status, 200, "{body}");
    let token = token_of(&body);
    let auth = format!("Bearer {token}");
    assert_eq!(get(base, "/me", &[("authorization", &auth)]).await.0, 200);
    assert_eq!(
        get(base, "/session", &[("authorization", &auth)]).await.0,
        200
    );
    // A second use of the code is answered from memory; a refused code and a bad token too.
    assert_eq!(login(base, code).await.0, 200);
    assert_eq!(login(base, "badCODEMARKER2").await.0, 400);
    let wrong = "Bearer TOKENMARKER-unknown";
    assert_eq!(get(base, "/me", &[("authorization", wrong)]).await.0, 401);

    let text = logs.text();
    assert!(text.contains("login granted"), "the capture works: {text}");
    assert!(text.contains("tok:"), "tokens appear as fingerprints");
    for marker in [
        APP_SECRET,
        SESSION_KEY,
        code,
        "CODEMARKER2",
        &token,
        "TOKENMARKER",
    ] {
        assert!(
            !text.contains(marker),
            "{marker} leaked into the logs:\n{text}"
        );
    }
}
