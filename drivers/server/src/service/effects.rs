//! The effects the coordinator asks for, run as tasks: the code2Session call (alone, or joined
//! across replicas through Redis) and the creation of a session in the store.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tracing::debug;
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::secret::SessionToken;
use wxlogin::server::session::SessionRecord;

use crate::random;
use crate::store::{SessionStore, StoreError};
use crate::wechat_http::WeChatHttp;

/// What every effect task needs; shared by reference count.
pub(crate) struct Effects {
    pub(crate) http: WeChatHttp,
    pub(crate) store: Arc<dyn SessionStore>,
    /// Added to the machine's deadline for the HTTP client's own timeout.
    pub(crate) call_grace: Duration,
    /// How long a session write retries a store that is down.
    pub(crate) store_write_patience: Duration,
    #[cfg(feature = "redis")]
    pub(crate) join: Option<crate::join::CodeJoin>,
}

impl Effects {
    /// Sends a code2Session request. The HTTP client's timeout is the machine's plus the
    /// grace, so the machine's deadline fires first and decides.
    pub(crate) async fn call_wechat(
        &self,
        request: HttpRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportFailure> {
        let limit = timeout.saturating_add(self.call_grace);
        #[cfg(feature = "redis")]
        if let Some(join) = &self.join {
            return join.exchange(&self.http, &request, limit).await;
        }
        self.http.send(&request, limit).await
    }

    /// Stores `session` under a fresh token from the operating system. A store that is down
    /// is retried (25 ms, doubling to 400 ms) for the configured patience: WeChat has taken the
    /// code already, so a failure here spends it, and a Redis restart lasts well under that.
    pub(crate) async fn create_session(
        &self,
        session: SessionRecord,
    ) -> Result<(SessionToken, OffsetDateTime), StoreError> {
        let token = random::session_token()
            .map_err(|e| StoreError::Unavailable(format!("no randomness for a token: {e}")))?;
        let give_up = tokio::time::Instant::now() + self.store_write_patience;
        let mut pause = Duration::from_millis(25);
        loop {
            match self.store.insert(&token, &session).await {
                Ok(()) => return Ok((token, session.expires_at)),
                Err(error @ StoreError::Unavailable(_))
                    if tokio::time::Instant::now() + pause < give_up =>
                {
                    debug!(%error, "session store down: the write is retried");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(400));
                }
                Err(error) => return Err(error),
            }
        }
    }
}
