//! getuserphonenumber's success: a phone number with its watermark.

use wxlogin::http::HttpResponse;

/// A 200 answer with a number whose `countryCode` is the JSON `country_code` (a number or a
/// string), watermarked for `appid`.
pub(crate) fn answer(country_code: &str, appid: &str) -> HttpResponse {
    HttpResponse::json(
        200,
        format!(
            r#"{{"errcode":0,"errmsg":"ok","phone_info":{{"phoneNumber":"+8613800138000","purePhoneNumber":"13800138000","countryCode":{country_code},"watermark":{{"timestamp":1700000000,"appid":"{appid}"}}}}}}"#
        )
        .into_bytes(),
    )
}
