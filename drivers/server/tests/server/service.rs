//! `LoginService`: logins over loopback, duplicates joined, late answers ignored.

use wxlogin::backoff::Backoff;
use wxlogin_server::LoginService;

use crate::support::wechat::FakeWeChat;
use crate::support::{self, app, fresh_code, login, serve, token_of};

#[tokio::test]
async fn a_login_grants_a_token_and_the_session_check_accepts_it() {
    let wechat = FakeWeChat::start().await;
    let service = LoginService::start(support::config(wechat.base_url())).expect("start");
    let server = serve(app(service)).await;
    let code = fresh_code();
    let (status, body) = login(&server.base_url, &code).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["expires_in"]
            .as_u64()
            .is_some_and(|s| (7190..=7200).contains(&s))
    );
    let token = token_of(&body);
    let auth = format!("Bearer {token}");
    let (status, body) =
        support::get(&server.base_url, "/session", &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["expires_in"].as_u64().is_some_and(|s| s > 7000));
    assert_eq!(wechat.calls(&code), 1);
}

#[tokio::test]
async fn concurrent_duplicates_of_a_code_make_one_call_and_share_one_session() {
    let wechat = FakeWeChat::start().await;
    let service = LoginService::start(support::config(wechat.base_url())).expect("start");
    let server = serve(app(service)).await;
    let code = fresh_code();
    let gate = wechat.hold();
    let attempts: Vec<_> = (0..5)
        .map(|_| {
            tokio::spawn({
                let base = server.base_url.clone();
                let code = code.clone();
                async move { login(&base, &code).await }
            })
        })
        .collect();
    support::eventually("the call reached WeChat", || async {
        wechat.calls(&code) == 1
    })
    .await;
    drop(gate);
    wechat.release();
    let mut tokens = Vec::new();
    for attempt in attempts {
        let (status, body) = attempt.await.expect("join");
        assert_eq!(status, 200, "{body}");
        tokens.push(token_of(&body));
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every duplicate got the same session");
    // A retry after the answers (a lost response) is answered from memory, not with 40163.
    let (status, body) = login(&server.base_url, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(token_of(&body), tokens[0]);
    assert_eq!(wechat.calls(&code), 1);
}

#[tokio::test]
async fn wechat_refusals_and_bad_bodies_keep_the_wire_contract() {
    let wechat = FakeWeChat::start().await;
    let service = LoginService::start(support::config(wechat.base_url())).expect("start");
    let server = serve(app(service.clone())).await;
    let (status, body) = login(&server.base_url, &format!("bad-{}", fresh_code())).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_code"))
    );
    let (status, body) = login(&server.base_url, "not a code!").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
    let huge = vec![b'x'; service.config().body_limit + 1];
    let response = support::client()
        .post(format!("{}/login", server.base_url))
        .body(huge)
        .send()
        .await
        .expect("send");
    let (status, body) = support::read(response).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
}

#[tokio::test]
async fn a_late_wechat_answer_is_logged_and_ignored() {
    let logs = crate::support::logs::capture();
    let wechat = FakeWeChat::start().await;
    let mut config = support::config(wechat.base_url());
    config.coordinator.exchange.call_timeout = time::Duration::milliseconds(200);
    config.coordinator.exchange.backoff = Backoff {
        max_attempts: 1,
        ..Backoff::default()
    };
    config.call_grace = time::Duration::seconds(10);
    let service = LoginService::start(config).expect("start");
    let code = fresh_code();
    let _gate = wechat.hold();
    // The machine's deadline decides: the call is given up on, the client told to retry.
    let response = service
        .login(format!(r#"{{"code":"{code}"}}"#).into_bytes())
        .await;
    assert_eq!(response.status, 503);
    wechat.release();
    support::eventually("the late answer was logged", || async {
        logs.text().contains("late answer ignored")
    })
    .await;
    // The service goes on: the next login works.
    let response = service
        .login(format!(r#"{{"code":"{}"}}"#, fresh_code()).into_bytes())
        .await;
    assert_eq!(response.status, 200);
}

/// The memory store answers its write without waiting, so the service answers it in the login
/// task itself: a full store must still come back as `503` with `retry_after`, never `401`.
#[tokio::test]
async fn a_full_memory_store_answers_503_with_retry_after_and_keeps_the_first_session() {
    let wechat = FakeWeChat::start().await;
    let service = LoginService::builder(support::config(wechat.base_url()))
        .store(wxlogin_server::MemoryStore::with_capacity(1))
        .start()
        .expect("start");
    let server = serve(app(service)).await;
    let (status, first) = login(&server.base_url, &fresh_code()).await;
    assert_eq!(status, 200, "{first}");
    let (status, body) = login(&server.base_url, &fresh_code()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "upstream_unavailable");
    assert!(
        body["retry_after"].as_u64().is_some_and(|s| s > 0),
        "{body}"
    );
    let auth = format!("Bearer {}", token_of(&first));
    let (status, body) =
        support::get(&server.base_url, "/session", &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{body}");
}
