//! The HTTP client for WeChat's API: reqwest over rustls (ring), turning a `wxlogin`
//! [`HttpRequest`] into an [`HttpResponse`] or the [`TransportFailure`] the machines expect.

use std::time::Duration;

use wxlogin::http::{HttpRequest, HttpResponse, Method, TransportFailure};

/// The largest answer read from WeChat; the crate's parsers refuse anything over 64 KiB.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// A pooled HTTPS client; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct WeChatHttp {
    client: reqwest::Client,
}

impl WeChatHttp {
    /// A client with its own pool, on rustls with the ring provider (no C toolchain beyond a
    /// C compiler, no cmake), trusting the platform's roots.
    pub(crate) fn new() -> Result<Self, reqwest::Error> {
        // Another part of the process may have installed a provider already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().build()?;
        Ok(Self { client })
    }

    /// Sends `request` and reads the whole answer, giving up after `timeout`.
    ///
    /// reqwest's errors quote the URL, which carries the app secret and the code: the message
    /// is built from the error's kind only.
    pub(crate) async fn send(
        &self,
        request: &HttpRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportFailure> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self
            .client
            .request(method, &request.url)
            .timeout(timeout)
            .body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut response = builder.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status().as_u16();
        let headers = crate::convert::header_pairs(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(TransportFailure::Other {
                    message: "wechat's answer exceeds 1 MiB".into(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The error's kind, never its URL.
fn transport_error(error: &reqwest::Error) -> TransportFailure {
    if error.is_timeout() {
        return TransportFailure::Timeout;
    }
    let what = if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the answer's body broke off"
    } else if error.is_request() {
        "the request failed"
    } else {
        "the exchange failed"
    };
    TransportFailure::Connection {
        message: what.to_owned(),
    }
}
