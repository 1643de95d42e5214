//! WeChat's error envelope, the same on every API (docs/protocol.md): a 200 answer with an
//! `errcode` and an `errmsg`.

use wxlogin::http::HttpResponse;

/// A 200 answer `{"errcode": errcode, "errmsg": errmsg}` (the message is written as is, not
/// escaped: tests plant secrets and ids in it).
pub(crate) fn answer(errcode: i64, errmsg: &str) -> HttpResponse {
    HttpResponse::json(
        200,
        format!(r#"{{"errcode":{errcode},"errmsg":"{errmsg}"}}"#).into_bytes(),
    )
}
