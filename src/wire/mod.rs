//! The contract between the mini program and the developer server, defined once so that both
//! sides agree by construction.
//!
//! | call | request | success | failure |
//! |---|---|---|---|
//! | login | `POST /login` `{"code":"…"}` | `200 {"token":"…","expires_in":7200}` | non-2xx [`ErrorBody`] |
//! | session check | `GET /session`, `Authorization: Bearer <token>` | `200 {"expires_in":N}` | `401` [`ErrorBody`] |
//!
//! Paths, header name and scheme are configuration ([`TokenHeader`]). The WeChat `session_key`
//! has no path onto this wire: its type is not `Serialize`.

use serde::{Deserialize, Serialize};

use crate::http::HttpResponse;
use crate::secret::{LoginCode, SessionToken};

mod read;
mod token_header;
mod write;

pub use token_header::TokenHeader;
pub(crate) use write::JsonObject;

/// The largest body either side accepts, checked before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The longest login code accepted. WeChat's codes are 32 characters.
pub const MAX_CODE_LEN: usize = 128;

/// How long a login code lives after `wx.login`: five minutes. The server counts from when it
/// first saw the code and never sends it to code2Session at or after that.
pub const CODE_LIFETIME: time::Duration = time::Duration::minutes(5);

/// The kind of a failure the developer server reports to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// WeChat said the code is invalid or expired (40029): get a new code.
    InvalidCode,
    /// WeChat said the code was already used (40163): get a new code.
    CodeUsed,
    /// WeChat blocked this user's login (40226): tell the user, do not retry.
    UserBlocked,
    /// A quota was reached; `retry_after` says when to try again.
    RateLimited,
    /// The developer server's session is unknown or expired.
    SessionExpired,
    /// WeChat could not be reached or kept failing; retrying later may work.
    UpstreamUnavailable,
    /// The request itself was malformed.
    BadRequest,
    /// The server failed (for example its WeChat configuration is wrong); details are in its logs.
    Internal,
    /// A kind this version of the crate does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorKind {
    /// The HTTP status the server answers with for this kind.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::InvalidCode | ErrorKind::CodeUsed | ErrorKind::BadRequest => 400,
            ErrorKind::SessionExpired => 401,
            ErrorKind::UserBlocked => 403,
            ErrorKind::RateLimited => 429,
            ErrorKind::UpstreamUnavailable => 503,
            ErrorKind::Internal | ErrorKind::Unknown => 500,
        }
    }
}

/// The body of every non-2xx answer of the developer server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorKind,
    /// A human-readable message, safe to show.
    #[serde(default)]
    pub message: String,
    /// Seconds until a retry may succeed (for `rate_limited`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// WeChat's errcode, when the server relays it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    /// WeChat's request id, when the server relays it (support asks for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<String>,
}

impl ErrorBody {
    /// A body with just a kind and a message.
    pub fn new(error: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            retry_after: None,
            errcode: None,
            rid: None,
        }
    }

    /// The response carrying this body, with the status of its kind.
    pub fn to_response(&self) -> HttpResponse {
        HttpResponse::json(self.error.status(), to_json(self))
    }
}

/// The login answer: the developer server's own token and its lifetime.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginGranted {
    /// The session token the client sends with every business request.
    pub token: SessionToken,
    /// Seconds until the session expires.
    pub expires_in: u64,
}

impl LoginGranted {
    /// The `200` response carrying this grant.
    pub fn to_response(&self) -> HttpResponse {
        // The bytes of `to_json(self)` (the writer's tests hold it to serde_json).
        let token = self.token.expose_secret();
        let body = JsonObject::with_capacity(token.len() + 40)
            .string("token", token)
            .unsigned("expires_in", self.expires_in)
            .finish();
        HttpResponse::json(200, body)
    }
}

/// The session-check answer: the session is valid for `expires_in` more seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionValid {
    /// Seconds until the session expires.
    pub expires_in: u64,
}

impl SessionValid {
    /// The `200` response carrying this answer.
    pub fn to_response(&self) -> HttpResponse {
        // The bytes of `to_json(self)`.
        let body = JsonObject::with_capacity(40)
            .unsigned("expires_in", self.expires_in)
            .finish();
        HttpResponse::json(200, body)
    }
}

/// Why a wire body or header could not be used.
///
/// Messages never echo the input: a body may carry a token or a code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireFailure {
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("body of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The body's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not the JSON the contract requires.
    #[error("malformed body: {detail}")]
    Malformed {
        /// Where parsing failed (category, line and column; never the input).
        detail: String,
    },
    /// The login code is empty, too long or has characters a code never has.
    #[error("invalid login code: {reason}")]
    InvalidCode {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The server answered with a non-2xx status.
    #[error("server answered {status}{}", .body.as_ref().map(|b| format!(" ({:?}: {})", b.error, b.message)).unwrap_or_default())]
    Status {
        /// The HTTP status.
        status: u16,
        /// The error body, if the server sent one that parses.
        body: Option<ErrorBody>,
    },
    /// The request carries no token header.
    #[error("no session token in the request")]
    MissingToken,
    /// The token header does not have the configured form.
    #[error("malformed session token header")]
    MalformedToken,
    /// A [`TokenHeader`] name or scheme that cannot safely carry a token.
    #[error("invalid token header: {reason}")]
    InvalidHeader {
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The login request body for `code`.
pub fn encode_login_request(code: &LoginCode) -> Vec<u8> {
    // The bytes serde_json gives for `{code}` (the writer's tests hold it to serde_json).
    let code = code.expose_secret();
    JsonObject::with_capacity(code.len() + 12)
        .string("code", code)
        .finish()
}

/// Parses and validates the client's login request body (server side).
pub fn decode_login_request(body: &[u8]) -> Result<LoginCode, WireFailure> {
    // The body as `encode_login_request` writes it, with a valid code: serde_json's value.
    if let Some(code) = read::login_request(body) {
        if validate_code(code).is_ok() {
            return Ok(LoginCode::new(code));
        }
    }
    #[derive(Deserialize)]
    struct Body {
        code: String,
    }
    let Body { code } = parse_json(body)?;
    validate_code(&code)?;
    Ok(LoginCode::new(code))
}

/// The bytes a login code may hold (one lookup per byte, not four comparisons).
const CODE_BYTES: [bool; 256] = {
    let mut allowed = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        allowed[b] = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
        b += 1;
    }
    allowed
};

/// Checks that a login code has a sane length and charset: 1 to [`MAX_CODE_LEN`] characters of
/// ASCII letters, digits, `-` and `_`.
pub fn validate_code(code: &str) -> Result<(), WireFailure> {
    if code.is_empty() {
        return Err(WireFailure::InvalidCode { reason: "empty" });
    }
    if code.len() > MAX_CODE_LEN {
        return Err(WireFailure::InvalidCode { reason: "too long" });
    }
    // Every byte, without a branch per byte: the length is bounded above.
    if !code
        .bytes()
        .fold(true, |ok, b| ok & CODE_BYTES[usize::from(b)])
    {
        return Err(WireFailure::InvalidCode {
            reason: "unexpected character",
        });
    }
    Ok(())
}

/// The longest session token accepted anywhere: in a login answer, a storage record, a header
/// or a session the server creates.
pub const MAX_TOKEN_LEN: usize = 1024;

/// The one check every session token passes, wherever it comes from: 1 to [`MAX_TOKEN_LEN`]
/// bytes of printable ASCII without spaces, so it is always safe as an HTTP header value.
///
/// # Errors
/// [`WireFailure::MalformedToken`] otherwise.
pub fn validate_token(token: &str) -> Result<(), WireFailure> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(WireFailure::MalformedToken);
    }
    // Every byte, without a branch per byte, so the compiler can compare many at once.
    if !token.bytes().fold(true, |ok, b| ok & b.is_ascii_graphic()) {
        return Err(WireFailure::MalformedToken);
    }
    Ok(())
}

/// Reads the server's answer to the login request (client side). The token passes
/// [`validate_token`]: a token no header could carry is a typed failure, never a session.
pub fn decode_login_response(response: &HttpResponse) -> Result<LoginGranted, WireFailure> {
    // The body as `LoginGranted::to_response` writes it: serde_json's value, read in one pass.
    if response.is_success() && response.body.len() <= MAX_BODY_BYTES {
        if let Some((token, expires_in)) = read::login_granted(&response.body) {
            validate_token(token)?;
            return Ok(LoginGranted {
                token: SessionToken::from_text(token),
                expires_in,
            });
        }
    }
    let granted: LoginGranted = decode_success(response)?;
    validate_token(granted.token.expose_secret())?;
    Ok(granted)
}

/// Reads the server's answer to the session check (client side).
pub fn decode_session_response(response: &HttpResponse) -> Result<SessionValid, WireFailure> {
    decode_success(response)
}

fn decode_success<T: serde::de::DeserializeOwned>(
    response: &HttpResponse,
) -> Result<T, WireFailure> {
    if !response.is_success() {
        return Err(WireFailure::Status {
            status: response.status,
            body: parse_json(&response.body).ok(),
        });
    }
    parse_json(&response.body)
}

/// Parses a JSON body after checking its size, with an error that does not echo the input.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WireFailure> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WireFailure::TooLarge {
            len: body.len(),
            max: MAX_BODY_BYTES,
        });
    }
    from_json_bytes(body).map_err(|e| WireFailure::Malformed {
        detail: json_error_summary(&e),
    })
}

/// `serde_json::from_slice`, with the body checked as UTF-8 once, up front, rather than string
/// by string: the same value or the same error (a body that is not UTF-8 goes to `from_slice`,
/// which describes it).
fn from_json_bytes<T: serde::de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// Describes a serde_json error by category and position only. serde_json's own message quotes
/// offending values, which may be secrets.
pub(crate) fn json_error_summary(error: &serde_json::Error) -> String {
    let category = match error.classify() {
        serde_json::error::Category::Io => "i/o error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected type or missing field",
        serde_json::error::Category::Eof => "unexpected end of input",
    };
    format!(
        "{category} at line {} column {}",
        error.line(),
        error.column()
    )
}

/// Serialises a value of this crate's own wire types.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Cannot fail: every type passed here has string keys and no fallible Serialize impl.
    serde_json::to_vec(value).expect("wire types always serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_round_trip() {
        let code = LoginCode::new("081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2");
        let body = encode_login_request(&code);
        assert_eq!(
            body,
            br#"{"code":"081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2"}"#.to_vec()
        );
        assert_eq!(decode_login_request(&body).unwrap(), code);

        let grant = LoginGranted {
            token: SessionToken::new("tok"),
            expires_in: 7200,
        };
        let response = grant.to_response();
        assert_eq!(
            response.body,
            br#"{"token":"tok","expires_in":7200}"#.to_vec()
        );
        assert_eq!(decode_login_response(&response).unwrap(), grant);
    }

    #[test]
    fn hand_written_bodies_are_serdes() {
        #[derive(Serialize)]
        struct Body<'a> {
            code: &'a LoginCode,
        }
        for text in ["081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2", "", "q\"\\\u{1}é"] {
            let code = LoginCode::new(text);
            assert_eq!(encode_login_request(&code), to_json(&Body { code: &code }));
            for expires_in in [0, 1, 7200, u64::MAX] {
                let grant = LoginGranted {
                    token: SessionToken::new(text),
                    expires_in,
                };
                assert_eq!(grant.to_response().body, to_json(&grant));
                let valid = SessionValid { expires_in };
                assert_eq!(valid.to_response().body, to_json(&valid));
            }
        }
    }

    /// The one-pass readers give what serde_json gives, values and errors alike.
    #[test]
    fn fast_paths_agree_with_serde() {
        let slow_request = |body: &[u8]| {
            #[derive(Deserialize)]
            struct Body {
                code: String,
            }
            let Body { code } = parse_json(body)?;
            validate_code(&code)?;
            Ok::<_, WireFailure>(LoginCode::new(code))
        };
        let long = "a".repeat(MAX_CODE_LEN + 1);
        for code in [
            "abc",
            "",
            "a b",
            "a-_Z9",
            &long,
            r"\u0061",
            "é",
            r#"a","x":"b"#,
        ] {
            let body = format!(r#"{{"code":"{code}"}}"#);
            let body = body.as_bytes();
            assert_eq!(decode_login_request(body), slow_request(body), "{code}");
        }
        let slow_grant = |response: &HttpResponse| {
            let granted: LoginGranted = decode_success(response)?;
            validate_token(granted.token.expose_secret())?;
            Ok::<_, WireFailure>(granted)
        };
        let huge = "t".repeat(MAX_BODY_BYTES);
        for (status, token, expires_in) in [
            (200, "tok", "7200"),
            (200, "", "1"),
            (200, &huge[..MAX_TOKEN_LEN + 1], "1"),
            (200, &huge, "1"),
            (200, "a b", "1"),
            (200, "é", "1"),
            (200, "tok", "18446744073709551615"),
            (200, "tok", "18446744073709551616"),
            (401, "tok", "7200"),
        ] {
            let body = format!(r#"{{"token":"{token}","expires_in":{expires_in}}}"#);
            let response = HttpResponse::json(status, body.into_bytes());
            let (fast, slow) = (decode_login_response(&response), slow_grant(&response));
            assert_eq!(fast, slow, "{status} {expires_in}");
        }
    }

    #[test]
    fn login_request_validation() {
        let err = |body: &[u8]| decode_login_request(body).unwrap_err();
        assert!(matches!(err(b"not json"), WireFailure::Malformed { .. }));
        assert!(matches!(err(b"{}"), WireFailure::Malformed { .. }));
        assert!(matches!(
            err(br#"{"code":7}"#),
            WireFailure::Malformed { .. }
        ));
        assert_eq!(
            err(br#"{"code":""}"#),
            WireFailure::InvalidCode { reason: "empty" }
        );
        assert_eq!(
            err(br#"{"code":"a b"}"#),
            WireFailure::InvalidCode {
                reason: "unexpected character"
            }
        );
        let long = format!(r#"{{"code":"{}"}}"#, "a".repeat(MAX_CODE_LEN + 1));
        assert_eq!(
            err(long.as_bytes()),
            WireFailure::InvalidCode { reason: "too long" }
        );
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(matches!(err(&huge), WireFailure::TooLarge { .. }));
    }

    #[test]
    fn malformed_errors_do_not_echo_input() {
        let err = decode_login_request(br#"{"code":["S3CR3T"]}"#).unwrap_err();
        assert!(!err.to_string().contains("S3CR3T"), "{err}");
    }

    #[test]
    fn error_bodies_carry_status_and_relayed_fields() {
        let mut body = ErrorBody::new(ErrorKind::RateLimited, "slow down");
        body.retry_after = Some(42);
        body.errcode = Some(45011);
        let response = body.to_response();
        assert_eq!(response.status, 429);
        let err = decode_login_response(&response).unwrap_err();
        assert_eq!(
            err,
            WireFailure::Status {
                status: 429,
                body: Some(body)
            }
        );
        let unknown = HttpResponse::json(418, br#"{"error":"teapot"}"#.to_vec());
        let WireFailure::Status { body: Some(b), .. } =
            decode_session_response(&unknown).unwrap_err()
        else {
            panic!("expected a status error")
        };
        assert_eq!(b.error, ErrorKind::Unknown);
    }

    #[test]
    fn size_and_length_limits_are_inclusive() {
        // A body of exactly the limit is parsed; one byte more is refused unread.
        let code = "a".repeat(MAX_CODE_LEN);
        let json = format!(r#"{{"code":"{code}"}}"#);
        let mut body = json.clone().into_bytes();
        body.resize(MAX_BODY_BYTES, b' ');
        assert_eq!(MAX_BODY_BYTES, 64 * 1024);
        assert_eq!(decode_login_request(&body).unwrap().expose_secret(), code);
        body.push(b' ');
        assert!(matches!(
            decode_login_request(&body),
            Err(WireFailure::TooLarge { len, max: MAX_BODY_BYTES }) if len == MAX_BODY_BYTES + 1
        ));
        // Codes: the longest accepted, and every character class a code may hold.
        assert_eq!(validate_code(&code), Ok(()));
        assert_eq!(validate_code("0a-Z_9"), Ok(()));
    }

    #[test]
    fn malformed_details_name_the_category_and_position() {
        let detail = |body: &[u8]| match decode_login_request(body) {
            Err(WireFailure::Malformed { detail }) => detail,
            other => panic!("expected a malformed body, got {other:?}"),
        };
        assert_eq!(detail(b"{\"code\" 1}"), "syntax error at line 1 column 9");
        assert_eq!(
            detail(b"{\"code\""),
            "unexpected end of input at line 1 column 7"
        );
        assert_eq!(
            detail(b"{\"code\":1}"),
            "unexpected type or missing field at line 1 column 9"
        );
    }
}
