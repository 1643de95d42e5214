//! HTTP requests and responses as plain values: the machines describe requests, the driver sends
//! them with whatever client it has and hands the answer back.
//!
//! `Debug` of a request hides what could carry a secret: sensitive query values, every header
//! value except a short safe list, and the body (shown as its length).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An HTTP method. The protocol needs only these two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send. The driver sends it as is and answers with the response or a
/// [`TransportFailure`].
///
/// JSON form: `{"method":"POST","url":"https://…/login","headers":{"content-type":"application/json"},"body":"{\"code\":\"…\"}"}`.
/// The body is a string when it is UTF-8 (always, for requests this crate builds).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query string included and already percent-encoded.
    pub url: String,
    /// Header names and values, in order (a JSON object, as `wx.request` takes them).
    #[serde(with = "crate::json_form::headers")]
    pub headers: Vec<(String, String)>,
    /// The body; empty for `GET`.
    #[serde(with = "body_serde")]
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `GET` request with no headers.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: Method::Get,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `POST` request with a JSON body and its content type.
    pub fn post_json(url: impl Into<String>, body: Vec<u8>) -> Self {
        Self {
            method: Method::Post,
            url: url.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        }
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response as the driver received it.
///
/// JSON form: `{"status":200,"headers":{"content-type":"application/json"},"body":"{\"token\":\"…\",\"expires_in\":7200}"}`.
/// A driver may send the body as a string or as an array of bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values, in order (a JSON object, as `wx.request` gives them; a value
    /// may be an array of strings for a repeated header).
    #[serde(default, with = "crate::json_form::headers")]
    pub headers: Vec<(String, String)>,
    /// The body.
    #[serde(with = "body_serde", default)]
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a JSON body and its content type.
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        }
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What the driver hands back for a request: the response, or why there was none.
pub type HttpResult = Result<HttpResponse, TransportFailure>;

/// Why a request got no response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum TransportFailure {
    /// The driver's own timeout fired before an answer came.
    #[error("request timed out")]
    Timeout,
    /// The connection could not be made or broke.
    #[error("connection failed: {message}")]
    Connection {
        /// What the driver's HTTP client said.
        message: String,
    },
    /// Any other failure of the driver's HTTP client.
    #[error("transport failed: {message}")]
    Other {
        /// What the driver's HTTP client said.
        message: String,
    },
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Keys whose values are secrets or single-use credentials: query parameters here (a request's
/// `Debug`), and wherever they appear in a text from the world for the server's one scrub
/// (`server::wechat_api`), which matches them case-insensitively.
pub(crate) const SENSITIVE_KEYS: &[&str] = &[
    "secret",
    "appsecret",
    "js_code",
    "code",
    "access_token",
    "component_access_token",
    "refresh_token",
    "token",
    "session_key",
    "signature",
];

/// Headers whose values never carry a secret and help when reading a trace.
const PLAIN_HEADERS: &[&str] = &["content-type", "content-length", "accept"];

/// The URL with the values of sensitive query parameters replaced by `[redacted]`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SENSITIVE_KEYS.contains(&key) => format!("{key}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, v)| {
                let plain = PLAIN_HEADERS.iter().any(|p| k.eq_ignore_ascii_case(p));
                (k.as_str(), if plain { v.as_str() } else { "[redacted]" })
            }))
            .finish()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

/// Bodies travel as a JSON string when they are UTF-8 and as an array of bytes otherwise.
mod body_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(body: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => serializer.collect_seq(body),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Body {
        Text(String),
        Bytes(Vec<u8>),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(match Body::deserialize(d)? {
            Body::Text(text) => text.into_bytes(),
            Body::Bytes(bytes) => bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets_in_url_headers_and_body() {
        let mut request = HttpRequest::post_json(
            "https://api.example/sns/jscode2session?appid=wx1&secret=S3CR3T&js_code=C0DE",
            b"{\"code\":\"C0DE\"}".to_vec(),
        );
        request
            .headers
            .push(("Authorization".into(), "Bearer T0KEN".into()));
        let debug = format!("{request:?}");
        for marker in ["S3CR3T", "C0DE", "T0KEN"] {
            assert!(!debug.contains(marker), "{marker} leaked in {debug}");
        }
        assert!(debug.contains("appid=wx1"));
        assert!(debug.contains("application/json"));
    }

    #[test]
    fn body_round_trips_as_text_or_bytes() {
        let response = HttpResponse::json(200, b"{\"a\":1}".to_vec());
        let json = serde_json::to_string(&response).unwrap();
        assert!(json.contains(r#""body":"{\"a\":1}""#), "{json}");
        assert_eq!(
            serde_json::from_str::<HttpResponse>(&json).unwrap(),
            response
        );

        let binary = HttpResponse::json(500, vec![0xff, 0x00]);
        let json = serde_json::to_string(&binary).unwrap();
        assert!(json.contains("[255,0]"), "{json}");
        assert_eq!(serde_json::from_str::<HttpResponse>(&json).unwrap(), binary);
    }

    #[test]
    fn transport_error_json_is_tagged() {
        let json = serde_json::to_string(&TransportFailure::Timeout).unwrap();
        assert_eq!(json, r#"{"kind":"timeout"}"#);
    }
}
