//! The one conversion the drivers need that `wxlogin-server` does not give: a `wxlogin`
//! request as the `http` crate's, for hyper's client. (Answers into axum and headers into
//! pairs are [`wxlogin_server::into_axum`] and [`wxlogin_server::header_pairs`].)

use bytes::Bytes;
use wxlogin::http::{HttpRequest, Method};

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
    fn requests_convert_and_bad_urls_do_not() {
        let mut request = HttpRequest::post_json("http://127.0.0.1:1/login", b"{}".to_vec());
        request
            .headers
            .push(("authorization".into(), "Bearer t".into()));
        let built = to_http_request(&request).unwrap();
        assert_eq!(built.method(), http::Method::POST);
        assert_eq!(wxlogin_server::header_pairs(built.headers()).len(), 2);
        assert!(to_http_request(&HttpRequest::get("not a url")).is_none());
    }
}
