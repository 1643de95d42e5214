//! `WxSession`: the statuses of the wire contract on a business route.

use wxlogin_server::LoginService;

use crate::support::wechat::FakeWeChat;
use crate::support::{self, app, fresh_code, get, login, serve, token_of};

#[tokio::test]
async fn the_extractor_answers_each_case_with_its_status() {
    let wechat = FakeWeChat::start().await;
    let service = LoginService::start(support::config(wechat.base_url())).expect("start");
    let server = serve(app(service.clone())).await;
    let base = &server.base_url;
    let (_, body) = login(base, &fresh_code()).await;
    let token = token_of(&body);
    let auth = format!("Bearer {token}");

    let (status, body) = get(base, "/me", &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["openid"].as_str().is_some_and(|o| o.starts_with("o-")));

    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Headers, u16, &str); 5] = [
        (&[], 401, "session_expired"),
        (
            &[("authorization", "Bearer unknown-token")],
            401,
            "session_expired",
        ),
        (&[("authorization", "Basic abc")], 400, "bad_request"),
        (&[("authorization", "Bearer")], 400, "bad_request"),
        (&[("authorization", "Bearer a b")], 400, "bad_request"),
    ];
    for (headers, want_status, want_kind) in cases {
        let (status, body) = get(base, "/me", headers).await;
        assert_eq!(status, want_status, "{headers:?}: {body}");
        assert_eq!(body["error"].as_str(), Some(want_kind), "{headers:?}");
    }

    // A logout ends the session: the same token is then refused.
    service
        .logout(&wxlogin::secret::SessionToken::new(token.clone()))
        .await
        .expect("logout");
    let (status, _) = get(base, "/me", &[("authorization", &auth)]).await;
    assert_eq!(status, 401);
}

#[test]
fn the_root_readme_shows_the_minimal_example_verbatim() {
    let readme = include_str!("../../../../README.md");
    let example = include_str!("../../examples/minimal.rs");
    let code: String = example
        .lines()
        .filter(|l| !l.starts_with("//!"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        readme.contains(&format!("```rs\n{code}```")),
        "README.md's server section must show examples/minimal.rs as it is"
    );
}
