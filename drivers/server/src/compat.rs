//! weRequest 1.x compatibility, opt-in.
//!
//! weRequest 1.x (the most used mini-program login wrapper) notices an expired session only in
//! a `200` body, and sends the token as a data field (`session` by default) rather than a
//! header. Two options serve it without changing the default contract:
//! - [`expiry_as_200_on`](WeRequestCompat::expiry_as_200_on): on these paths, an unknown or
//!   expired session is answered `200 {"error":"session_expired",…}` instead of `401`;
//! - [`token_field`](WeRequestCompat::token_field): when no token header is present, the
//!   token is read from this query field, or from this field of a JSON body, by the
//!   [`werequest_token`] middleware.
//!
//! The defaults stay `401` and header-only, because the crate's own `LoginMachine` relies on
//! them. **Warning:** a token in a query string appears in URLs, proxy logs and access logs;
//! prefer the header (weRequest's `setHeader`) wherever the client allows it.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use wxlogin::http::HttpResponse;
use wxlogin::secret::SessionToken;
use wxlogin::wire::{ErrorBody, ErrorKind, WireFailure, validate_token};

use crate::service::LoginService;

/// The weRequest 1.x options; the default turns both off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WeRequestCompat {
    /// Request paths (exact) on which an expired or unknown session is answered with
    /// `200 {"error":"session_expired",…}` instead of `401`.
    pub expiry_as_200_on: Vec<String>,
    /// The query or JSON body field the token may come in when no header is present
    /// (weRequest's `sessionName`, `session` by default); `None` reads the header only.
    pub token_field: Option<String>,
}

impl WeRequestCompat {
    /// weRequest 1.x's defaults: the token in a `session` field, and expiries answered `200`
    /// on `paths` (the business routes its requests go to).
    pub fn werequest_1x<I, P>(paths: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        Self {
            expiry_as_200_on: paths.into_iter().map(Into::into).collect(),
            token_field: Some("session".into()),
        }
    }

    /// Whether an expiry on `path` is answered `200`.
    pub(crate) fn expiry_as_200(&self, path: &str) -> bool {
        self.expiry_as_200_on.iter().any(|p| p == path)
    }
}

/// The expiry answer on a path configured for weRequest 1.x: `200` with the error body.
pub(crate) fn expired_as_200() -> HttpResponse {
    let body = ErrorBody::new(
        ErrorKind::SessionExpired,
        "the session is unknown or expired",
    );
    let mut response = body.to_response();
    response.status = 200;
    response
}

/// A token found in a field by [`werequest_token`], for the extractor.
#[derive(Clone, Debug)]
pub(crate) struct FieldToken(pub(crate) Result<SessionToken, WireFailure>);

/// Middleware for weRequest 1.x: when the request has no token header and
/// [`WeRequestCompat::token_field`] is set, finds the token in that query field or JSON body
/// field and hands it to [`WxSession`](crate::WxSession). Add it to the business routes:
///
/// ```
/// # use axum::{Router, routing::get};
/// # fn app(service: wxlogin_server::LoginService) -> Router {
/// Router::new()
///     .route("/orders", get(|| async { "…" }))
///     .layer(axum::middleware::from_fn_with_state(
///         service.clone(),
///         wxlogin_server::werequest_token,
///     ))
///     .with_state(service)
/// # }
/// ```
pub async fn werequest_token(
    State(service): State<LoginService>,
    request: Request,
    next: Next,
) -> Response {
    let config = service.config();
    let Some(field) = config.werequest.token_field.clone() else {
        return next.run(request).await;
    };
    if request.headers().contains_key(config.token_header.name()) {
        return next.run(request).await;
    }
    let limit = config.body_limit;
    let (mut parts, body) = request.into_parts();
    let mut found = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(query)| query.get(&field).cloned());
    let body = if found.is_none() && is_json(&parts.headers) {
        match axum::body::to_bytes(body, limit).await {
            Ok(bytes) => {
                found = json_field(&bytes, &field);
                Body::from(bytes)
            }
            // Too large or broken: the route's own body extractor would refuse it too.
            Err(_) => Body::empty(),
        }
    } else {
        body
    };
    if let Some(token) = found {
        let token = validate_token(&token).map(|()| SessionToken::new(token));
        parts.extensions.insert(FieldToken(token));
    }
    next.run(Request::from_parts(parts, body)).await
}

fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"))
}

fn json_field(body: &[u8], field: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(str::to_owned)
}
