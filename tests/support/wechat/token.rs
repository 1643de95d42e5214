//! The token endpoints' success (`/cgi-bin/token` and `/cgi-bin/stable_token` answer alike).

use wxlogin::http::HttpResponse;

/// A 200 answer granting `token` for `expires_in` seconds.
pub(crate) fn answer(token: &str, expires_in: u64) -> HttpResponse {
    HttpResponse::json(
        200,
        format!(r#"{{"access_token":"{token}","expires_in":{expires_in}}}"#).into_bytes(),
    )
}
