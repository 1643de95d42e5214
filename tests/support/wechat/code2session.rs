//! code2Session's success: the user's ids and the session key.

use wxlogin::http::HttpResponse;

/// A 200 answer with `openid`, `session_key` and, when given, `unionid`.
pub(crate) fn answer(openid: &str, session_key: &str, unionid: Option<&str>) -> HttpResponse {
    let unionid = unionid.map_or(String::new(), |u| format!(r#","unionid":"{u}""#));
    HttpResponse::json(
        200,
        format!(r#"{{"openid":"{openid}","session_key":"{session_key}"{unionid}}}"#).into_bytes(),
    )
}
