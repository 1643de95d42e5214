//! The fake WeChat over HTTP: real bodies and error codes for code2Session, stable_token and
//! checksession, its fault switches, and its per-code counting.

use std::time::Duration;

use serde_json::{Value, json};
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::secret::{AppSecret, LoginCode};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::wechat_api::ApiFailure;
use wxlogin_demo::drive::clock::Clock;
use wxlogin_demo::drive::http_client::HttpClient;
use wxlogin_demo::lab::trace::Trace;
use wxlogin_demo::lab::wechat::{
    Api, AppCredentials, FakeWeChat, Fault, RunningWeChat, session_key_signature,
};

const LIMIT: Duration = Duration::from_secs(30);
const APPID: &str = "wxtest";
const SECRET: &str = "test-secret";

async fn start() -> (RunningWeChat, HttpClient) {
    let app = AppCredentials {
        appid: APPID.into(),
        secret: SECRET.into(),
    };
    let wechat = FakeWeChat::start(app, Trace::new(Clock::start()))
        .await
        .expect("the fake starts");
    (wechat, HttpClient::new())
}

async fn send(http: &HttpClient, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
    http.send(&request, Duration::from_secs(5)).await
}

async fn json_of(http: &HttpClient, request: HttpRequest) -> Value {
    let response = send(http, request).await.expect("an answer");
    assert_eq!(response.status, 200, "WeChat answers errors with 200 too");
    serde_json::from_slice(&response.body).expect("a JSON body")
}

async fn code_for(wechat: &RunningWeChat, http: &HttpClient, user: &str) -> LoginCode {
    let url = format!("{}/_fake/wx/login", wechat.base_url());
    let body = json!({ "user": user }).to_string().into_bytes();
    let answer = json_of(http, HttpRequest::post_json(url, body)).await;
    LoginCode::new(answer["code"].as_str().expect("a code"))
}

fn code2session(wechat: &RunningWeChat, secret: &str) -> Code2SessionApi {
    let mut api = Code2SessionApi::new(APPID, AppSecret::new(secret));
    api.base_url = wechat.base_url().to_owned();
    api
}

async fn stable_token(wechat: &RunningWeChat, http: &HttpClient, force: bool) -> Value {
    let url = format!("{}/cgi-bin/stable_token", wechat.base_url());
    let body = json!({
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": force,
    });
    json_of(
        http,
        HttpRequest::post_json(url, body.to_string().into_bytes()),
    )
    .await
}

#[tokio::test]
async fn code2session_answers_once_per_code_and_keeps_rids() {
    tokio::time::timeout(LIMIT, async {
        let (wechat, http) = start().await;
        let code = code_for(&wechat, &http, "ann").await;
        let request = code2session(&wechat, SECRET).request(&code);

        let first = send(&http, request.clone()).await;
        let session = code2session(&wechat, SECRET)
            .parse(&first)
            .expect("a session");
        assert_eq!(session.openid, "o-demo-ann");
        assert_eq!(session.unionid.as_deref(), Some("u-demo-ann"));

        let again = code2session(&wechat, SECRET)
            .parse(&send(&http, request).await)
            .unwrap_err();
        let ApiFailure::WeChat(error) = again else {
            panic!("{again:?}")
        };
        assert_eq!(error.errcode, 40163);
        assert!(error.rid.is_some(), "the crate extracts the rid");

        let wrong = code2session(&wechat, "wrong").request(&code_for(&wechat, &http, "ann").await);
        let ApiFailure::WeChat(error) = code2session(&wechat, SECRET)
            .parse(&send(&http, wrong).await)
            .unwrap_err()
        else {
            panic!("expected a WeChat error")
        };
        assert_eq!(error.errcode, 40125);

        let counts = wechat.fake.counts();
        assert_eq!(counts.codes_issued, 2);
        assert_eq!(counts.code2session_calls, 3);
        assert_eq!(counts.max_calls_per_code, 2);
        assert_eq!(counts.calls_after_use, 1);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn faults_answer_real_codes_or_drop_the_connection() {
    tokio::time::timeout(LIMIT, async {
        let (wechat, http) = start().await;
        let faults = wechat.fake.faults();
        faults.queue(Api::Code2Session, Fault::SystemBusy);
        faults.queue(Api::Code2Session, Fault::MinuteQuota);
        faults.queue(Api::Code2Session, Fault::HighRiskUser);
        faults.queue(Api::Code2Session, Fault::DropConnection);
        let code = code_for(&wechat, &http, "bo").await;
        let request = code2session(&wechat, SECRET).request(&code);
        for expected in [-1, 45011, 40226] {
            let error = code2session(&wechat, SECRET)
                .parse(&send(&http, request.clone()).await)
                .unwrap_err();
            assert_eq!(
                error.wechat().map(|e| e.errcode),
                Some(expected),
                "{error:?}"
            );
        }
        let dropped = send(&http, request.clone()).await;
        assert!(
            matches!(dropped, Err(TransportFailure::Connection { .. })),
            "{dropped:?}"
        );
        // None of that used the code up.
        assert!(
            code2session(&wechat, SECRET)
                .parse(&send(&http, request).await)
                .is_ok()
        );
        assert_eq!(faults.injected(Api::Code2Session), 4);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn stable_token_and_checksession_follow_the_protocol() {
    tokio::time::timeout(LIMIT, async {
        let (wechat, http) = start().await;
        let first = stable_token(&wechat, &http, false).await;
        assert_eq!(first["expires_in"], 7200);
        let token = first["access_token"].as_str().expect("a token").to_owned();
        assert!(token.len() >= 150);
        assert_eq!(stable_token(&wechat, &http, false).await["access_token"], token.as_str());

        let code = code_for(&wechat, &http, "cy").await;
        let request = code2session(&wechat, SECRET).request(&code);
        let session = code2session(&wechat, SECRET).parse(&send(&http, request).await).expect("a session");
        let signature = session_key_signature(session.session_key.expose_secret());

        let check = |token: &str, signature: &str| {
            HttpRequest::get(format!(
                "{}/wxa/checksession?access_token={token}&openid=o-demo-cy&signature={signature}&sig_method=hmac_sha256",
                wechat.base_url()
            ))
        };
        let ok = json_of(&http, check(&token, &signature)).await;
        assert_eq!(ok, json!({"errcode": 0, "errmsg": "ok"}));
        let bad = json_of(&http, check(&token, "00ff")).await;
        assert_eq!(bad["errcode"], 87009);

        let forced = stable_token(&wechat, &http, true).await;
        assert_ne!(forced["access_token"], token.as_str());
        let stale = json_of(&http, check(&token, &signature)).await;
        assert_eq!(stale["errcode"], 40001, "a forced refresh invalidates the old token");
        // Within 30 s, a second forced refresh refreshes nothing.
        assert_eq!(stable_token(&wechat, &http, true).await["access_token"], forced["access_token"]);
        assert_eq!(wechat.fake.counts().check_session_calls, 3);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn slow_answers_arrive_late_but_complete() {
    tokio::time::timeout(LIMIT, async {
        let (wechat, http) = start().await;
        wechat
            .fake
            .faults()
            .queue(Api::StableToken, Fault::Slow(Duration::from_millis(300)));
        let url = format!("{}/cgi-bin/stable_token", wechat.base_url());
        let body = json!({"appid": APPID, "secret": SECRET})
            .to_string()
            .into_bytes();
        let request = HttpRequest::post_json(url, body);
        let short = http.send(&request, Duration::from_millis(50)).await;
        assert_eq!(short, Err(TransportFailure::Timeout));
        let answer = json_of(&http, request).await;
        assert!(answer["access_token"].is_string());
    })
    .await
    .expect("bounded");
}
