//! Where the token travels: the header name and scheme, checked once when built.

use serde::{Deserialize, Serialize};

use super::{WireFailure, validate_token};
use crate::secret::SessionToken;

/// Where the client puts its token and how the server finds it.
///
/// Built with [`TokenHeader::new`], which checks the name and the scheme, so no configuration can
/// make a header carry a token that a `Debug` print shows (see [`TokenHeader::new`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawTokenHeader")]
pub struct TokenHeader {
    name: String,
    scheme: Option<String>,
}

/// The unchecked serde form of a [`TokenHeader`].
#[derive(Deserialize)]
struct RawTokenHeader {
    name: String,
    scheme: Option<String>,
}

impl TryFrom<RawTokenHeader> for TokenHeader {
    type Error = WireFailure;

    fn try_from(raw: RawTokenHeader) -> Result<Self, WireFailure> {
        Self::new(raw.name, raw.scheme)
    }
}

impl Default for TokenHeader {
    fn default() -> Self {
        Self {
            name: "Authorization".into(),
            scheme: Some("Bearer".into()),
        }
    }
}

/// Headers whose values `Debug` prints (see `http.rs`): a token may never travel in them.
const PRINTED_HEADERS: &[&str] = &["content-type", "content-length", "accept"];

impl TokenHeader {
    /// A header `name: <scheme> <token>` (or `name: <token>` without a scheme).
    ///
    /// # Errors
    /// [`WireFailure::InvalidHeader`] when the name or the scheme is not an RFC 9110 token
    /// (1 to 64 of ``!#$%&'*+-.^_`|~``, letters and digits), or when the name is one of the
    /// headers whose values `Debug` prints (`Content-Type`, `Content-Length`, `Accept`).
    pub fn new(name: impl Into<String>, scheme: Option<String>) -> Result<Self, WireFailure> {
        let name = name.into();
        if !is_http_token(&name) {
            return Err(WireFailure::InvalidHeader {
                reason: "the name is not an HTTP token",
            });
        }
        if PRINTED_HEADERS.iter().any(|p| name.eq_ignore_ascii_case(p)) {
            return Err(WireFailure::InvalidHeader {
                reason: "the name is a header whose value is printed",
            });
        }
        if scheme.as_deref().is_some_and(|s| !is_http_token(s)) {
            return Err(WireFailure::InvalidHeader {
                reason: "the scheme is not an HTTP token",
            });
        }
        Ok(Self { name, scheme })
    }

    /// The header name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scheme before the token, if any.
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// The header (name, value) carrying `token`.
    pub fn encode(&self, token: &SessionToken) -> (String, String) {
        let value = match &self.scheme {
            Some(scheme) => format!("{scheme} {}", token.expose_secret()),
            None => token.expose_secret().to_owned(),
        };
        (self.name.clone(), value)
    }

    /// Finds the token in request headers: the header is matched case-insensitively, the scheme
    /// too (RFC 9110), and the token must be non-empty printable ASCII without spaces.
    pub fn decode(&self, headers: &[(String, String)]) -> Result<SessionToken, WireFailure> {
        let value = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&self.name))
            .map(|(_, v)| v.trim())
            .ok_or(WireFailure::MissingToken)?;
        let token = match &self.scheme {
            Some(scheme) => {
                let (given, rest) = value.split_once(' ').ok_or(WireFailure::MalformedToken)?;
                if !given.eq_ignore_ascii_case(scheme) {
                    return Err(WireFailure::MalformedToken);
                }
                rest.trim_start()
            }
            None => value,
        };
        validate_token(token)?;
        Ok(SessionToken::new(token))
    }
}

/// RFC 9110 `token`: one or more `tchar`, bounded here at 64 bytes.
fn is_http_token(text: &str) -> bool {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    (1..=64).contains(&text.len()) && text.bytes().all(tchar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MAX_TOKEN_LEN;

    #[test]
    fn token_header_forms() {
        let header = TokenHeader::default();
        let token = SessionToken::new("abc.DEF-123");
        let (name, value) = header.encode(&token);
        assert_eq!(
            (name.as_str(), value.as_str()),
            ("Authorization", "Bearer abc.DEF-123")
        );
        let headers = vec![("authorization".to_owned(), "bearer  abc.DEF-123".to_owned())];
        assert_eq!(header.decode(&headers).unwrap(), token);
        assert_eq!(header.decode(&[]), Err(WireFailure::MissingToken));
        let wrong = vec![("Authorization".to_owned(), "Basic abc".to_owned())];
        assert_eq!(header.decode(&wrong), Err(WireFailure::MalformedToken));
        let empty = vec![("Authorization".to_owned(), "Bearer ".to_owned())];
        assert_eq!(header.decode(&empty), Err(WireFailure::MalformedToken));

        let bare = TokenHeader {
            name: "X-WX-Token".into(),
            scheme: None,
        };
        let headers = vec![bare.encode(&token)];
        assert_eq!(bare.decode(&headers).unwrap(), token);
    }

    #[test]
    fn token_headers_refuse_empty_unprintable_and_oversized_tokens() {
        let header = TokenHeader::default();
        let with = |value: String| vec![("Authorization".to_owned(), value)];
        let malformed = Err(WireFailure::MalformedToken);
        // Inner control characters, a space inside.
        assert_eq!(header.decode(&with("Bearer ab\u{7f}cd".into())), malformed);
        assert_eq!(header.decode(&with("Bearer ab cd".into())), malformed);
        let bare = TokenHeader {
            name: "X-Token".into(),
            scheme: None,
        };
        // Without a scheme, a header of blanks holds no token at all.
        let blank = vec![("X-Token".to_owned(), " \t ".to_owned())];
        assert_eq!(bare.decode(&blank), malformed);
        let long = "t".repeat(MAX_TOKEN_LEN);
        let headers = vec![("X-Token".to_owned(), long.clone())];
        assert_eq!(bare.decode(&headers).unwrap().expose_secret(), long);
        let headers = vec![("X-Token".to_owned(), format!("{long}t"))];
        assert_eq!(bare.decode(&headers), malformed);
    }
}
