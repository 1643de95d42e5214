//! What the [`LoginCoordinator`](super::LoginCoordinator) asks its driver to do.

use time::{Duration, OffsetDateTime};

use super::error::ExchangeFailure;
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::SessionToken;
use crate::server::session::SessionRecord;
use crate::{EffectId, RequestId};

/// An output of the server login machines. Each effect names the event that answers it.
///
/// **Drivers match commands exhaustively** (a `match` with no `_` arm): every effect waits for
/// its answer and every `Complete` settles requests, so a new kind must fail to compile rather
/// than be skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "every command must be carried out, or the machine waits until its deadline"]
pub enum Command {
    /// Send `request` to WeChat (code2Session) and answer with
    /// [`Event::WeChatAnswered`](super::Event::WeChatAnswered) carrying `id`. After `timeout`
    /// the machine counts the call as a transport timeout and a late answer changes nothing.
    CallWeChat {
        /// Echo it in the answer.
        id: EffectId,
        /// The request; its `Debug` hides the secret and the code.
        request: HttpRequest,
        /// How long the machine waits for the answer.
        timeout: Duration,
    },
    /// Store `session` under a token you generate and answer with
    /// [`Event::SessionCreated`](super::Event::SessionCreated) (or
    /// [`Event::SessionNotCreated`](super::Event::SessionNotCreated)) carrying `id`.
    CreateSession {
        /// Echo it in the answer.
        id: EffectId,
        /// The record to store; `expires_at` is the proposed end (now + the configured lifetime).
        session: SessionRecord,
    },
    /// Send `response` to every request in `waiters` (the `RequestId`s of their `Received`).
    /// No event answers it.
    Complete {
        /// The requests this answers (duplicates of one code joined by the coordinator).
        waiters: Vec<RequestId>,
        /// The wire answer, ready to send: the login grant with `expires_in` counted at the
        /// instant of the answer, or an error body with no secret and no configuration detail.
        /// It is here, not derived by the driver from `outcome`, so that the wire contract has
        /// one author.
        response: HttpResponse,
        /// What happened, with every detail, for the operator's log.
        outcome: ExchangeOutcome,
    },
}

/// How one login ended, for the operator's log. `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExchangeOutcome {
    /// The client got a session.
    Granted {
        /// The user's id within this mini program.
        openid: String,
        /// The user's Open Platform id, if any.
        unionid: Option<String>,
        /// The token the client got.
        token: SessionToken,
        /// When the session ends.
        expires_at: OffsetDateTime,
    },
    /// The client got an error body.
    Failed(ExchangeFailure),
}
