//! Every answer form of the token API (either endpoint): success with or without errcode 0,
//! -1, configuration, quota and unknown codes, empty token, zero lifetime, garbage, statuses,
//! oversize bodies and transport errors.
#![allow(clippy::unwrap_used)]

use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::AccessTokenConfig;
use wxlogin::server::wechat_api::{ApiFailure, ErrorClass, Quota};
use wxlogin::test_support::{GrantedToken, TokenApi};

fn parse(result: &Result<HttpResponse, TransportFailure>) -> Result<GrantedToken, ApiFailure> {
    TokenApi::new(&AccessTokenConfig::new("wx1", AppSecret::new("s"), 0)).parse(result)
}

fn body(status: u16, json: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(HttpResponse::json(status, json.as_bytes().to_vec()))
}

#[test]
fn success_with_or_without_errcode() {
    for json in [
        r#"{"access_token":"ACCESS","expires_in":7200}"#,
        r#"{"errcode":0,"errmsg":"ok","access_token":"ACCESS","expires_in":7200}"#,
        r#"{"access_token":"ACCESS","expires_in":300,"extra":true}"#,
    ] {
        let granted = parse(&body(200, json)).unwrap();
        assert_eq!(granted.access_token.expose_secret(), "ACCESS");
        assert!(granted.expires_in >= 300);
    }
    let long = "a".repeat(512);
    let granted = parse(&body(
        200,
        &format!(r#"{{"access_token":"{long}","expires_in":7200}}"#),
    ))
    .unwrap();
    assert_eq!(granted.access_token.expose_secret().len(), 512);
}

#[test]
fn error_codes_are_kept_and_classified() {
    let cases = [
        (-1, ErrorClass::Retry, true),
        (40013, ErrorClass::Configuration, false),
        (40125, ErrorClass::Configuration, false),
        (40164, ErrorClass::Configuration, false),
        (89503, ErrorClass::Configuration, false),
        (45009, ErrorClass::RateLimited(Quota::Day), false),
        (45011, ErrorClass::RateLimited(Quota::Minute), false),
        (99999, ErrorClass::Unknown, false),
    ];
    for (code, class, transient) in cases {
        let json = format!(r#"{{"errcode":{code},"errmsg":"msg rid: 65a1-b2"}}"#);
        let err = parse(&body(200, &json)).unwrap_err();
        let ApiFailure::WeChat(e) = &err else {
            panic!("{code}: {err:?}")
        };
        assert_eq!((e.errcode, e.class()), (code, class));
        assert_eq!(e.rid.as_deref(), Some("65a1-b2"));
        assert_eq!(err.is_transient(), transient, "{code}");
    }
}

#[test]
fn malformed_answers() {
    for json in [
        r#"{"access_token":"","expires_in":7200}"#,
        r#"{"access_token":"A","expires_in":0}"#,
        r#"{"access_token":"A","expires_in":-5}"#,
        r#"{"access_token":"A"}"#,
        r#"{"expires_in":7200}"#,
        r#"{"access_token":7,"expires_in":7200}"#,
        r#"{"errcode":"x"}"#,
        "[]",
        "not json",
        "",
    ] {
        let err = parse(&body(200, json)).unwrap_err();
        assert!(
            matches!(err, ApiFailure::Malformed { .. }),
            "{json}: {err:?}"
        );
        assert!(!err.is_transient());
    }
    let secret = parse(&body(
        200,
        r#"{"access_token":["TOKENMARKER"],"expires_in":1}"#,
    ))
    .unwrap_err();
    assert!(!secret.to_string().contains("TOKENMARKER"));
}

#[test]
fn statuses_sizes_and_transport() {
    let err = parse(&body(503, "unavailable")).unwrap_err();
    assert!(matches!(
        err,
        ApiFailure::Status {
            status: 503,
            wechat: None
        }
    ));
    assert!(err.is_transient());
    let err = parse(&body(403, r#"{"errcode":40164,"errmsg":"ip"}"#)).unwrap_err();
    assert!(
        matches!(&err, ApiFailure::Status { status: 403, wechat: Some(e) } if e.errcode == 40164)
    );
    assert!(!err.is_transient());
    let huge = Ok(HttpResponse::json(200, vec![b' '; 64 * 1024 + 1]));
    assert!(matches!(parse(&huge), Err(ApiFailure::TooLarge { .. })));
    let err = parse(&Err(TransportFailure::Timeout)).unwrap_err();
    assert_eq!(err, ApiFailure::Transport(TransportFailure::Timeout));
    assert!(err.is_transient());
}
