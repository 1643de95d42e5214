//! Between `wxlogin`'s plain HTTP values and axum's types: what a route of your own around
//! [`LoginService::login`](crate::LoginService::login) or the core's answers needs.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use wxlogin::http::HttpResponse;

/// The axum response for a `wxlogin` [`HttpResponse`]. A header that is not valid HTTP is
/// dropped (the crate builds none) and an impossible status becomes 500.
pub fn into_axum(response: HttpResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::with_capacity(response.headers.len());
    for (name, value) in &response.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            headers.append(name, value);
        }
    }
    (status, headers, Body::from(response.body)).into_response()
}

/// Headers as the `(name, value)` pairs `wxlogin` takes; values that are not visible ASCII
/// are skipped (no header of the protocol carries anything else).
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect()
}
