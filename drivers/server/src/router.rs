//! [`router`]: the wire contract's login and session-check routes on a [`LoginService`].

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use time::OffsetDateTime;
use tracing::Instrument;
use wxlogin::server::session::SessionCheck;
use wxlogin::wire::WireFailure;

use crate::answers;
use crate::convert::into_axum;
use crate::extract::resolve;
use crate::service::LoginService;

/// The login (`POST`, [`login_path`](crate::ServerConfig::login_path)) and session-check
/// (`GET`, [`session_path`](crate::ServerConfig::session_path)) routes, with the configured
/// body limit. `merge` or `nest` it into your app; its state is already applied.
pub fn router<S>(service: LoginService) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let config = service.config();
    Router::new()
        .route(&config.login_path, post(login))
        .route(&config.session_path, get(session_check))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .with_state(service)
}

/// `POST /login`: the body goes to the login task; the coordinator's answer comes back.
async fn login(State(service): State<LoginService>, request: Request) -> Response {
    let span = tracing::info_span!("wx_login");
    async move {
        let limit = service.config().body_limit;
        let body = match axum::body::to_bytes(request.into_body(), limit).await {
            Ok(body) => body,
            Err(_) => {
                let error = WireFailure::TooLarge {
                    len: limit.saturating_add(1),
                    max: limit,
                };
                return into_axum(answers::bad_token_or_body(&error));
            }
        };
        into_axum(service.login(body.to_vec()).await)
    }
    .instrument(span)
    .await
}

/// `GET /session`: `200 {"expires_in": N}` while the session lasts, the extractor's answers
/// otherwise.
async fn session_check(State(service): State<LoginService>, request: Request) -> Response {
    let span = tracing::info_span!("wx_session_check");
    async move {
        let (parts, _) = request.into_parts();
        let response = match resolve(&service, &parts).await {
            // The extractor did step 1 (the header, or the body field of a `wx.request`
            // wrapper) and the lookup; step 2 answers with what it found.
            Ok(session) => SessionCheck::from_token(session.token().clone())
                .answer(Some(session.session()), OffsetDateTime::now_utc()),
            Err(answer) => answer,
        };
        into_axum(response)
    }
    .instrument(span)
    .await
}
