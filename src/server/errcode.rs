//! WeChat's server API errors: the `{"errcode": N, "errmsg": "…"}` envelope every API shares,
//! the classification of each code of docs/protocol.md §3, and the answer the developer server gives
//! its own client for each.
//!
//! [`parse_api_response`] is the one parser of a WeChat server API answer: size cap first, then
//! status, then the envelope, then the API's own fields. Every later API (access token,
//! checkSessionKey, phone number) reuses it and [`WeChatFailure`].

use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::http::{HttpResponse, TransportFailure};
use crate::server::scrub::scrub_shapes;
use crate::wire::{ErrorBody, ErrorKind, MAX_BODY_BYTES, json_error_summary};

/// The longest `errmsg` kept, in bytes; longer ones are cut at a character boundary.
pub const MAX_ERRMSG_BYTES: usize = 512;

/// The longest request id kept, in bytes; a longer one is not WeChat's and is dropped.
pub const MAX_RID_BYTES: usize = 64;

/// Beijing time is UTC+8 all year; WeChat's daily quotas reset at its midnight.
const BEIJING_OFFSET_SECONDS: i64 = 8 * 3600;

/// An error WeChat reported: its code, its message and the request id support asks for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("wechat errcode {errcode}: {errmsg}")]
pub struct WeChatFailure {
    /// WeChat's `errcode` (never 0: 0 is success).
    pub errcode: i64,
    /// WeChat's `errmsg`, scrubbed, then cut to at most [`MAX_ERRMSG_BYTES`] bytes.
    pub errmsg: String,
    /// The request id found in the scrubbed `errmsg` (`rid: …` or `hints: [ req_id: … ]`),
    /// only when it has WeChat's shape (see [`extract_rid`]).
    pub rid: Option<String>,
}

impl WeChatFailure {
    /// An error from its code and message. In this order: anything shaped like a credential
    /// (`secret=…`, `js_code=…`, `access_token=…`, `"session_key":"…"`, …) is removed from the
    /// message, the message is shortened to [`MAX_ERRMSG_BYTES`], and the request id is
    /// extracted from what is left.
    pub fn new(errcode: i64, errmsg: impl AsRef<str>) -> Self {
        let mut errmsg = scrub_shapes(errmsg.as_ref());
        truncate_at_char_boundary(&mut errmsg, MAX_ERRMSG_BYTES);
        let rid = extract_rid(&errmsg);
        Self {
            errcode,
            errmsg,
            rid,
        }
    }

    /// What to do about this error.
    pub fn class(&self) -> ErrorClass {
        classify(self.errcode)
    }

    /// The answer the developer server gives its own client for this error, as of `now`.
    ///
    /// Codes the client can act on are relayed with their `errcode` and `rid`. Configuration,
    /// token and unknown codes become a bare `internal` answer: their details are for the
    /// operator, never for the client.
    pub fn wire_body(&self, now: OffsetDateTime) -> ErrorBody {
        let (kind, message) = match self.class() {
            ErrorClass::NewCodeNeeded if self.errcode == 40163 => {
                (ErrorKind::CodeUsed, "the login code was already used")
            }
            ErrorClass::NewCodeNeeded => (
                ErrorKind::InvalidCode,
                "the login code is invalid or expired",
            ),
            ErrorClass::Blocked => (ErrorKind::UserBlocked, "wechat blocked this user's login"),
            ErrorClass::RateLimited(_) => (
                ErrorKind::RateLimited,
                "wechat's quota is used up; retry later",
            ),
            ErrorClass::Retry => (
                ErrorKind::UpstreamUnavailable,
                "wechat is busy; retry later",
            ),
            ErrorClass::Configuration | ErrorClass::TokenInvalid | ErrorClass::Unknown => {
                return internal_body();
            }
        };
        let mut body = ErrorBody::new(kind, message);
        body.errcode = Some(self.errcode);
        body.rid.clone_from(&self.rid);
        if let ErrorClass::RateLimited(quota) = self.class() {
            body.retry_after = Some(quota.retry_after(now));
        }
        body
    }
}

/// The bare `500 internal` answer: whatever went wrong is the operator's business.
pub(crate) fn internal_body() -> ErrorBody {
    ErrorBody::new(ErrorKind::Internal, "internal server error")
}

/// What an errcode asks the developer server to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// `-1`, system busy: retry with backoff (within the code's life).
    Retry,
    /// `40029` (invalid or expired code), `40163` (code already used): the client needs a new code.
    NewCodeNeeded,
    /// A quota was reached: wait until it resets.
    RateLimited(Quota),
    /// `40226`, a high-risk user: do not retry; tell the user.
    Blocked,
    /// A bad appid or secret, a missing parameter, an IP not on the whitelist, a frozen secret:
    /// alert the operator; retrying cannot help.
    Configuration,
    /// `40001`, `40014`, `42001`: the access token is invalid, not the latest, or expired.
    TokenInvalid,
    /// A code this crate does not know: keep it, do not retry blindly.
    Unknown,
}

/// Which WeChat quota was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quota {
    /// `45011`, the per-minute quota: retry at the next minute.
    Minute,
    /// `45009`, the daily quota: retry at the next midnight, Beijing time (UTC+8).
    Day,
}

impl Quota {
    /// When the quota resets: the next minute boundary, or the next Beijing midnight.
    ///
    /// `None` only when that instant is past the range of [`OffsetDateTime`].
    pub fn resets_at(self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let (period, offset) = match self {
            Quota::Minute => (60, 0),
            Quota::Day => (86_400, BEIJING_OFFSET_SECONDS),
        };
        let local = now.unix_timestamp().checked_add(offset)?;
        let next = local
            .div_euclid(period)
            .checked_add(1)?
            .checked_mul(period)?;
        OffsetDateTime::from_unix_timestamp(next.checked_sub(offset)?).ok()
    }

    /// Whole seconds from `now` until the quota resets, rounded up, at least 1.
    pub fn retry_after(self, now: OffsetDateTime) -> u64 {
        let Some(at) = self.resets_at(now) else {
            return 1;
        };
        let nanos = at.unix_timestamp_nanos() - now.unix_timestamp_nanos();
        let seconds =
            nanos.div_euclid(1_000_000_000) + i128::from(nanos.rem_euclid(1_000_000_000) != 0);
        u64::try_from(seconds).unwrap_or(1).max(1)
    }
}

/// Classifies a WeChat errcode. `0` is success and is never classified; it lands in
/// [`ErrorClass::Unknown`].
pub fn classify(errcode: i64) -> ErrorClass {
    match errcode {
        -1 => ErrorClass::Retry,
        40029 | 40163 => ErrorClass::NewCodeNeeded,
        45011 => ErrorClass::RateLimited(Quota::Minute),
        45009 => ErrorClass::RateLimited(Quota::Day),
        40226 => ErrorClass::Blocked,
        40013 | 40125 | 41002 | 41004 | 40164 | 40243 | 89503 | 89506 | 89507 => {
            ErrorClass::Configuration
        }
        40001 | 40014 | 42001 => ErrorClass::TokenInvalid,
        _ => ErrorClass::Unknown,
    }
}

/// Why a call to a WeChat server API gave no usable answer.
///
/// Messages never echo the body: it may carry a session key or a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiFailure {
    /// The request got no response.
    #[error("no response from wechat: {0}")]
    Transport(TransportFailure),
    /// WeChat (or a proxy in front of it) answered with a status other than 200.
    #[error("wechat answered http {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The errcode envelope, if the body carried one.
        wechat: Option<WeChatFailure>,
    },
    /// The body is larger than [`MAX_BODY_BYTES`]; it was not parsed.
    #[error("wechat's answer of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The body's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not JSON, or lacks a field, or has a field of the wrong type.
    #[error("malformed answer from wechat: {detail}")]
    Malformed {
        /// Where parsing failed (category and position, never the input).
        detail: String,
    },
    /// WeChat answered with a non-zero errcode.
    #[error(transparent)]
    WeChat(WeChatFailure),
}

impl ApiFailure {
    /// Whether retrying the same request may succeed: transport failures, 5xx statuses and
    /// errcode `-1`.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiFailure::Transport(_) => true,
            ApiFailure::Status { status, .. } => (500..600).contains(status),
            ApiFailure::WeChat(e) => e.class() == ErrorClass::Retry,
            ApiFailure::TooLarge { .. } | ApiFailure::Malformed { .. } => false,
        }
    }

    /// The WeChat error inside, if WeChat reported one.
    pub fn wechat(&self) -> Option<&WeChatFailure> {
        match self {
            ApiFailure::WeChat(e)
            | ApiFailure::Status {
                wechat: Some(e), ..
            } => Some(e),
            _ => None,
        }
    }
}

/// Parses the answer of a WeChat server API: the driver's result in, the API's fields out.
///
/// In order: a transport error is kept; a body over [`MAX_BODY_BYTES`] is refused before parsing;
/// a status other than 200 is an error (with the envelope when the body has one); the body must
/// be a JSON object; an `errcode` that is present and not 0 is a [`WeChatFailure`] (it must be an
/// integer, `errmsg` a string); then the object must deserialise as `T`.
pub fn parse_api_response<T: DeserializeOwned>(
    result: &Result<HttpResponse, TransportFailure>,
) -> Result<T, ApiFailure> {
    let response = result
        .as_ref()
        .map_err(|e| ApiFailure::Transport(e.clone()))?;
    parse_api_body(response.status, &response.body)
}

/// [`parse_api_response`] for a status and a body.
pub fn parse_api_body<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiFailure> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiFailure::TooLarge {
            len: body.len(),
            max: MAX_BODY_BYTES,
        });
    }
    let parsed = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body);
    if status != 200 {
        let wechat = parsed.ok().and_then(|map| envelope(&map).ok().flatten());
        return Err(ApiFailure::Status { status, wechat });
    }
    let map = parsed.map_err(|e| ApiFailure::Malformed {
        detail: json_error_summary(&e),
    })?;
    if let Some(error) = envelope(&map)? {
        return Err(ApiFailure::WeChat(error));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| ApiFailure::Malformed {
        detail: json_error_summary(&e),
    })
}

/// Reads the `errcode` / `errmsg` envelope: `Ok(None)` for success (absent or 0).
fn envelope(
    map: &serde_json::Map<String, serde_json::Value>,
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
    Ok(Some(WeChatFailure::new(errcode, errmsg)))
}

/// Finds the request id in an errmsg, in either of WeChat's forms, and keeps it only when it
/// has WeChat's shape; anything else after the marker (a secret an echoing proxy put there,
/// say) is dropped.
///
/// - `… rid: 6502a6f1-1f2e3d4c-5b6a7988`: groups of 1 to 16 hex digits joined by dashes;
/// - `… hints: [ req_id: GaHFAJ6ce-vGCl3a ]`: groups of 1 to 16 letters or digits joined by
///   dashes.
///
/// Both need at least two groups and at most [`MAX_RID_BYTES`] bytes, and the marker must not
/// end a longer word.
pub fn extract_rid(errmsg: &str) -> Option<String> {
    let after = |marker: &str| {
        errmsg.match_indices(marker).find_map(|(at, _)| {
            let word_before = errmsg[..at]
                .bytes()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            (!word_before).then(|| errmsg[at + marker.len()..].trim_start_matches(' '))
        })
    };
    let hex = |c: char| c.is_ascii_hexdigit();
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let (rest, group_char): (&str, &dyn Fn(char) -> bool) = match after("req_id:") {
        Some(rest) => (rest, &alnum),
        None => (after("rid:")?, &hex),
    };
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ']' | ',' | ';' | ')' | '"'))
        .unwrap_or(rest.len());
    let rid = &rest[..end];
    let groups: Vec<&str> = rid.split('-').collect();
    let shaped = rid.len() <= MAX_RID_BYTES
        && groups.len() >= 2
        && groups
            .iter()
            .all(|g| (1..=16).contains(&g.len()) && g.chars().all(group_char));
    shaped.then(|| rid.to_owned())
}

/// Cuts `text` to at most `max` bytes, back to a character boundary.
pub(crate) fn truncate_at_char_boundary(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn rid_in_both_forms() {
        assert_eq!(
            extract_rid("invalid code, rid: 6502a6f1-1f2e3d4c-5b6a7988").as_deref(),
            Some("6502a6f1-1f2e3d4c-5b6a7988")
        );
        assert_eq!(
            extract_rid("invalid code, hints: [ req_id: GaHFAJ6ce-vGCl3a ]").as_deref(),
            Some("GaHFAJ6ce-vGCl3a")
        );
        assert_eq!(extract_rid("rid:abc-1,").as_deref(), Some("abc-1"));
        assert_eq!(extract_rid("system error"), None);
        assert_eq!(extract_rid("rid: "), None);
    }

    #[test]
    fn rid_only_in_wechats_shape() {
        for errmsg in [
            "invalid code, rid: 0123456789abcdef0123456789abcdef",
            "invalid code, rid: S3CRET-value",
            "rid: 6502a6f1-1f2e3d4c-5b6a7988x_y",
            "rid: 6502a6f1--5b6a7988",
            "rid: -6502a6f1",
            "grid: 6502a6f1-1f2e3d4c",
            "hints: [ req_id: GaHFAJ6ce_vGCl3a ]",
            "hints: [ req_id: 0123456789abcdef0 ]",
        ] {
            assert_eq!(extract_rid(errmsg), None, "{errmsg}");
        }
        let long = ["abcdef01"; 8].join("-");
        assert_eq!(long.len(), 71);
        assert_eq!(extract_rid(&format!("rid: {long}")), None);
        let at_limit = ["abcdef0123456789"; 4].join("-")[..64].to_owned();
        assert_eq!(extract_rid(&format!("rid: {at_limit}")), Some(at_limit));
    }

    #[test]
    fn errmsg_is_cut_at_a_char_boundary() {
        let e = WeChatFailure::new(1, "é".repeat(MAX_ERRMSG_BYTES));
        assert!(e.errmsg.len() <= MAX_ERRMSG_BYTES);
        assert_eq!(e.errmsg.len(), MAX_ERRMSG_BYTES);
    }

    #[test]
    fn quota_resets() {
        // 2024-01-01T00:00:30Z: the next minute is 30 s away.
        let now = at(1_704_067_230);
        assert_eq!(Quota::Minute.retry_after(now), 30);
        // Beijing midnight is 16:00 UTC; at 00:00:30Z it is 08:00:30 in Beijing.
        assert_eq!(
            Quota::Day.resets_at(now),
            Some(at(1_704_067_200 + 16 * 3600))
        );
        // Exactly on a boundary: wait a whole period.
        assert_eq!(Quota::Minute.retry_after(at(1_704_067_200)), 60);
        let half = now + time::Duration::milliseconds(500);
        assert_eq!(Quota::Minute.retry_after(half), 30);
    }

    #[test]
    fn quota_at_absurd_times() {
        let max = time::PrimitiveDateTime::MAX.assume_utc();
        let min = time::PrimitiveDateTime::MIN.assume_utc();
        for now in [max, min] {
            for quota in [Quota::Minute, Quota::Day] {
                let _ = quota.resets_at(now);
                assert!(quota.retry_after(now) >= 1);
            }
        }
        assert_eq!(Quota::Day.resets_at(max), None);
    }

    #[test]
    fn errmsg_is_cut_back_to_a_char_boundary() {
        // One ASCII byte first, so the limit falls inside a two-byte character.
        let e = WeChatFailure::new(1, format!("a{}", "é".repeat(MAX_ERRMSG_BYTES)));
        assert_eq!(e.errmsg.len(), MAX_ERRMSG_BYTES - 1);
        assert!(e.errmsg.ends_with('é'));
    }

    #[test]
    fn a_body_of_exactly_the_limit_is_parsed() {
        let mut body = br#"{"errcode":0,"x":1}"#.to_vec();
        body.resize(MAX_BODY_BYTES, b' ');
        assert!(parse_api_body::<serde_json::Value>(200, &body).is_ok());
        body.push(b' ');
        assert!(matches!(
            parse_api_body::<serde_json::Value>(200, &body),
            Err(ApiFailure::TooLarge { .. })
        ));
    }
}
