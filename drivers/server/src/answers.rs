//! The wire answers this crate gives itself (the coordinator gives the login's): a store
//! outage, an unknown or expired session, a malformed token.

use wxlogin::http::HttpResponse;
use wxlogin::server::session::SessionCheck;
use wxlogin::wire::{ErrorBody, ErrorKind, WireFailure};

/// `503 upstream_unavailable` with `retry_after`: the session store is down. Never a 401,
/// which would send every client to `wx.login` at once.
pub(crate) fn store_unavailable(retry_after: time::Duration) -> HttpResponse {
    SessionCheck::store_unavailable(retry_after)
}

/// `401 session_expired`: no token, or a token the store does not know or that has ended.
pub(crate) fn session_expired() -> HttpResponse {
    wxlogin::server::session::expired_response()
}

/// `400 bad_request` for a token header or body that could not be read (messages never echo the input).
pub(crate) fn bad_token_or_body(error: &WireFailure) -> HttpResponse {
    wxlogin::server::session::bad_token_response(error)
}

/// `500 internal`: the login task is gone (it never stops while a handle lives).
pub(crate) fn service_gone() -> HttpResponse {
    ErrorBody::new(ErrorKind::Internal, "the login service is unavailable").to_response()
}
