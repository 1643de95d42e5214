//! The one parse of a WeChat server API answer. Every API's `parse` goes through it, so every
//! world text an [`ApiFailure`] keeps (a transport message, an `errmsg` of any status) is
//! scrubbed on the way in: there is no unscrubbed path to forget.

use serde::de::DeserializeOwned;

use super::failure::{ApiFailure, WeChatFailure};
use super::scrub::Scrub;
use crate::http::{HttpResponse, HttpResult};
use crate::wire::{MAX_BODY_BYTES, json_error_summary};

type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Parses the answer of a WeChat server API: the driver's result in, the API's fields out.
///
/// In order: a transport error is kept, its message scrubbed; a body over
/// [`MAX_BODY_BYTES`] is refused before parsing; a status other than 200 is an error (with the
/// envelope when the body has one); the body must be a JSON object; an `errcode` that is
/// present and not 0 is a [`WeChatFailure`] (it must be an integer, `errmsg` a string); then the
/// object must deserialise as `T`. Every message kept is scrubbed of anything shaped like a
/// credential (`secret=…`, `access_token=…`, `"session_key":"…"`, …) and cut to
/// 512 bytes.
///
/// ```
/// use wxlogin::http::HttpResponse;
/// use wxlogin::server::wechat_api::{self, ApiFailure};
///
/// let answer = HttpResponse::json(200, br#"{"errcode":40013,"errmsg":"bad secret=S3"}"#.to_vec());
/// let Err(ApiFailure::WeChat(e)) = wechat_api::parse::<serde_json::Value>(&Ok(answer)) else {
///     unreachable!()
/// };
/// assert_eq!(e.errmsg, "bad secret=[redacted]");
/// ```
pub fn parse<T: DeserializeOwned>(result: &HttpResult) -> Result<T, ApiFailure> {
    parse_scrubbed(result, &[])
}

/// [`parse`], also removing `secrets` (the ones the request carried), raw and percent-encoded.
/// The scrub is built only when there is a text to clean.
pub(crate) fn parse_scrubbed<T: DeserializeOwned>(
    result: &HttpResult,
    secrets: &[&str],
) -> Result<T, ApiFailure> {
    let scrub = || Scrub::new(secrets.iter().copied());
    let response = match result {
        Ok(response) => response,
        Err(e) => return Err(ApiFailure::Transport(scrub().transport(e))),
    };
    admit(response)?;
    let parsed = serde_json::from_slice::<JsonObject>(&response.body);
    if response.status != 200 {
        let wechat = parsed
            .ok()
            .and_then(|map| envelope(&map, scrub).ok().flatten());
        return Err(ApiFailure::Status {
            status: response.status,
            wechat,
        });
    }
    let map = parsed.map_err(|e| ApiFailure::Malformed {
        detail: json_error_summary(&e),
    })?;
    if let Some(error) = envelope(&map, scrub)? {
        return Err(ApiFailure::WeChat(error));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| ApiFailure::Malformed {
        detail: json_error_summary(&e),
    })
}

/// The size cap, checked before any parsing.
pub(crate) fn admit(response: &HttpResponse) -> Result<(), ApiFailure> {
    let len = response.body.len();
    if len > MAX_BODY_BYTES {
        return Err(ApiFailure::TooLarge {
            len,
            max: MAX_BODY_BYTES,
        });
    }
    Ok(())
}

/// Reads the `errcode` / `errmsg` envelope: `Ok(None)` for success (absent or 0).
fn envelope(
    map: &JsonObject,
    scrub: impl FnOnce() -> Scrub,
) -> Result<Option<WeChatFailure>, ApiFailure> {
    let malformed = |detail: &str| ApiFailure::Malformed {
        detail: detail.to_owned(),
    };
    let errcode = match map.get("errcode") {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(value) => value
            .as_i64()
            .ok_or_else(|| malformed("errcode is not an integer"))?,
    };
    if errcode == 0 {
        return Ok(None);
    }
    let errmsg = match map.get("errmsg") {
        None | Some(serde_json::Value::Null) => "",
        Some(value) => value
            .as_str()
            .ok_or_else(|| malformed("errmsg is not a string"))?,
    };
    Ok(Some(scrub().failure(errcode, errmsg)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(status: u16, body: Vec<u8>) -> HttpResult {
        Ok(HttpResponse::json(status, body))
    }

    #[test]
    fn a_body_of_exactly_the_limit_is_parsed() {
        let mut bytes = br#"{"errcode":0,"x":1}"#.to_vec();
        bytes.resize(MAX_BODY_BYTES, b' ');
        assert!(parse::<serde_json::Value>(&body(200, bytes.clone())).is_ok());
        bytes.push(b' ');
        assert!(matches!(
            parse::<serde_json::Value>(&body(200, bytes)),
            Err(ApiFailure::TooLarge { .. })
        ));
    }

    #[test]
    fn known_secrets_are_removed_from_every_text() {
        let errmsg = br#"{"errcode":40013,"errmsg":"appid wx1 with S+3 is bad"}"#.to_vec();
        for status in [200, 400] {
            let error =
                parse_scrubbed::<serde_json::Value>(&body(status, errmsg.clone()), &["S+3"])
                    .unwrap_err();
            assert_eq!(
                error.wechat().map(|e| e.errmsg.as_str()),
                Some("appid wx1 with [redacted] is bad")
            );
        }
        let transport = Err(crate::http::TransportFailure::Other {
            message: "GET /x?a=S%2B3".into(),
        });
        let error = parse_scrubbed::<serde_json::Value>(&transport, &["S+3"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no response from wechat: transport failed: GET /x?a=[redacted]"
        );
    }
}
