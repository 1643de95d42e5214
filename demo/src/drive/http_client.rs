//! The HTTP client every party uses (hyper-util's pooled client over plain HTTP on loopback):
//! sends a `wxlogin` [`HttpRequest`] and hands back an [`HttpResponse`] or the
//! [`TransportFailure`] the machines expect.
//!
//! A deployment talking to `api.weixin.qq.com` needs HTTPS: put `hyper-rustls`'s connector in
//! place of `HttpConnector`, nothing else changes.
//!
//! A [`Route`] may send a request elsewhere than its URL says: a front that spreads the
//! requests for one address over several replicas, as a load balancer would.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};

use wxlogin_server::header_pairs;

use crate::drive::http_values::to_http_request;

/// The largest response body read; the crate's parsers refuse anything over 64 KiB anyway.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Where a request is really sent.
pub trait Route: Send + Sync + fmt::Debug {
    /// The URL to send a request for `url` to; `None` sends it to `url` itself.
    fn route(&self, url: &str) -> Option<String>;
}

/// A pooled HTTP/1.1 client; cheap to clone.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: Client<HttpConnector, Full<Bytes>>,
    route: Option<Arc<dyn Route>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClient {
    /// A client with its own connection pool.
    pub fn new() -> Self {
        Self {
            inner: Client::builder(TokioExecutor::new()).build_http(),
            route: None,
        }
    }

    /// The same client (and pool), sending every request where `route` says.
    pub fn routed(&self, route: Arc<dyn Route>) -> Self {
        Self {
            inner: self.inner.clone(),
            route: Some(route),
        }
    }

    /// Sends `request` and reads the whole answer within `timeout`.
    ///
    /// Error messages come from hyper and the operating system, which do not quote URLs; the
    /// machines redact them again before logging.
    pub async fn send(
        &self,
        request: &HttpRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportFailure> {
        tokio::time::timeout(timeout, self.exchange(request))
            .await
            .unwrap_or(Err(TransportFailure::Timeout))
    }

    async fn exchange(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let routed = self.route.as_ref().and_then(|r| r.route(&request.url));
        let rerouted;
        let request = match routed {
            Some(url) => {
                rerouted = {
                    let mut moved = request.clone();
                    moved.url = url;
                    moved
                };
                &rerouted
            }
            None => request,
        };
        let request = to_http_request(request).ok_or_else(|| TransportFailure::Other {
            message: "the request is not valid HTTP (URL or header)".into(),
        })?;
        let response = self
            .inner
            .request(request.map(Full::new))
            .await
            .map_err(|e| connection_error(&e))?;
        let status = response.status().as_u16();
        let headers = header_pairs(response.headers());
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| connection_error(e.as_ref()))?
            .to_bytes();
        Ok(HttpResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}

/// The error and its causes in one line: `client error (SendRequest): connection closed …`.
fn connection_error(error: &(dyn std::error::Error + 'static)) -> TransportFailure {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportFailure::Connection { message }
}
