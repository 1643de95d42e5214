//! The phone number API: the request form and every answer form (number or string country
//! code, watermark of another app, -1, 40029, 45011, 40013, token errors, unknown codes,
//! garbage, statuses, transport).
#![allow(clippy::unwrap_used)]

use crate::wechat::app::APPID;
use crate::wechat::{errcode, phone};
use wxlogin::http::{HttpResponse, Method, TransportFailure};
use wxlogin::secret::AccessToken;
use wxlogin::server::phone::{PhoneApi, PhoneFailure};
use wxlogin::server::wechat_api::ApiFailure;

fn api() -> PhoneApi {
    let mut api = PhoneApi::new(APPID);
    api.base_url = "https://wechat.test/".into();
    api
}

fn answer(country_code: &str, appid: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(phone::answer(country_code, appid))
}

fn error(code: i64) -> Result<HttpResponse, TransportFailure> {
    Ok(errcode::answer(code, "msg rid: 6502a6f1-1f2e"))
}

#[test]
fn the_request_posts_the_code_and_optional_openid() {
    let token = AccessToken::new("TOKENMARKER/+");
    let request = api().request(&token, "PHONECODE", Some("o1"));
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://wechat.test/wxa/business/getuserphonenumber?access_token=TOKENMARKER%2F%2B"
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.body,
        br#"{"code":"PHONECODE","openid":"o1"}"#.to_vec()
    );
    let without = api().request(&token, "PHONECODE", None);
    assert_eq!(without.body, br#"{"code":"PHONECODE"}"#.to_vec());
    let debug = format!("{request:?}");
    assert!(
        !debug.contains("TOKENMARKER") && !debug.contains("PHONECODE"),
        "{debug}"
    );
    assert!(
        PhoneApi::new(APPID)
            .request(&token, "c", None)
            .url
            .starts_with("https://api.weixin.qq.com/wxa/business/getuserphonenumber?")
    );
}

#[test]
fn country_code_arrives_as_number_or_string() {
    let a = api().parse(&answer("86", APPID)).unwrap();
    let b = api().parse(&answer("\"86\"", APPID)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.number.country_code, "86");
    assert_eq!(a.number.phone_number, "+8613800138000");
    assert_eq!(a.number.pure_phone_number, "13800138000");
    assert_eq!(a.watermark.timestamp, 1_700_000_000);
    assert_eq!(a.watermark.issued_at().unwrap().year(), 2023);
    assert!(matches!(
        api().parse(&answer("8.6", APPID)),
        Err(PhoneFailure::Api(ApiFailure::Malformed { .. }))
    ));
}

#[test]
fn a_watermark_of_another_app_is_refused() {
    assert_eq!(
        api().parse(&answer("86", "wxOTHER")),
        Err(PhoneFailure::AppIdMismatch {
            expected: APPID.into(),
            got: "wxOTHER".into()
        })
    );
}

#[test]
fn every_error_form_keeps_what_wechat_said() {
    for code in [-1, 40029, 45011, 40013, 99999] {
        let err = api().parse(&error(code)).unwrap_err();
        let PhoneFailure::Api(ApiFailure::WeChat(e)) = &err else {
            panic!("{code}: {err:?}")
        };
        assert_eq!(e.errcode, code);
        assert_eq!(e.rid.as_deref(), Some("6502a6f1-1f2e"));
        assert_eq!(err.rejected_token_errcode(), None);
        assert_eq!(
            matches!(&err, PhoneFailure::Api(a) if a.is_transient()),
            code == -1
        );
    }
    for code in [40001, 40014, 42001] {
        let err = api().parse(&error(code)).unwrap_err();
        assert_eq!(err.rejected_token_errcode(), Some(code));
    }
    let missing = api().parse(&Ok(HttpResponse::json(200, br#"{"errcode":0}"#.to_vec())));
    assert!(matches!(
        missing,
        Err(PhoneFailure::Api(ApiFailure::Malformed { .. }))
    ));
    let partial = api().parse(&Ok(HttpResponse::json(
        200,
        br#"{"phone_info":{"phoneNumber":"1","countryCode":86,"watermark":{"timestamp":1,"appid":"wxAPPID0001"}}}"#.to_vec(),
    )));
    assert!(matches!(
        partial,
        Err(PhoneFailure::Api(ApiFailure::Malformed { .. }))
    ));
    let status = api().parse(&Ok(HttpResponse::json(500, b"oops".to_vec())));
    assert!(matches!(
        status,
        Err(PhoneFailure::Api(ApiFailure::Status { status: 500, .. }))
    ));
    let huge = api().parse(&Ok(HttpResponse::json(200, vec![b' '; 70_000])));
    assert!(matches!(
        huge,
        Err(PhoneFailure::Api(ApiFailure::TooLarge { .. }))
    ));
    let transport = api()
        .parse(&Err(TransportFailure::Connection {
            message:
                "POST https://x/wxa/business/getuserphonenumber?access_token=TOKENMARKER failed"
                    .into(),
        }))
        .unwrap_err();
    let text = format!("{transport} {transport:?}");
    assert!(!text.contains("TOKENMARKER"), "{text}");
}
