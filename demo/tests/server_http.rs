//! The developer server's endpoints over HTTP, outside any client machine: malformed requests,
//! unknown tokens, and a session confirmed after a login.

use std::time::Duration;

use serde_json::{Value, json};
use wxlogin::http::{HttpRequest, HttpResponse};
use wxlogin::secret::SessionToken;
use wxlogin::wire::{TokenHeader, decode_login_response};
use wxlogin_demo::lab::stack::{Stack, StackOptions};

const LIMIT: Duration = Duration::from_secs(30);

async fn send(stack: &Stack, request: HttpRequest) -> HttpResponse {
    stack
        .http
        .send(&request, Duration::from_secs(5))
        .await
        .expect("the server answers")
}

fn body(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).expect("a JSON body")
}

fn session_check(stack: &Stack, token: Option<&SessionToken>) -> HttpRequest {
    let mut request = HttpRequest::get(format!("{}/session", stack.server.base_url()));
    if let Some(token) = token {
        request.headers.push(TokenHeader::default().encode(token));
    }
    request
}

#[tokio::test]
async fn malformed_requests_and_unknown_tokens_get_wire_errors() {
    tokio::time::timeout(LIMIT, async {
        let stack = Stack::start(StackOptions::default())
            .await
            .expect("the stack starts");
        let login = format!("{}/login", stack.server.base_url());
        let bad = send(
            &stack,
            HttpRequest::post_json(login.clone(), b"{\"code\":7}".to_vec()),
        )
        .await;
        assert_eq!(
            (bad.status, body(&bad)["error"].clone()),
            (400, json!("bad_request"))
        );

        let unknown = send(
            &stack,
            HttpRequest::post_json(login, br#"{"code":"nope"}"#.to_vec()),
        )
        .await;
        assert_eq!(unknown.status, 400);
        assert_eq!(body(&unknown)["error"], "invalid_code");
        assert_eq!(body(&unknown)["errcode"], 40029);

        // No token is an expiry (the client logs in), as for a token nobody knows.
        let missing = send(&stack, session_check(&stack, None)).await;
        assert_eq!(
            (missing.status, body(&missing)["error"].clone()),
            (401, json!("session_expired"))
        );
        let stranger = send(
            &stack,
            session_check(&stack, Some(&SessionToken::new("stranger"))),
        )
        .await;
        assert_eq!(
            (stranger.status, body(&stranger)["error"].clone()),
            (401, json!("session_expired"))
        );
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_granted_session_is_confirmed_until_it_is_gone() {
    tokio::time::timeout(LIMIT, async {
        let stack = Stack::start(StackOptions::default())
            .await
            .expect("the stack starts");
        let wx_login = format!("{}/_fake/wx/login", stack.wechat.base_url());
        let answer = send(
            &stack,
            HttpRequest::post_json(wx_login, br#"{"user":"dee"}"#.to_vec()),
        )
        .await;
        let code = body(&answer)["code"].as_str().expect("a code").to_owned();

        let login = format!("{}/login", stack.server.base_url());
        let request =
            HttpRequest::post_json(login, json!({ "code": code }).to_string().into_bytes());
        let grant = decode_login_response(&send(&stack, request.clone()).await).expect("a grant");
        assert!(
            (7190..=7200).contains(&grant.expires_in),
            "{}",
            grant.expires_in
        );
        assert_eq!(
            grant.token.expose_secret().len(),
            43,
            "32 random bytes, base64url"
        );

        // The same code again: the coordinator remembers it and WeChat never sees it twice.
        let replay = decode_login_response(&send(&stack, request).await).expect("a replay");
        assert_eq!(replay.token, grant.token);
        assert_eq!(stack.fake().counts().code2session_calls, 1);

        let confirmed = send(&stack, session_check(&stack, Some(&grant.token))).await;
        assert_eq!(confirmed.status, 200);
        assert!(
            body(&confirmed)["expires_in"]
                .as_u64()
                .is_some_and(|n| n > 7000)
        );
        let stored = stack.store().snapshot().await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].1.openid, "o-demo-dee");

        stack.store().clear().await;
        let gone = send(&stack, session_check(&stack, Some(&grant.token))).await;
        assert_eq!(gone.status, 401);
    })
    .await
    .expect("bounded");
}
