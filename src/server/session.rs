//! The developer server's own session: the record it keeps per login, its expiry, and the
//! answer to the client's session check. Lookup and storage are the caller's.
//!
//! The client only ever sees an opaque [`SessionToken`]; the record holds WeChat's
//! [`SessionKey`], which is not `Serialize` and has no path onto the wire.

use time::{Duration, OffsetDateTime};

use crate::http::HttpResponse;
use crate::secret::{SessionKey, SessionToken};
use crate::server::code2session::WeChatSession;
use crate::wire::{ErrorBody, ErrorKind, SessionValid, TokenHeader, WireFailure};

/// The default lifetime of a developer-server session: two hours.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::hours(2);

/// One login's session record, stored by the caller under the token it issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The user's id within this mini program.
    pub openid: String,
    /// The user's id across the Open Platform account, when the app is bound to one.
    pub unionid: Option<String>,
    /// WeChat's session key (for decrypting open data); never sent to the client.
    pub session_key: SessionKey,
    /// When the session was created.
    pub created_at: OffsetDateTime,
    /// When the session ends.
    pub expires_at: OffsetDateTime,
}

impl Session {
    /// A session for what code2Session returned, created `now`, ending after `lifetime`
    /// (at the last representable instant if that overflows).
    pub fn new(wechat: WeChatSession, now: OffsetDateTime, lifetime: Duration) -> Self {
        Self {
            openid: wechat.openid,
            unionid: wechat.unionid,
            session_key: wechat.session_key,
            created_at: now,
            expires_at: now.saturating_add(lifetime),
        }
    }

    /// Whether the session has ended at `now` (or has less than a whole second left, which
    /// the wire cannot express).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_in(now).is_none()
    }

    /// Whole seconds left at `now`, or `None` when less than one second is left.
    pub fn expires_in(&self, now: OffsetDateTime) -> Option<u64> {
        whole_seconds_until(now, self.expires_at)
    }

    /// The answer to the client's session check: `200 {"expires_in": N}` while the session
    /// lasts, `401 session_expired` after.
    pub fn check_response(&self, now: OffsetDateTime) -> HttpResponse {
        match self.expires_in(now) {
            Some(expires_in) => SessionValid { expires_in }.to_response(),
            None => expired_response(),
        }
    }
}

/// Whole seconds from `now` until `at`, or `None` when fewer than one. Never overflows: the
/// difference of two representable instants fits an `i128` of nanoseconds.
pub(crate) fn whole_seconds_until(now: OffsetDateTime, at: OffsetDateTime) -> Option<u64> {
    let nanos = at.unix_timestamp_nanos() - now.unix_timestamp_nanos();
    let seconds = u64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    (seconds > 0).then_some(seconds)
}

/// The `401 session_expired` answer.
pub fn expired_response() -> HttpResponse {
    ErrorBody::new(
        ErrorKind::SessionExpired,
        "the session is unknown or expired",
    )
    .to_response()
}

/// The whole session check: finds the token in `headers` as `header` configures, looks it up
/// with `lookup` (the caller's store) and answers. A missing or malformed token header is
/// `400 bad_request`; an unknown token or an ended session is `401 session_expired`.
pub fn answer_session_check<'a>(
    header: &TokenHeader,
    headers: &[(String, String)],
    now: OffsetDateTime,
    lookup: impl FnOnce(&SessionToken) -> Option<&'a Session>,
) -> HttpResponse {
    match header.decode(headers) {
        Ok(token) => match lookup(&token) {
            Some(session) => session.check_response(now),
            None => expired_response(),
        },
        Err(e) => bad_token_response(&e),
    }
}

/// The `400 bad_request` answer for a token header that could not be read.
pub fn bad_token_response(error: &WireFailure) -> HttpResponse {
    // WireFailure messages never echo the input, so the message is safe to send.
    ErrorBody::new(ErrorKind::BadRequest, error.to_string()).to_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let in_ms = |ms| now + Duration::milliseconds(ms);
        assert_eq!(whole_seconds_until(now, in_ms(999)), None);
        assert_eq!(whole_seconds_until(now, in_ms(1000)), Some(1));
        assert_eq!(whole_seconds_until(now, in_ms(2500)), Some(2));
        assert_eq!(whole_seconds_until(now, in_ms(-5000)), None);
        let max = time::PrimitiveDateTime::MAX.assume_utc();
        let min = time::PrimitiveDateTime::MIN.assume_utc();
        assert!(whole_seconds_until(min, max).is_some());
        assert_eq!(whole_seconds_until(max, min), None);
    }
}
