//! The two failures of a call to WeChat: [`ApiFailure`] (no usable answer) and the
//! [`WeChatFailure`] inside it (WeChat's errcode, scrubbed message and request id), with the
//! answer the developer server gives its own client for each.

use time::OffsetDateTime;

use super::class::{ErrorClass, classify};
use super::scrub::Scrub;
use crate::http::TransportFailure;
use crate::wire::{ErrorBody, ErrorKind};

/// The longest `errmsg` kept, in bytes; longer ones are cut at a character boundary.
#[cfg_attr(not(feature = "test-support"), allow(unreachable_pub))] // `test_support` re-exports it.
pub const MAX_ERRMSG_BYTES: usize = 512;

/// An error WeChat reported: its code, its message and the request id support asks for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("wechat errcode {errcode}: {errmsg}")]
pub struct WeChatFailure {
    /// WeChat's `errcode` (never 0: 0 is success).
    pub errcode: i64,
    /// WeChat's `errmsg`, scrubbed, then cut to at most 512 bytes at a character boundary.
    pub errmsg: String,
    /// The request id found in the scrubbed `errmsg` (`rid: …` or `hints: [ req_id: … ]`),
    /// only when it has WeChat's shape: dash-joined groups of hex digits (`rid`) or letters and
    /// digits (`req_id`), at most 64 bytes.
    pub rid: Option<String>,
}

impl WeChatFailure {
    /// An error from its code and message. In this order: anything shaped like a credential
    /// (`secret=…`, `js_code=…`, `access_token=…`, `"session_key":"…"`, …) is removed from the
    /// message, the message is shortened to 512 bytes, and the request id is
    /// extracted from what is left.
    pub fn new(errcode: i64, errmsg: impl AsRef<str>) -> Self {
        Scrub::default().failure(errcode, errmsg.as_ref())
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
    /// The body is larger than [`MAX_BODY_BYTES`](crate::wire::MAX_BODY_BYTES); it was not parsed.
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

    /// The errcode of a refused access token (40001, 40014, 42001), to report to the
    /// [`AccessTokenCache`](crate::server::access_token::AccessTokenCache) that lent it.
    pub fn rejected_token_errcode(&self) -> Option<i64> {
        self.wechat()
            .filter(|w| w.class() == ErrorClass::TokenInvalid)
            .map(|w| w.errcode)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errmsg_is_cut_at_a_char_boundary() {
        let e = WeChatFailure::new(1, "é".repeat(MAX_ERRMSG_BYTES));
        assert!(e.errmsg.len() <= MAX_ERRMSG_BYTES);
        assert_eq!(e.errmsg.len(), MAX_ERRMSG_BYTES);
    }

    #[test]
    fn errmsg_is_cut_back_to_a_char_boundary() {
        // One ASCII byte first, so the limit falls inside a two-byte character.
        let e = WeChatFailure::new(1, format!("a{}", "é".repeat(MAX_ERRMSG_BYTES)));
        assert_eq!(e.errmsg.len(), MAX_ERRMSG_BYTES - 1);
        assert!(e.errmsg.ends_with('é'));
    }
}
