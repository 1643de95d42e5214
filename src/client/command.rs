//! What a [`LoginMachine`](super::LoginMachine) asks its driver to do.

use crate::{EffectId, Waiters};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::LoginFailure;
use crate::http::HttpRequest;
use crate::secret::{SessionToken, StorageValue};

/// A session the developer server granted or confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The token to send with every business request.
    pub token: SessionToken,
    /// When the server said the session ends (whole milliseconds since the Unix epoch in JSON).
    #[serde(with = "crate::json_form::millis")]
    pub expires_at: OffsetDateTime,
}

/// One thing for the driver to do. Drain them all with
/// [`poll_command`](super::LoginMachine::poll_command) after every input, and carry them out in
/// order.
///
/// JSON form (tagged by `type`, keys in camelCase, the outcome as `{"ok": …}` or
/// `{"error": …}`, headers as an object, instants in whole milliseconds since the Unix epoch;
/// see [`json_form`](crate::json_form)):
/// ```json
/// {"type":"readStorage","id":0,"key":"wxlogin.session"}
/// {"type":"checkWxSession","id":1}
/// {"type":"wxLogin","id":2,"timeoutMs":10000}
/// {"type":"sendRequest","id":3,"request":{"method":"POST","url":"https://api.example.com/login","headers":{"content-type":"application/json"},"body":"{\"code\":\"…\"}"},"timeoutMs":15000}
/// {"type":"writeStorage","key":"wxlogin.session","value":"{\"v\":1,…}"}
/// {"type":"removeStorage","key":"wxlogin.session"}
/// {"type":"complete","waiters":[1,2],"outcome":{"ok":{"token":"…","expiresAt":1700007200000}}}
/// {"type":"complete","waiters":[3],"outcome":{"error":{"kind":"loggedOut"}}}
/// ```
///
/// **Drivers match commands exhaustively**, in Rust with a `match` that has no `_` arm and in
/// JavaScript with a `switch` whose `default` reports an unknown `type` as a version mismatch:
/// a new command kind must fail to compile, or fail loudly, rather than be skipped, because
/// every effect command waits for its answer and every `complete` settles waiters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[must_use = "every command must be carried out, or the machine waits until its deadline"]
pub enum Command {
    /// Read `key` (`wx.getStorageSync`); answer with [`Event::StorageRead`](super::Event::StorageRead).
    ReadStorage {
        /// Echo it in the answer.
        id: EffectId,
        /// The storage key.
        key: String,
    },
    /// Call `wx.checkSession`; answer with [`Event::CheckSessionResult`](super::Event::CheckSessionResult).
    CheckWxSession {
        /// Echo it in the answer.
        id: EffectId,
    },
    /// Call `wx.login({timeout})`; answer with [`Event::CodeObtained`](super::Event::CodeObtained).
    WxLogin {
        /// Echo it in the answer.
        id: EffectId,
        /// The timeout to pass to `wx.login`, in milliseconds.
        timeout_ms: u64,
    },
    /// Send `request` to the developer server; answer with
    /// [`Event::ServerResponse`](super::Event::ServerResponse), whatever the status.
    SendRequest {
        /// Echo it in the answer.
        id: EffectId,
        /// The request, ready to send.
        request: HttpRequest,
        /// The timeout to give the HTTP client, in milliseconds.
        timeout_ms: u64,
    },
    /// Store `value` under `key` (`wx.setStorageSync`). No answer: if it fails, the next launch
    /// simply logs in again.
    WriteStorage {
        /// The storage key.
        key: String,
        /// The record's JSON text.
        value: StorageValue,
    },
    /// Remove `key` (`wx.removeStorageSync`). No answer.
    RemoveStorage {
        /// The storage key.
        key: String,
    },
    /// Settle these waiters with one outcome. Each waiter appears in exactly one `Complete`.
    Complete {
        /// The requests settled (one held without an allocation).
        waiters: Waiters,
        /// The session, or why there is none.
        #[serde(with = "crate::json_form::result")]
        outcome: Result<Session, LoginFailure>,
    },
}

impl Command {
    /// The id the answering event must carry, for commands that expect an answer.
    pub fn id(&self) -> Option<EffectId> {
        match self {
            Command::ReadStorage { id, .. }
            | Command::CheckWxSession { id }
            | Command::WxLogin { id, .. }
            | Command::SendRequest { id, .. } => Some(*id),
            Command::WriteStorage { .. }
            | Command::RemoveStorage { .. }
            | Command::Complete { .. } => None,
        }
    }
}
