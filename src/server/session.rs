//! The developer server's own session: the record it keeps per login ([`SessionRecord`]), its
//! expiry, and the answer to the client's session check ([`SessionCheck`]). Lookup and storage
//! are the caller's, synchronous or not.
//!
//! The client only ever sees an opaque [`SessionToken`]; the record holds WeChat's
//! [`SessionKey`], which is not `Serialize` and has no path onto the wire.

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::http::HttpResponse;
use crate::secret::{SessionKey, SessionToken};
use crate::server::code2session::WeChatSession;
use crate::wire::{ErrorBody, ErrorKind, SessionValid, TokenHeader, WireFailure};

/// The default lifetime of a developer-server session: two hours.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::hours(2);

/// One login's session record, stored by the caller under the token it issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
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

impl SessionRecord {
    /// A session for what code2Session returned, created `now`, ending after `lifetime`
    /// (at the last representable instant if that overflows).
    pub fn new(wechat: WeChatSession, now: OffsetDateTime, lifetime: Duration) -> Self {
        Self {
            openid: wechat.openid,
            unionid: wechat.unionid,
            session_key: wechat.session_key,
            created_at: now,
            expires_at: crate::time_util::saturating_add(now, lifetime),
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
    pub(crate) fn check_response(&self, now: OffsetDateTime) -> HttpResponse {
        match self.expires_in(now) {
            Some(expires_in) => SessionValid { expires_in }.to_response(),
            None => expired_response(),
        }
    }
}

/// Whole seconds from `now` until `at`, or `None` when fewer than one. Never overflows: the
/// unix seconds of two representable instants differ by less than 2^36.
pub(crate) fn whole_seconds_until(now: OffsetDateTime, at: OffsetDateTime) -> Option<u64> {
    // `floor((at - now) / 1 s)` from whole seconds and the sub-second parts, which offsets
    // (whole seconds) do not change: no 128-bit division.
    let borrow = i64::from(at.nanosecond() < now.nanosecond());
    let seconds = at.unix_timestamp() - now.unix_timestamp() - borrow;
    let seconds = u64::try_from(seconds).ok()?;
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

/// The answer to the client's session check (`GET /session` with its token: does the developer
/// server's session still hold?), in two steps so that any store can feed it, in memory or
/// remote, synchronous or async:
///
/// 1. [`SessionCheck::read`] takes the request's headers and gives the typed lookup key, or
///    the `400 bad_request` answer for a missing or malformed token header;
/// 2. the caller looks [`token`](Self::token) up in its store, then
///    [`answer`](Self::answer) takes what the store found (or `None`) and `now`: `200
///    {"expires_in": N}` while the session lasts, `401 session_expired` for an unknown token
///    or an ended session. A store that cannot answer is
///    [`store_unavailable`](Self::store_unavailable) (`503`, never `401`).
///
/// ```
/// use std::collections::HashMap;
/// use time::OffsetDateTime;
/// use wxlogin::secret::{SessionKey, SessionToken};
/// use wxlogin::server::session::{SessionCheck, SessionRecord};
/// use wxlogin::wire::TokenHeader;
///
/// let now = OffsetDateTime::UNIX_EPOCH;
/// let record = SessionRecord {
///     openid: "o1".into(),
///     unionid: None,
///     session_key: SessionKey::new("k"),
///     created_at: now,
///     expires_at: now + time::Duration::hours(2),
/// };
/// let store = HashMap::from([("t0k3n".to_owned(), record)]);
/// let header = TokenHeader::default();
/// let headers = [header.encode(&SessionToken::new("t0k3n"))];
///
/// let answer = match SessionCheck::read(&header, &headers) {
///     Ok(check) => {
///         let found = store.get(check.token().expose_secret()); // or an `.await`
///         check.answer(found, now)
///     }
///     Err(bad_request) => bad_request,
/// };
/// assert_eq!(answer.status, 200);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use = "look the token up and answer"]
pub struct SessionCheck {
    token: SessionToken,
}

impl SessionCheck {
    /// Step 1: the token in `headers`, as `header` configures, or the `400 bad_request` answer
    /// when it is missing or malformed.
    pub fn read(header: &TokenHeader, headers: &[(String, String)]) -> Result<Self, HttpResponse> {
        match header.decode(headers) {
            Ok(token) => Ok(Self { token }),
            Err(e) => Err(bad_token_response(&e)),
        }
    }

    /// Step 1 for a token read some other way (a body field, a cookie): its shape is the
    /// caller's to check, as [`TokenHeader`] does.
    pub fn from_token(token: SessionToken) -> Self {
        Self { token }
    }

    /// The lookup key: the token the client sent, already checked for shape.
    pub fn token(&self) -> &SessionToken {
        &self.token
    }

    /// The token, for a store that takes it by value.
    pub fn into_token(self) -> SessionToken {
        self.token
    }

    /// Step 2: the answer, given what the store found under [`token`](Self::token) at `now`.
    pub fn answer(self, found: Option<&SessionRecord>, now: OffsetDateTime) -> HttpResponse {
        match found {
            Some(record) => record.check_response(now),
            None => expired_response(),
        }
    }

    /// The answer when the store could not be asked: `503 upstream_unavailable` with
    /// `retry_after`, never a `401`, which would send every client to `wx.login` at once.
    pub fn store_unavailable(retry_after: Duration) -> HttpResponse {
        store_unavailable_body(retry_after).to_response()
    }
}

impl fmt::Debug for SessionCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCheck")
            .field("token", &self.token)
            .finish()
    }
}

/// The `503 upstream_unavailable` body for a session store that cannot answer now; the wire
/// counts `retry_after` in whole seconds, at least one.
pub(crate) fn store_unavailable_body(retry_after: Duration) -> ErrorBody {
    let mut body = ErrorBody::new(
        ErrorKind::UpstreamUnavailable,
        "the session store is unavailable; retry shortly",
    );
    let nanos = retry_after.whole_nanoseconds().max(1);
    let seconds = nanos.div_euclid(1_000_000_000) + i128::from(nanos % 1_000_000_000 != 0);
    body.retry_after = Some(u64::try_from(seconds).unwrap_or(u64::MAX));
    body
}

/// The `400 bad_request` answer for a token header that could not be read.
pub fn bad_token_response(error: &WireFailure) -> HttpResponse {
    // WireFailure messages never echo the input, so the message is safe to send.
    ErrorBody::new(ErrorKind::BadRequest, error.to_string()).to_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole seconds from whole seconds and sub-seconds are the floor of the nanoseconds.
    #[test]
    fn whole_seconds_are_the_floor_of_the_difference() {
        use time::{PrimitiveDateTime, UtcOffset};
        let plus8 = UtcOffset::from_hms(8, 0, 0).unwrap();
        let minus5 = UtcOffset::from_hms(-5, 0, 30).unwrap();
        let at = |nanos: i128| OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap();
        let instants = [
            at(0),
            at(1),
            at(999_999_999),
            at(1_000_000_000),
            at(-1),
            at(-1_000_000_001),
            at(1_700_000_000_500_000_000).to_offset(plus8),
            at(1_700_000_001_400_000_000).to_offset(minus5),
            PrimitiveDateTime::MAX.assume_offset(minus5),
            PrimitiveDateTime::MIN.assume_offset(plus8),
        ];
        for &now in &instants {
            for &then in &instants {
                let nanos = then.unix_timestamp_nanos() - now.unix_timestamp_nanos();
                let floor = u64::try_from(nanos.div_euclid(1_000_000_000)).ok();
                let expected = floor.filter(|&s| s > 0);
                assert_eq!(whole_seconds_until(now, then), expected, "{now} {then}");
            }
        }
    }

    #[test]
    fn store_unavailable_rounds_up_to_whole_seconds() {
        let after = |d| store_unavailable_body(d).retry_after;
        assert_eq!(after(Duration::ZERO), Some(1));
        assert_eq!(after(Duration::seconds(-5)), Some(1));
        assert_eq!(after(Duration::milliseconds(1500)), Some(2));
        assert_eq!(after(Duration::seconds(5)), Some(5));
        // i64::MAX seconds and 999,999,999 nanoseconds, rounded up.
        assert_eq!(after(Duration::MAX), Some(9_223_372_036_854_775_808));
    }

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
