//! Conversions between `wxlogin`'s plain HTTP values and the `http` crate's types that hyper
//! and axum use. The machines describe requests and answers as data; these functions are the
//! only place that data meets a real HTTP stack.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use wxlogin::http::{HttpRequest, HttpResponse, Method};

/// Header pairs as `wxlogin` takes them. Values that are not visible ASCII are skipped: no
/// header of the protocol carries anything else.
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect()
}

/// The axum response carrying `response`. A header that `http` refuses is dropped; the
/// crate only builds `content-type`.
pub fn into_axum(response: HttpResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, Body::from(response.body)).into_response();
    for (name, value) in &response.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            out.headers_mut().insert(name, value);
        }
    }
    out
}

/// The `http` request for `request`, or `None` if its URL or a header is not valid HTTP.
pub fn to_http_request(request: &HttpRequest) -> Option<http::Request<Bytes>> {
    let method = match request.method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
    };
    let mut builder = http::Request::builder().method(method).uri(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    builder.body(Bytes::from(request.body.clone())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_and_requests_convert() {
        let response = into_axum(HttpResponse::json(401, b"{}".to_vec()));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["content-type"], "application/json");

        let mut request = HttpRequest::post_json("http://127.0.0.1:1/login", b"{}".to_vec());
        request
            .headers
            .push(("authorization".into(), "Bearer t".into()));
        let built = to_http_request(&request).unwrap();
        assert_eq!(built.method(), http::Method::POST);
        assert_eq!(header_pairs(built.headers()).len(), 2);
        assert!(to_http_request(&HttpRequest::get("not a url")).is_none());
    }
}
