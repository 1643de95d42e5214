//! The two kinds of failure: the driver's mistakes ([`LoginError`], returned by `handle`) and
//! the world's ([`LoginFailure`], delivered to waiters in [`Command::Complete`](super::Command)).

use crate::{EffectId, WaiterId};
use serde::{Deserialize, Serialize};

use super::kind::{EventKind, StateKind};
use crate::http::TransportFailure;
use crate::wire::ErrorBody;

/// The driver broke the calling contract. The machine is exactly as it was before the call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The event answers nothing the machine is waiting for in this state.
    #[error("unexpected {got:?} in state {state:?}, expected one of {expected:?}")]
    UnexpectedEvent {
        /// The machine's state.
        state: StateKind,
        /// The events that state accepts.
        expected: &'static [EventKind],
        /// The event that arrived.
        got: EventKind,
    },
    /// The event carries an id the machine never gave out.
    #[error("{got:?} answers unknown command {id:?}")]
    UnknownId {
        /// The id the event carried.
        id: EffectId,
        /// The event that arrived.
        got: EventKind,
    },
    /// A waiter id is reused while its first request is still in flight.
    #[error("waiter {0:?} is already waiting")]
    DuplicateWaiter(WaiterId),
}

/// Which step of the flow a failure happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Reading the session record from storage.
    ReadStorage,
    /// `wx.checkSession`.
    CheckSession,
    /// `wx.login`.
    WxLogin,
    /// The developer server's session check.
    ServerCheck,
    /// The login request to the developer server.
    ServerLogin,
}

/// Why a waiter got no session, with everything the world said about it.
///
/// JSON form: tagged by `kind`, e.g. `{"kind":"wxLogin","errMsg":"login:fail","errno":-1,"attempts":3}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum LoginFailure {
    /// `wx.login` kept failing.
    #[error("wx.login failed after {attempts} attempts: {err_msg}")]
    WxLogin {
        /// Its `errMsg`.
        #[serde(rename = "errMsg")]
        err_msg: String,
        /// Its `errno`.
        errno: Option<i64>,
        /// How many times it was tried.
        attempts: u32,
    },
    /// A step kept running past its deadline.
    #[error("{step:?} timed out after {attempts} attempts")]
    Timeout {
        /// The step.
        step: Step,
        /// How many times it was tried.
        attempts: u32,
    },
    /// The developer server could not be reached.
    #[error("{step:?} failed after {attempts} attempts: {error}")]
    Transport {
        /// The step.
        step: Step,
        /// The last transport error.
        error: TransportFailure,
        /// How many times it was tried.
        attempts: u32,
    },
    /// The developer server answered with an error (after retries, if it was a 5xx).
    #[error("{step:?} answered {status}")]
    Server {
        /// The step.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// The error body, with the server's kind, message, `retry_after`, WeChat errcode and
        /// rid, when it sent one (camelCase in this JSON form: `retryAfter`).
        #[serde(default, with = "crate::json_form::error_body")]
        error: Option<ErrorBody>,
        /// How many times it was tried.
        attempts: u32,
    },
    /// The developer server answered 2xx with a body that breaks the wire contract.
    #[error("{step:?} answered {status} with a malformed body: {detail}")]
    MalformedResponse {
        /// The step.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// What is wrong (never the body itself).
        detail: String,
    },
    /// The session from a re-login was rejected again within `relogin_window`: the server
    /// refuses fresh sessions, so the machine stops instead of looping.
    #[error("the server rejected a session right after a fresh login")]
    RejectedAfterRelogin,
    /// [`Event::Logout`](super::Event::Logout) arrived while this request was in flight.
    #[error("logged out while logging in")]
    LoggedOut,
}
