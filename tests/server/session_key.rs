//! checkSessionKey / resetUserSessionKey: the signature exactly as WeChat defines it, both
//! request forms, and every answer form (success, 87007, 87008, 87009, 45011, token errors,
//! unknown codes, garbage, statuses, transport). Feature `crypto`.
#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used)]

use wxlogin::http::{HttpResponse, Method, TransportFailure};
use wxlogin::secret::{AccessToken, SessionKey};
use wxlogin::server::session_key::{
    CheckSessionKeyApi, ResetSessionKeyApi, SessionKeyFailure, signature,
};
use wxlogin::server::wechat_api::ApiFailure;

const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
/// HMAC-SHA256, key = the 24 bytes of KEY's text, message = "" (computed independently).
const KEY_SIG: &str = "7154f9f8b4b76b92f541cbf0e37d48840fa06e5e42da92a6f80168a1516a4735";

fn body(json: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(HttpResponse::json(200, json.as_bytes().to_vec()))
}

#[test]
fn the_signature_is_hmac_sha256_of_the_empty_message_keyed_by_the_key_text() {
    assert_eq!(signature(&SessionKey::new(KEY)), KEY_SIG);
    assert_eq!(
        signature(&SessionKey::new("HyVFkGl5F5OQWJZZaNzBBg==")),
        "252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"
    );
    // Not the peers' mistakes: signing the openid gives another value.
    assert_ne!(
        KEY_SIG,
        "bba0f065208343e8755dbae4eebcfde5e031f97311d6bdd88c55a34d80c63373"
    );
}

#[test]
fn requests_carry_token_openid_signature_and_method() {
    let mut check_api = CheckSessionKeyApi::new();
    check_api.base_url = "https://wechat.test/".into();
    let mut reset_api = ResetSessionKeyApi::new();
    reset_api.base_url = "https://wechat.test/".into();
    let token = AccessToken::new("TOK+EN");
    let key = SessionKey::new(KEY);
    let check = check_api.request(&token, "oGZUI0egBJY1zhBYw2KhdUfwVJJE", &key);
    assert_eq!(check.method, Method::Get);
    assert_eq!(
        check.url,
        format!(
            "https://wechat.test/wxa/checksession?access_token=TOK%2BEN&openid=oGZUI0egBJY1zhBYw2KhdUfwVJJE&signature={KEY_SIG}&sig_method=hmac_sha256"
        )
    );
    let reset = reset_api.request(&token, "o1", &key);
    assert_eq!(
        reset.url,
        format!(
            "https://wechat.test/wxa/resetusersessionkey?access_token=TOK%2BEN&openid=o1&signature={KEY_SIG}&sig_method=hmac_sha256"
        )
    );
    let default = CheckSessionKeyApi::default().request(&token, "o", &key);
    assert!(
        default
            .url
            .starts_with("https://api.weixin.qq.com/wxa/checksession?")
    );
    for request in [check, reset] {
        let debug = format!("{request:?}");
        assert!(
            !debug.contains(KEY_SIG) && !debug.contains("TOK"),
            "{debug}"
        );
    }
}

#[test]
fn check_answers() {
    assert_eq!(
        CheckSessionKeyApi::new().parse(&body(r#"{"errcode":0,"errmsg":"ok"}"#)),
        Ok(())
    );
    assert_eq!(CheckSessionKeyApi::new().parse(&body("{}")), Ok(()));
    let err = |json: &str| CheckSessionKeyApi::new().parse(&body(json)).unwrap_err();
    assert!(matches!(
        err(r#"{"errcode":87009,"errmsg":"invalid signature rid: 1-2"}"#),
        SessionKeyFailure::InvalidSignature(e) if e.rid.as_deref() == Some("1-2")
    ));
    assert!(matches!(
        err(r#"{"errcode":87007,"errmsg":"session_key is not existed or expired"}"#),
        SessionKeyFailure::SessionKeyExpired(e) if e.errcode == 87007
    ));
    assert!(matches!(
        err(r#"{"errcode":87008,"errmsg":"invalid sig_method"}"#),
        SessionKeyFailure::InvalidSigMethod(_)
    ));
    let quota = err(r#"{"errcode":45011,"errmsg":"api minute-quota reach limit"}"#);
    assert!(matches!(&quota, SessionKeyFailure::Api(ApiFailure::WeChat(e)) if e.errcode == 45011));
    assert_eq!(quota.rejected_token_errcode(), None);
    for code in [40001, 40014, 42001] {
        let e = err(&format!(r#"{{"errcode":{code},"errmsg":"token"}}"#));
        assert_eq!(e.rejected_token_errcode(), Some(code));
    }
    let unknown = err(r#"{"errcode":99999,"errmsg":"new"}"#);
    assert!(
        matches!(&unknown, SessionKeyFailure::Api(ApiFailure::WeChat(e)) if e.errcode == 99999)
    );
    assert!(matches!(
        err("not json"),
        SessionKeyFailure::Api(ApiFailure::Malformed { .. })
    ));
    let status = CheckSessionKeyApi::new().parse(&Ok(HttpResponse::json(502, b"<html>".to_vec())));
    assert!(matches!(
        status,
        Err(SessionKeyFailure::Api(ApiFailure::Status {
            status: 502,
            ..
        }))
    ));
    let transport = CheckSessionKeyApi::new()
        .parse(&Err(TransportFailure::Connection {
            message: format!(
                "GET https://x/wxa/checksession?access_token=SECRET&signature={KEY_SIG}"
            ),
        }))
        .unwrap_err();
    assert!(matches!(
        transport,
        SessionKeyFailure::Api(ApiFailure::Transport(_))
    ));
    let text = format!("{transport} {transport:?}");
    assert!(
        !text.contains("SECRET") && !text.contains(KEY_SIG),
        "{text}"
    );
}

#[test]
fn reset_answers() {
    let ok = ResetSessionKeyApi::new()
        .parse(&body(
            r#"{"errcode":0,"errmsg":"ok","openid":"o1","session_key":"NEWKEYMARKER=="}"#,
        ))
        .unwrap();
    assert_eq!(ok.openid, "o1");
    assert_eq!(ok.session_key.expose_secret(), "NEWKEYMARKER==");
    assert!(!format!("{ok:?}").contains("NEWKEYMARKER"));

    let err = |json: &str| ResetSessionKeyApi::new().parse(&body(json)).unwrap_err();
    assert!(matches!(
        err(r#"{"errcode":87009,"errmsg":"invalid signature"}"#),
        SessionKeyFailure::InvalidSignature(_)
    ));
    assert!(matches!(
        err(r#"{"errcode":0,"openid":"o1"}"#),
        SessionKeyFailure::Api(ApiFailure::Malformed { .. })
    ));
    assert!(matches!(
        err(r#"{"openid":"","session_key":"k"}"#),
        SessionKeyFailure::Api(ApiFailure::Malformed { .. })
    ));
    assert!(matches!(
        err(r#"{"openid":"o","session_key":""}"#),
        SessionKeyFailure::Api(ApiFailure::Malformed { .. })
    ));
    let garbage = err(r#"{"openid":"o","session_key":["KEYMARKER"]}"#);
    assert!(!garbage.to_string().contains("KEYMARKER"));
}
