//! The JSON form a JavaScript driver speaks: every event and every command, written exactly as
//! documented and read back to the same value; what that form refuses.

use time::OffsetDateTime;
use wxlogin::client::{Command, Event, LoginConfig, LoginFailure, Session, Step, WxFailure};
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::{ErrorBody, ErrorKind};
use wxlogin::{EffectId, WaiterId};

fn session() -> Session {
    Session {
        token: SessionToken::new("tok"),
        expires_at: OffsetDateTime::from_unix_timestamp(1_700_007_200).unwrap(),
    }
}

/// `value` writes exactly `json` and reads back from it as itself.
fn round_trip<T>(value: T, json: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(serde_json::to_string(&value).unwrap(), json);
    assert_eq!(serde_json::from_str::<T>(json).unwrap(), value, "{json}");
}

/// The events that answer wx: checkSession and wx.login.
fn wx_events(id: EffectId) -> Vec<(Event, &'static str)> {
    vec![
        (
            Event::CheckSessionResult { id, result: Ok(()) },
            r#"{"type":"checkSessionResult","id":3,"result":{"ok":null}}"#,
        ),
        (
            Event::CheckSessionResult {
                id,
                result: Err(WxFailure::new("checkSession:fail")),
            },
            r#"{"type":"checkSessionResult","id":3,"result":{"error":{"errMsg":"checkSession:fail"}}}"#,
        ),
        (
            Event::CodeObtained {
                id,
                result: Ok(LoginCode::new("c0de")),
            },
            r#"{"type":"codeObtained","id":3,"result":{"ok":"c0de"}}"#,
        ),
        (
            Event::CodeObtained {
                id,
                result: Err(WxFailure {
                    err_msg: "login:fail timeout".into(),
                    errno: Some(5),
                }),
            },
            r#"{"type":"codeObtained","id":3,"result":{"error":{"errMsg":"login:fail timeout","errno":5}}}"#,
        ),
    ]
}

/// The driver's own events, and the answers of storage and the server.
fn other_events(id: EffectId) -> Vec<(Event, &'static str)> {
    let response = HttpResponse::json(200, br#"{"ok":1}"#.to_vec());
    vec![
        (
            Event::LoginRequested {
                waiter: WaiterId(1),
            },
            r#"{"type":"loginRequested","waiter":1}"#,
        ),
        (
            Event::StorageRead {
                id,
                value: Some(StorageValue::new("rec")),
            },
            r#"{"type":"storageRead","id":3,"value":"rec"}"#,
        ),
        (
            Event::StorageRead { id, value: None },
            r#"{"type":"storageRead","id":3,"value":null}"#,
        ),
        (
            Event::ServerResponse {
                id,
                result: Ok(response),
            },
            r#"{"type":"serverResponse","id":3,"result":{"ok":{"status":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":1}"}}}"#,
        ),
        (
            Event::ServerResponse {
                id,
                result: Err(TransportFailure::Timeout),
            },
            r#"{"type":"serverResponse","id":3,"result":{"error":{"kind":"timeout"}}}"#,
        ),
        (
            Event::ServerResponse {
                id,
                result: Err(TransportFailure::Connection {
                    message: "refused".into(),
                }),
            },
            r#"{"type":"serverResponse","id":3,"result":{"error":{"kind":"connection","message":"refused"}}}"#,
        ),
        (
            Event::SessionRejected {
                waiter: WaiterId(7),
                token: SessionToken::new("tok"),
            },
            r#"{"type":"sessionRejected","waiter":7,"token":"tok"}"#,
        ),
        (Event::Logout, r#"{"type":"logout"}"#),
    ]
}

#[test]
fn every_event_round_trips() {
    let id = EffectId(3);
    for (event, json) in wx_events(id).into_iter().chain(other_events(id)) {
        round_trip(event, json);
    }
}

#[test]
fn every_command_round_trips() {
    let mut request =
        HttpRequest::post_json("https://a.example/login", br#"{"code":"c"}"#.to_vec());
    request
        .headers
        .push(("Authorization".into(), "Bearer tok".into()));
    let cases = [
        (
            Command::ReadStorage {
                id: EffectId(0),
                key: "wxlogin.session".into(),
            },
            r#"{"type":"readStorage","id":0,"key":"wxlogin.session"}"#,
        ),
        (
            Command::CheckWxSession { id: EffectId(1) },
            r#"{"type":"checkWxSession","id":1}"#,
        ),
        (
            Command::WxLogin {
                id: EffectId(2),
                timeout_ms: 10_000,
            },
            r#"{"type":"wxLogin","id":2,"timeoutMs":10000}"#,
        ),
        (
            Command::SendRequest {
                id: EffectId(3),
                request,
                timeout_ms: 15_000,
            },
            r#"{"type":"sendRequest","id":3,"request":{"method":"POST","url":"https://a.example/login","headers":{"content-type":"application/json","Authorization":"Bearer tok"},"body":"{\"code\":\"c\"}"},"timeoutMs":15000}"#,
        ),
        (
            Command::WriteStorage {
                key: "k".into(),
                value: StorageValue::new("rec"),
            },
            r#"{"type":"writeStorage","key":"k","value":"rec"}"#,
        ),
        (
            Command::RemoveStorage { key: "k".into() },
            r#"{"type":"removeStorage","key":"k"}"#,
        ),
        (
            Command::Complete {
                waiters: vec![WaiterId(1), WaiterId(2)].into(),
                outcome: Ok(session()),
            },
            r#"{"type":"complete","waiters":[1,2],"outcome":{"ok":{"token":"tok","expiresAt":1700007200000}}}"#,
        ),
        (
            Command::Complete {
                waiters: WaiterId(3).into(),
                outcome: Err(LoginFailure::LoggedOut),
            },
            r#"{"type":"complete","waiters":[3],"outcome":{"error":{"kind":"loggedOut"}}}"#,
        ),
    ];
    for (command, json) in cases {
        round_trip(command, json);
    }
}

#[test]
fn every_failure_round_trips_in_camel_case() {
    let mut body = ErrorBody::new(ErrorKind::RateLimited, "slow down");
    body.retry_after = Some(3);
    body.errcode = Some(45011);
    let cases = [
        (
            LoginFailure::WxLogin {
                err_msg: "login:fail".into(),
                errno: Some(-1),
                attempts: 3,
            },
            r#"{"kind":"wxLogin","errMsg":"login:fail","errno":-1,"attempts":3}"#,
        ),
        (
            LoginFailure::Timeout {
                step: Step::CheckSession,
                attempts: 1,
            },
            r#"{"kind":"timeout","step":"checkSession","attempts":1}"#,
        ),
        (
            LoginFailure::Transport {
                step: Step::ServerLogin,
                error: TransportFailure::Other {
                    message: "x".into(),
                },
                attempts: 2,
            },
            r#"{"kind":"transport","step":"serverLogin","error":{"kind":"other","message":"x"},"attempts":2}"#,
        ),
        (
            LoginFailure::Server {
                step: Step::ServerCheck,
                status: 429,
                error: Some(body),
                attempts: 1,
            },
            r#"{"kind":"server","step":"serverCheck","status":429,"error":{"error":"rate_limited","message":"slow down","retryAfter":3,"errcode":45011},"attempts":1}"#,
        ),
        (
            LoginFailure::MalformedResponse {
                step: Step::ServerLogin,
                status: 200,
                detail: "d".into(),
            },
            r#"{"kind":"malformedResponse","step":"serverLogin","status":200,"detail":"d"}"#,
        ),
        (
            LoginFailure::RejectedAfterRelogin,
            r#"{"kind":"rejectedAfterRelogin"}"#,
        ),
        (LoginFailure::LoggedOut, r#"{"kind":"loggedOut"}"#),
    ];
    for (failure, json) in cases {
        let command = Command::Complete {
            waiters: WaiterId(1).into(),
            outcome: Err(failure),
        };
        round_trip(
            command,
            &format!(r#"{{"type":"complete","waiters":[1],"outcome":{{"error":{json}}}}}"#),
        );
    }
}

#[test]
fn ids_javascript_cannot_hold_exactly_are_refused() {
    let largest = r#"{"type":"loginRequested","waiter":9007199254740991}"#;
    assert!(serde_json::from_str::<Event>(largest).is_ok());
    let above = r#"{"type":"loginRequested","waiter":9007199254740992}"#;
    let error = serde_json::from_str::<Event>(above)
        .unwrap_err()
        .to_string();
    assert!(error.contains("2^53"), "{error}");
    let answer = r#"{"type":"storageRead","id":18446744073709551615,"value":null}"#;
    assert!(serde_json::from_str::<Event>(answer).is_err());
}

#[test]
fn the_rust_spellings_of_results_and_headers_are_refused() {
    for old in [
        r#"{"type":"checkSessionResult","id":1,"result":{"Ok":null}}"#,
        r#"{"type":"codeObtained","id":1,"result":{"Err":{"errMsg":"x"}}}"#,
        r#"{"type":"serverResponse","id":1,"result":{"ok":{"status":200,"headers":[["a","b"]],"body":""}}}"#,
    ] {
        assert!(serde_json::from_str::<Event>(old).is_err(), "{old}");
    }
}

#[test]
fn response_headers_as_wx_request_gives_them() {
    // Missing headers and body are fine; a repeated header may come as an array.
    let json = r#"{"type":"serverResponse","id":1,"result":{"ok":{"status":204}}}"#;
    let Event::ServerResponse {
        result: Ok(bare), ..
    } = serde_json::from_str(json).unwrap()
    else {
        panic!("a response");
    };
    assert!(bare.headers.is_empty() && bare.body.is_empty());
    let json = r#"{"type":"serverResponse","id":1,"result":{"ok":{"status":200,"headers":{"Set-Cookie":["a","b"],"X":"1"},"body":""}}}"#;
    let Event::ServerResponse {
        result: Ok(response),
        ..
    } = serde_json::from_str(json).unwrap()
    else {
        panic!("a response");
    };
    assert_eq!(response.header("x"), Some("1"));
    assert_eq!(response.headers.len(), 3);
}

#[test]
fn config_json_needs_only_the_base_url() {
    let config: LoginConfig = serde_json::from_str(r#"{"baseUrl":"https://a.example"}"#).unwrap();
    assert_eq!(config, LoginConfig::new("https://a.example"));
    assert!(serde_json::from_str::<LoginConfig>(r#"{"base_url":"https://a.example"}"#).is_err());
}
