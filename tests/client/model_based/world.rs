//! The vocabulary of the model test: the configuration, the inputs (`Tr`, with the world's
//! answers) and the predicted outputs (`Exp`, `Fail`, `Refusal`), as plain data.

use crate::model_support::Unexpected;
use wxlogin::client::{EventKind, StateKind, Step};
use wxlogin::http::TransportFailure;
use wxlogin::wire::{ErrorBody, ErrorKind};

/// The model clock's origin, in unix seconds.
pub(crate) const T0_S: i64 = crate::model_support::ORIGIN;
pub(crate) const STORAGE_TIMEOUT: i64 = 5_000;
pub(crate) const CHECK_TIMEOUT: i64 = 10_000;
pub(crate) const WX_TIMEOUT: i64 = 10_000;
pub(crate) const REQUEST_TIMEOUT: i64 = 15_000;
pub(crate) const BASE_DELAY: i64 = 500;
pub(crate) const MAX_DELAY: i64 = 8_000;
pub(crate) const CODE_LIFE: i64 = 300_000;
pub(crate) const RELOGIN_WINDOW: i64 = 60_000;
/// `ConfirmIfOlderThan` age used when that policy is drawn.
pub(crate) const CONFIRM_AGE: i64 = 600_000;

/// The configuration of one run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cfg {
    pub(crate) attempts: u32,
    pub(crate) verify: Verify,
    /// `CodeReuse::WithinCodeLife` when true.
    pub(crate) reuse: bool,
    pub(crate) seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verify {
    Confirm,
    Trust,
    IfOlder,
}

/// What the model believes storage holds (the driver's fake storage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    Record {
        token: String,
        expires_s: i64,
        issued_s: i64,
    },
    /// Text that is no valid v1 record; `removable` when it is corrupt (not another version).
    Text { text: String, removable: bool },
}

impl Content {
    pub(crate) fn render(&self) -> String {
        match self {
            Content::Record {
                token,
                expires_s,
                issued_s,
            } => format!(
                r#"{{"v":1,"token":"{token}","expires_at":{expires_s},"issued_at":{issued_s}}}"#
            ),
            Content::Text { text, .. } => text.clone(),
        }
    }
}

/// What a storage read answers with; all but `Keep` first replace the stored content, as if
/// another writer had been there.
#[derive(Clone, Debug)]
pub(crate) enum StorageAns {
    Keep,
    Missing,
    Empty,
    Corrupt,
    OtherVersion,
    BadToken,
    Valid { ttl_s: i64, age_s: i64 },
    Expired,
}

impl StorageAns {
    /// The storage content after this answer, at model time `now`.
    pub(crate) fn content(&self, now: i64, current: Option<Content>) -> Option<Content> {
        let now_s = abs_s(now);
        let text = |text: &str, removable| {
            Some(Content::Text {
                text: text.to_owned(),
                removable,
            })
        };
        match self {
            StorageAns::Keep => current,
            StorageAns::Missing => None,
            StorageAns::Empty => text("", false),
            StorageAns::Corrupt => text("{\"v\":1,\"tok", true),
            StorageAns::OtherVersion => text(r#"{"v":2,"token":"newer"}"#, false),
            StorageAns::BadToken => text(
                &format!(
                    r#"{{"v":1,"token":"has space","expires_at":{},"issued_at":{now_s}}}"#,
                    now_s + 3600
                ),
                true,
            ),
            StorageAns::Valid { ttl_s, age_s } => Some(Content::Record {
                token: "stored".into(),
                expires_s: now_s + ttl_s,
                issued_s: now_s - age_s,
            }),
            StorageAns::Expired => Some(Content::Record {
                token: "stored".into(),
                expires_s: now_s - 5,
                issued_s: now_s - 7200,
            }),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum CodeAns {
    Fresh,
    Fail { errno: Option<i64> },
    Malformed,
}

#[derive(Clone, Debug)]
pub(crate) enum ServerAns {
    /// 200 with a grant (login) or a validity (session check).
    Ok {
        expires_in: u64,
    },
    /// 200 whose body is not the contract's.
    Garbage,
    /// This status and an empty body.
    Status(u16),
    /// This status with the contract's error body of `kind`.
    Error {
        kind: ErrorKind,
        status: u16,
    },
    Transport,
}

/// One input of a run. The first group is valid; the last four are the driver's mistakes.
#[derive(Clone, Debug)]
pub(crate) enum Tr {
    Request,
    Storage(StorageAns),
    WxCheck(bool),
    WxCode(CodeAns),
    Server(ServerAns),
    /// Jump to the deadline and fire it.
    Deadline,
    /// `handle_timeout` now: fires only if due.
    Tick,
    Advance(i64),
    Reject(String),
    Logout,
    Stale {
        id: u64,
        kind: EventKind,
    },
    Unknown {
        ahead: u64,
        kind: EventKind,
    },
    WrongKind(EventKind),
    Duplicate {
        waiter: u64,
        reject: bool,
    },
}

/// A command the machine must emit, in an abstract form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Exp {
    Read(u64),
    WxCheck(u64),
    WxLogin(u64),
    SendLogin {
        id: u64,
        code: String,
    },
    SendCheck {
        id: u64,
        token: String,
    },
    Write(String),
    Remove,
    Complete {
        waiters: Vec<u64>,
        outcome: Result<Sess, Fail>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sess {
    pub(crate) token: String,
    pub(crate) expires: i64,
}

/// `LoginFailure` without the free-text detail of a malformed answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fail {
    WxLogin {
        err_msg: String,
        errno: Option<i64>,
        attempts: u32,
    },
    Timeout {
        step: Step,
        attempts: u32,
    },
    Transport {
        step: Step,
        error: TransportFailure,
        attempts: u32,
    },
    Server {
        step: Step,
        status: u16,
        error: Option<ErrorBody>,
        attempts: u32,
    },
    Malformed {
        step: Step,
        status: u16,
    },
    RejectedAfterRelogin,
    LoggedOut,
}

/// `LoginError`, as the model predicts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Unknown { id: u64, got: EventKind },
    Unexpected(Unexpected<StateKind, EventKind>),
    Duplicate(u64),
}

pub(crate) fn abs_s(ms: i64) -> i64 {
    T0_S + ms.div_euclid(1000)
}

/// The answer kinds, in the order the strategies draw from.
pub(crate) const ANSWERS: [EventKind; 4] = [
    EventKind::StorageRead,
    EventKind::CheckSessionResult,
    EventKind::CodeObtained,
    EventKind::ServerResponse,
];

pub(crate) const FAIL_MSG: &str = "login:fail auth deny";

pub(crate) fn error_body(kind: ErrorKind) -> ErrorBody {
    ErrorBody::new(kind, "from the model's server")
}

pub(crate) fn transport_error() -> TransportFailure {
    TransportFailure::Connection {
        message: "connection reset".into(),
    }
}
