//! weRequest 1.x options: off by default; when on, expiry as `200` on chosen routes and the
//! token read from a query or JSON body field.

use wxlogin_server::{LoginService, WeRequestCompat};

use crate::support::wechat::FakeWeChat;
use crate::support::{self, app, client, fresh_code, get, login, read, serve, token_of};

#[tokio::test]
async fn by_default_expiry_is_401_and_only_the_header_counts() {
    let wechat = FakeWeChat::start().await;
    let service = LoginService::start(support::config(wechat.base_url())).expect("start");
    let server = serve(app(service)).await;
    let (_, body) = login(&server.base_url, &fresh_code()).await;
    let token = token_of(&body);
    let (status, _) = get(&server.base_url, &format!("/me?session={token}"), &[]).await;
    assert_eq!(status, 401, "a token in the query is ignored by default");
}

#[tokio::test]
async fn werequest_1x_reads_the_field_and_answers_expiry_with_200() {
    let wechat = FakeWeChat::start().await;
    let mut config = support::config(wechat.base_url());
    config.werequest = WeRequestCompat::werequest_1x(["/me"]);
    let service = LoginService::start(config).expect("start");
    let server = serve(app(service)).await;
    let base = &server.base_url;
    let (_, body) = login(base, &fresh_code()).await;
    let token = token_of(&body);

    let (status, body) = get(base, &format!("/me?session={token}"), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["openid"].is_string());

    let response = client()
        .post(format!("{base}/me"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"session":"{token}","item":3}}"#))
        .send()
        .await
        .expect("post");
    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["openid"].is_string());

    // Expiry on a chosen route: 200 with the error body.
    let (status, body) = get(base, "/me?session=unknown-token", &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (200, Some("session_expired"))
    );
    let (status, body) = get(base, "/me", &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (200, Some("session_expired"))
    );
    // The session check is not a chosen route: still 401. A malformed field is still 400.
    let (status, _) = get(base, "/session?session=unknown-token", &[]).await;
    assert_eq!(status, 401);
    let (status, body) = get(base, "/me?session=a%20b", &[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
    // The header still wins when present.
    let auth = format!("Bearer {token}");
    let (status, _) = get(
        base,
        "/me?session=unknown-token",
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(status, 200);
}
