//! The developer server's two endpoints of the wire contract.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use http::HeaderMap;
use tokio::sync::oneshot;
use wxlogin::server::session::SessionCheck;
use wxlogin::wire::MAX_BODY_BYTES;

use super::login_task::{Input, unavailable};
use super::{DevServer, DevServerConfig, SessionStore};
use crate::http_values::{header_pairs, into_axum};

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

/// `GET /session`: `200 {"expires_in": N}` while the session lasts, `401` otherwise: the two
/// steps of [`SessionCheck`] with the async store between them.
async fn session<S: SessionStore>(
    State(server): State<Arc<DevServer<S>>>,
    headers: HeaderMap,
) -> Response {
    server.stats.session_check();
    let response = match SessionCheck::read(&server.token_header, &header_pairs(&headers)) {
        Err(bad_request) => bad_request,
        Ok(check) => {
            let found = server.store.get(check.token()).await;
            check.answer(found.as_ref(), server.clock.now())
        }
    };
    server
        .trace
        .log("server", format!("GET /session -> {}", response.status));
    into_axum(response)
}
