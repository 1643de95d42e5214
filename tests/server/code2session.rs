//! code2Session: the request, every answer form of docs/protocol.md §3, and the error taxonomy.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::markers::{CODE, RID_SHAPED_SECRET, assert_quiet};
use crate::server_util;
use crate::wechat::app::APPID;

use server_util::*;
use time::Duration;
use wxlogin::http::{HttpResponse, Method, TransportFailure};
use wxlogin::secret::{AccessToken, AppSecret, LoginCode};
use wxlogin::server::code2session::{Code2SessionApi, WeChatSession};
use wxlogin::server::wechat_api::{
    self, ApiFailure, DEFAULT_BASE_URL, ErrorClass, Quota, WeChatFailure,
};
use wxlogin::wire::{ErrorKind, MAX_BODY_BYTES};

fn api() -> Code2SessionApi {
    Code2SessionApi::new(APPID, AppSecret::new(RID_SHAPED_SECRET))
}

fn parse(status: u16, body: &str) -> Result<WeChatSession, ApiFailure> {
    api().parse(&Ok(HttpResponse::json(status, body.as_bytes().to_vec())))
}

#[test]
fn request_url_is_percent_encoded_and_needs_no_access_token() {
    let c = Code2SessionApi::new("wx 1&2", AppSecret::new("s+e/c=r&t"));
    let request = c.request(&LoginCode::new("081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2"));
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url,
        "https://api.weixin.qq.com/sns/jscode2session?appid=wx%201%262&secret=s%2Be%2Fc%3Dr%26t\
         &js_code=081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2&grant_type=authorization_code"
    );
    assert!(request.body.is_empty());
    assert!(!request.url.contains("access_token"));
    assert_eq!(c.base_url, DEFAULT_BASE_URL);
}

#[test]
fn base_url_is_overridable() {
    let mut c = Code2SessionApi::new("wx1", AppSecret::new("s"));
    c.base_url = "http://127.0.0.1:9/proxy/".into();
    let url = c.request(&LoginCode::new("c")).url;
    assert!(
        url.starts_with("http://127.0.0.1:9/proxy/sns/jscode2session?appid=wx1&"),
        "{url}"
    );
}

#[test]
fn component_variant() {
    let mut c = Code2SessionApi::component("wxapp", "wxcomponent", AccessToken::new("CTOKEN-1"));
    assert_eq!(
        c.request(&LoginCode::new("abc")).url,
        "https://api.weixin.qq.com/sns/component/jscode2session?appid=wxapp&js_code=abc\
         &grant_type=authorization_code&component_appid=wxcomponent&component_access_token=CTOKEN-1"
    );
    c.set_component_access_token(AccessToken::new("CTOKEN-2"));
    let request = c.request(&LoginCode::new("abc"));
    assert!(request.url.ends_with("component_access_token=CTOKEN-2"));
    assert!(!request.url.contains("secret="));
    let debug = format!("{request:?} {c:?}");
    assert!(
        !debug.contains("CTOKEN") && !debug.contains("abc&"),
        "{debug}"
    );
}

#[test]
fn request_debug_hides_secret_and_code() {
    let c = code2session();
    let request = c.request(&LoginCode::new(CODE));
    let debug = format!("{request:?} {c:?}");
    assert_quiet("a code2Session request", &debug);
    assert!(debug.contains(APPID));
}

#[test]
fn success_without_errcode_with_errcode_zero_with_and_without_unionid() {
    let plain = parse(200, r#"{"openid":"o1","session_key":"k1"}"#).unwrap();
    assert_eq!(plain.openid, "o1");
    assert_eq!(plain.session_key.expose_secret(), "k1");
    assert_eq!(plain.unionid, None);

    let zero = parse(
        200,
        r#"{"errcode":0,"errmsg":"ok","openid":"o2","session_key":"k2","unionid":"u2"}"#,
    )
    .unwrap();
    assert_eq!(zero.openid, "o2");
    assert_eq!(zero.unionid.as_deref(), Some("u2"));

    // expires_in (removed in 2018) is neither required nor refused; unknown fields are fine.
    let extra = parse(
        200,
        r#"{"openid":"o3","session_key":"k3","expires_in":7200,"x":[1]}"#,
    )
    .unwrap();
    assert_eq!(extra.openid, "o3");
    let null_union = parse(200, r#"{"openid":"o4","session_key":"k4","unionid":null}"#).unwrap();
    assert_eq!(null_union.unionid, None);
}

#[test]
fn every_protocol_errcode_is_kept_and_classified() {
    let table: &[(i64, ErrorClass)] = &[
        (-1, ErrorClass::Retry),
        (40029, ErrorClass::NewCodeNeeded),
        (40163, ErrorClass::NewCodeNeeded),
        (45011, ErrorClass::RateLimited(Quota::Minute)),
        (45009, ErrorClass::RateLimited(Quota::Day)),
        (40226, ErrorClass::Blocked),
        (40013, ErrorClass::Configuration),
        (40125, ErrorClass::Configuration),
        (41002, ErrorClass::Configuration),
        (41004, ErrorClass::Configuration),
        (40164, ErrorClass::Configuration),
        (40243, ErrorClass::Configuration),
        (89503, ErrorClass::Configuration),
        (89506, ErrorClass::Configuration),
        (89507, ErrorClass::Configuration),
        (40001, ErrorClass::TokenInvalid),
        (40014, ErrorClass::TokenInvalid),
        (42001, ErrorClass::TokenInvalid),
        (99999, ErrorClass::Unknown),
        (-12345, ErrorClass::Unknown),
    ];
    for &(errcode, class) in table {
        // WeChat's rid: hex groups joined by dashes.
        let rid = format!("6502a6f1-{}", errcode.unsigned_abs());
        let body = format!(r#"{{"errcode":{errcode},"errmsg":"msg {errcode}, rid: {rid}"}}"#);
        let err = parse(200, &body).unwrap_err();
        let ApiFailure::WeChat(e) = &err else {
            panic!("{errcode}: {err:?}")
        };
        assert_eq!(e.errcode, errcode);
        assert_eq!(e.errmsg, format!("msg {errcode}, rid: {rid}"));
        assert_eq!(e.rid, Some(rid));
        assert_eq!(e.class(), class, "{errcode}");
        assert_eq!(err.is_transient(), errcode == -1, "{errcode}");
    }
}

#[test]
fn wire_answers_per_class() {
    let now = t0() + Duration::seconds(15);
    let cases: &[(i64, u16, ErrorKind, bool)] = &[
        (40029, 400, ErrorKind::InvalidCode, true),
        (40163, 400, ErrorKind::CodeUsed, true),
        (40226, 403, ErrorKind::UserBlocked, true),
        (45011, 429, ErrorKind::RateLimited, true),
        (45009, 429, ErrorKind::RateLimited, true),
        (-1, 503, ErrorKind::UpstreamUnavailable, true),
        (40125, 500, ErrorKind::Internal, false),
        (89503, 500, ErrorKind::Internal, false),
        (40001, 500, ErrorKind::Internal, false),
        (77777, 500, ErrorKind::Internal, false),
    ];
    for &(errcode, status, kind, relayed) in cases {
        let e = WeChatFailure::new(errcode, "invalid appsecret SECRET-IN-MSG, rid: abc-1");
        let body = e.wire_body(now);
        assert_eq!(body.error, kind, "{errcode}");
        assert_eq!(body.error.status(), status);
        assert_eq!(body.errcode.is_some(), relayed, "{errcode}");
        assert_eq!(body.rid.is_some(), relayed, "{errcode}");
        let json = String::from_utf8(body.to_response().body).unwrap();
        assert!(
            !json.contains("SECRET-IN-MSG") && !json.contains("appsecret"),
            "{json}"
        );
    }
    // 45011: until the next minute (t0 + 15 s -> 45 s); 45009: until Beijing midnight
    // (t0 is 08:00 in Beijing, so 16 h minus 15 s).
    assert_eq!(
        WeChatFailure::new(45011, "").wire_body(now).retry_after,
        Some(45)
    );
    assert_eq!(
        WeChatFailure::new(45009, "").wire_body(now).retry_after,
        Some(16 * 3600 - 15)
    );
}

#[test]
fn rid_in_both_forms() {
    let rid = |msg: &str| {
        let body = format!(r#"{{"errcode":40029,"errmsg":"{msg}"}}"#);
        match parse(200, &body).unwrap_err() {
            ApiFailure::WeChat(e) => e.rid,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        rid("invalid code, rid: 6502a6f1-1f2e3d4c-5b6a7988").as_deref(),
        Some("6502a6f1-1f2e3d4c-5b6a7988")
    );
    assert_eq!(
        rid("invalid code, hints: [ req_id: GaHFAJ6ce-vGCl3a ]").as_deref(),
        Some("GaHFAJ6ce-vGCl3a")
    );
    assert_eq!(rid("invalid code"), None);
    // `req_id` wins wherever it stands; the first `rid` that is not the end of a longer word.
    assert_eq!(
        rid("rid: 6502a6f1-1f2e3d4c, hints: [ req_id: GaHF-vGCl3a ]").as_deref(),
        Some("GaHF-vGCl3a")
    );
    assert_eq!(
        rid("grid: 1-2, rid: 6502a6f1-1f2e, rid: 7-8").as_deref(),
        Some("6502a6f1-1f2e")
    );
    assert_eq!(rid("x_req_id: GaHF-vGCl3a").as_deref(), None);
}

#[test]
fn malformed_answers_are_typed_and_do_not_echo() {
    let malformed = |status, body: &str| match parse(status, body) {
        Err(ApiFailure::Malformed { detail }) => {
            assert!(!detail.contains("K3Y"), "{detail}");
            detail
        }
        other => panic!("{body}: {other:?}"),
    };
    malformed(200, "<html>502 bad gateway</html>");
    malformed(200, "");
    malformed(200, "[1,2]");
    malformed(200, r#"{"openid":"o"}"#);
    malformed(200, r#"{"session_key":"K3Y"}"#);
    malformed(200, r#"{"openid":7,"session_key":"K3Y"}"#);
    malformed(200, r#"{"openid":"o","session_key":["K3Y"]}"#);
    malformed(200, r#"{"openid":"o","session_key":"K3Y","unionid":5}"#);
    malformed(200, r#"{"openid":"","session_key":"K3Y"}"#);
    malformed(200, r#"{"openid":"o","session_key":""}"#);
    malformed(200, r#"{"errcode":"40029","errmsg":"x"}"#);
    malformed(200, r#"{"errcode":40029,"errmsg":7}"#);
    malformed(200, r#"{"errcode":1.5,"errmsg":"x"}"#);
}

#[test]
fn huge_body_is_refused_before_parsing() {
    let mut body = br#"{"openid":"o","session_key":"k","pad":""#.to_vec();
    body.resize(MAX_BODY_BYTES + 1, b'a');
    let err = api().parse(&Ok(HttpResponse::json(200, body))).unwrap_err();
    assert_eq!(
        err,
        ApiFailure::TooLarge {
            len: MAX_BODY_BYTES + 1,
            max: MAX_BODY_BYTES
        }
    );
    assert!(!err.is_transient());
}

#[test]
fn non_200_status_and_transport_errors() {
    let err = parse(502, "bad gateway").unwrap_err();
    assert_eq!(
        err,
        ApiFailure::Status {
            status: 502,
            wechat: None
        }
    );
    assert!(err.is_transient());
    let err = parse(503, r#"{"errcode":-1,"errmsg":"system error, rid: q"}"#).unwrap_err();
    assert_eq!(err.wechat().map(|e| e.errcode), Some(-1));
    let err = parse(404, "not found").unwrap_err();
    assert!(!err.is_transient());
    let err = api().parse(&Err(TransportFailure::Timeout)).unwrap_err();
    assert_eq!(err, ApiFailure::Transport(TransportFailure::Timeout));
    assert!(err.is_transient());
}

#[test]
fn envelope_parser_is_reusable() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Token {
        access_token: String,
        expires_in: u64,
    }
    let answer = |body: &[u8]| Ok(HttpResponse::json(200, body.to_vec()));
    let ok: Token =
        wechat_api::parse(&answer(br#"{"access_token":"t","expires_in":7200}"#)).unwrap();
    assert_eq!(ok.expires_in, 7200);
    let err = wechat_api::parse::<Token>(&answer(
        br#"{"errcode":40001,"errmsg":"invalid credential"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        err.wechat().map(WeChatFailure::class),
        Some(ErrorClass::TokenInvalid)
    );
}

/// Found by mutation testing: the one-pass success parser must refuse exactly what the general
/// path refuses, so a success-shaped body is no session when the status or the size is wrong.
#[test]
fn a_success_shaped_body_is_no_session_with_a_bad_status_or_size() {
    let ok = r#"{"openid":"o1","session_key":"tiihtNczf5v6AKRyjwEUhQ=="}"#;
    assert!(parse(200, ok).is_ok());
    assert!(matches!(
        parse(500, ok),
        Err(ApiFailure::Status { status: 500, .. })
    ));
    let padded = |len: usize| format!("{ok}{}", " ".repeat(len - ok.len()));
    assert!(parse(200, &padded(MAX_BODY_BYTES)).is_ok());
    let over = parse(200, &padded(MAX_BODY_BYTES + 1));
    assert!(matches!(over, Err(ApiFailure::TooLarge { .. })));
}
