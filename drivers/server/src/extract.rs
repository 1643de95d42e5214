//! [`WxSession`]: the extractor for business routes. It yields the caller's session or
//! rejects with the wire contract's answer, itself a response.

use std::fmt;

use axum::extract::{FromRef, FromRequestParts};
use axum::response::Response;
use http::request::Parts;
use time::OffsetDateTime;
use tracing::{debug, error};
use wxlogin::http::HttpResponse;
use wxlogin::secret::{SessionKey, SessionToken};
use wxlogin::server::session::SessionRecord;
use wxlogin::wire::WireFailure;

use crate::answers;
use crate::compat::{FieldToken, expired_as_200};
use crate::convert::{header_pairs, into_axum};
use crate::redact::fingerprint;
use crate::service::LoginService;
use crate::store::StoreError;

/// The caller's session, for a business route:
///
/// | request | answer |
/// |---|---|
/// | a token of a live session | the handler runs with this `WxSession` |
/// | no token, or one unknown or expired | `401 session_expired` (the client logs in again) |
/// | a token header that cannot be read | `400 bad_request` |
/// | the session store is down | `503 upstream_unavailable` with `retry_after`, never `401` |
///
/// The state must give a [`LoginService`] (`FromRef`). `Debug` shows the openid, unionid
/// and expiry; the session key only comes out through [`session_key`](Self::session_key).
#[derive(Clone)]
pub struct WxSession {
    token: SessionToken,
    session: SessionRecord,
}

impl WxSession {
    /// The user's id within this mini program.
    pub fn openid(&self) -> &str {
        &self.session.openid
    }

    /// The user's Open Platform id, when the app is bound to one.
    pub fn unionid(&self) -> Option<&str> {
        self.session.unionid.as_deref()
    }

    /// When the session ends.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.session.expires_at
    }

    /// When the session began.
    pub fn created_at(&self) -> OffsetDateTime {
        self.session.created_at
    }

    /// WeChat's session key, for decrypting open data. Keep it out of responses and logs.
    pub fn session_key(&self) -> &SessionKey {
        &self.session.session_key
    }

    /// The token the request carried (for a logout).
    pub fn token(&self) -> &SessionToken {
        &self.token
    }

    /// The whole record.
    pub fn session(&self) -> &SessionRecord {
        &self.session
    }
}

impl fmt::Debug for WxSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WxSession")
            .field("openid", &self.session.openid)
            .field("unionid", &self.session.unionid)
            .field("expires_at", &self.session.expires_at)
            .finish_non_exhaustive()
    }
}

impl<S> FromRequestParts<S> for WxSession
where
    LoginService: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let service = LoginService::from_ref(state);
        resolve(&service, parts).await.map_err(into_axum)
    }
}

/// The session of a request, or the answer that refuses it.
pub(crate) async fn resolve(
    service: &LoginService,
    parts: &Parts,
) -> Result<WxSession, HttpResponse> {
    let config = service.config();
    let expired = || {
        if config.werequest.expiry_as_200(parts.uri.path()) {
            expired_as_200()
        } else {
            answers::session_expired()
        }
    };
    let token = match config.token_header.decode(&header_pairs(&parts.headers)) {
        Ok(token) => token,
        Err(WireFailure::MissingToken) => match parts.extensions.get::<FieldToken>() {
            Some(FieldToken(Ok(token))) => token.clone(),
            Some(FieldToken(Err(e))) => return Err(answers::bad_token_or_body(e)),
            None => return Err(expired()),
        },
        Err(e) => return Err(answers::bad_token_or_body(&e)),
    };
    match service.session(&token).await {
        Ok(Some(session)) => Ok(WxSession { token, session }),
        Ok(None) => {
            debug!(token = %fingerprint(token.expose_secret()), "no live session");
            Err(expired())
        }
        Err(e @ StoreError::Unreadable(_)) => {
            error!(token = %fingerprint(token.expose_secret()), error = %e, "session unreadable");
            Err(expired())
        }
        Err(e) => {
            error!(error = %e, "session store down");
            Err(answers::store_unavailable(config.store_retry_after))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_who_but_not_the_key_or_the_token() {
        let session = WxSession {
            token: SessionToken::new("TOKENMARKER-debug"),
            session: SessionRecord {
                openid: "o-debug".into(),
                unionid: None,
                session_key: SessionKey::new("KEYMARKER-debug"),
                created_at: OffsetDateTime::UNIX_EPOCH,
                expires_at: OffsetDateTime::UNIX_EPOCH,
            },
        };
        let text = format!("{session:?}");
        assert!(text.contains("o-debug"));
        assert!(
            !text.contains("TOKENMARKER") && !text.contains("KEYMARKER"),
            "{text}"
        );
        assert_eq!(session.session_key().expose_secret(), "KEYMARKER-debug");
    }
}
