//! What the driver tells a [`LoginMachine`](super::LoginMachine): requests from the app and the
//! answers to the machine's commands.

use crate::{EffectId, WaiterId};
use serde::{Deserialize, Serialize};

use super::kind::EventKind;
use crate::http::{HttpResponse, TransportFailure};
use crate::secret::{LoginCode, SessionToken, StorageValue};

/// One input to [`LoginMachine::handle`](super::LoginMachine::handle).
///
/// JSON form (tagged by `type`, keys in camelCase, results as `{"ok": …}` or `{"error": …}`,
/// headers as an object, ids at most 2^53 - 1; see [`json_form`](crate::json_form)):
/// ```json
/// {"type":"loginRequested","waiter":1}
/// {"type":"storageRead","id":0,"value":"{\"v\":1,\"token\":\"…\",\"expires_at\":1700007200,\"issued_at\":1700000000}"}
/// {"type":"storageRead","id":0,"value":null}
/// {"type":"checkSessionResult","id":1,"result":{"ok":null}}
/// {"type":"codeObtained","id":2,"result":{"ok":"081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2"}}
/// {"type":"codeObtained","id":2,"result":{"error":{"errMsg":"login:fail timeout","errno":5}}}
/// {"type":"serverResponse","id":3,"result":{"ok":{"status":200,"headers":{"content-type":"application/json"},"body":"{\"token\":\"…\",\"expires_in\":7200}"}}}
/// {"type":"serverResponse","id":3,"result":{"error":{"kind":"timeout"}}}
/// {"type":"sessionRejected","waiter":7,"token":"…"}
/// {"type":"logout"}
/// ```
/// The storage record inside `value` is the machine's own versioned format, not this form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// The app needs a session. Answered by exactly one [`Command::Complete`](super::Command::Complete)
    /// naming `waiter`.
    LoginRequested {
        /// The driver's name for this request; unique among requests not yet completed.
        waiter: WaiterId,
    },
    /// Answers [`Command::ReadStorage`](super::Command::ReadStorage). `value` is what
    /// `wx.getStorageSync` returned: `None` or `""` when the key is missing. A driver whose
    /// storage holds a non-string passes its JSON text.
    StorageRead {
        /// The command's id.
        id: EffectId,
        /// The stored text.
        value: Option<StorageValue>,
    },
    /// Answers [`Command::CheckWxSession`](super::Command::CheckWxSession): `Ok` when
    /// `wx.checkSession` succeeded, `Err` with what its `fail` callback gave.
    CheckSessionResult {
        /// The command's id.
        id: EffectId,
        /// The outcome.
        #[serde(with = "crate::json_form::result")]
        result: Result<(), WxFailure>,
    },
    /// Answers [`Command::WxLogin`](super::Command::WxLogin) with the code or the failure.
    CodeObtained {
        /// The command's id.
        id: EffectId,
        /// The code, or what `fail` gave.
        #[serde(with = "crate::json_form::result")]
        result: Result<LoginCode, WxFailure>,
    },
    /// Answers [`Command::SendRequest`](super::Command::SendRequest) with the response (any
    /// status) or the reason there is none.
    ServerResponse {
        /// The command's id.
        id: EffectId,
        /// The response or the transport failure.
        #[serde(with = "crate::json_form::result")]
        result: Result<HttpResponse, TransportFailure>,
    },
    /// A business request sent with `token` got 401. The machine logs in again if `token` is
    /// still its session, and completes `waiter` with the session to replay the request with
    /// (once), or with a failure.
    SessionRejected {
        /// The driver's name for the replay.
        waiter: WaiterId,
        /// The token the rejected request carried.
        token: SessionToken,
    },
    /// The user logs out: the record is removed, the session forgotten, and every waiter in
    /// flight fails with [`LoginFailure::LoggedOut`](super::LoginFailure::LoggedOut).
    Logout,
}

/// What a failed `wx.*` call gave its `fail` callback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WxFailure {
    /// `errMsg`, such as `"login:fail timeout"`.
    #[serde(rename = "errMsg")]
    pub err_msg: String,
    /// `errno`, given by newer base libraries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<i64>,
}

impl WxFailure {
    /// An error with a message and no `errno`.
    pub fn new(err_msg: impl Into<String>) -> Self {
        Self {
            err_msg: err_msg.into(),
            errno: None,
        }
    }
}

impl Event {
    /// This event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::LoginRequested { .. } => EventKind::LoginRequested,
            Event::StorageRead { .. } => EventKind::StorageRead,
            Event::CheckSessionResult { .. } => EventKind::CheckSessionResult,
            Event::CodeObtained { .. } => EventKind::CodeObtained,
            Event::ServerResponse { .. } => EventKind::ServerResponse,
            Event::SessionRejected { .. } => EventKind::SessionRejected,
            Event::Logout => EventKind::Logout,
        }
    }

    /// The id of the command this event answers, if it answers one.
    pub fn answers(&self) -> Option<EffectId> {
        match self {
            Event::StorageRead { id, .. }
            | Event::CheckSessionResult { id, .. }
            | Event::CodeObtained { id, .. }
            | Event::ServerResponse { id, .. } => Some(*id),
            Event::LoginRequested { .. } | Event::SessionRejected { .. } | Event::Logout => None,
        }
    }

    /// The waiter this event adds, if it adds one.
    pub fn waiter(&self) -> Option<WaiterId> {
        match self {
            Event::LoginRequested { waiter } | Event::SessionRejected { waiter, .. } => {
                Some(*waiter)
            }
            Event::StorageRead { .. }
            | Event::CheckSessionResult { .. }
            | Event::CodeObtained { .. }
            | Event::ServerResponse { .. }
            | Event::Logout => None,
        }
    }
}
