//! The developer server's two endpoints of the wire contract.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use http::HeaderMap;
use tokio::sync::oneshot;
use wxlogin::server::session::{bad_token_response, expired_response};
use wxlogin::wire::MAX_BODY_BYTES;

use super::login_task::{Input, unavailable};
use super::{DevServer, DevServerConfig, SessionStore};
use crate::drive::http_values::{header_pairs, into_axum};

pub(super) fn router<S: SessionStore>(
    server: Arc<DevServer<S>>,
    config: &DevServerConfig,
) -> Router {
    Router::new()
        .route(&config.login_path, post(login::<S>))
        .route(&config.session_path, get(session::<S>))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(server)
}

/// `POST /login`: hands the body to the login task and waits for the coordinator's answer.
async fn login<S: SessionStore>(State(server): State<Arc<DevServer<S>>>, body: Bytes) -> Response {
    server.stats.login_request();
    let (reply, answer) = oneshot::channel();
    let input = Input::Received {
        body: body.to_vec(),
        reply,
    };
    if server.logins.send(input).await.is_err() {
        return into_axum(unavailable());
    }
    into_axum(answer.await.unwrap_or_else(|_| unavailable()))
}

/// `GET /session`: `200 {"expires_in": N}` while the session lasts, `401` otherwise.
///
/// `wxlogin::server::session::answer_session_check` does this in one call for a store that
/// can lend a `&Session` synchronously; an async store needs the steps spelled out.
async fn session<S: SessionStore>(
    State(server): State<Arc<DevServer<S>>>,
    headers: HeaderMap,
) -> Response {
    server.stats.session_check();
    let response = match server.token_header.decode(&header_pairs(&headers)) {
        Err(error) => bad_token_response(&error),
        Ok(token) => match server.store.get(&token).await {
            Some(session) => session.check_response(server.clock.now()),
            None => expired_response(),
        },
    };
    server
        .trace
        .log("server", format!("GET /session -> {}", response.status));
    into_axum(response)
}
