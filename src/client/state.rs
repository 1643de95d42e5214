//! The client machine's state and the shape of one transition's outcome. The rules that move
//! between states are all in [`transition`](super::transition).

use crate::WaiterId;
use time::OffsetDateTime;

use super::command::Session;
use super::config::LoginConfig;
use super::error::LoginFailure;
use super::event::{Event, EventKind};
use super::stored::StoredSession;
use crate::http::HttpRequest;
use crate::secret::{LoginCode, SessionToken, StorageValue};

/// What the machine is doing, for progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKind {
    /// Nothing running and no verified session.
    Idle,
    /// A verified session is held and served from memory.
    Ready,
    /// Waiting for the storage record.
    ReadingStorage,
    /// Waiting for `wx.checkSession`.
    CheckingWxSession,
    /// Waiting for the developer server's session check.
    CheckingServerSession,
    /// Waiting for `wx.login`.
    ObtainingCode,
    /// Waiting for the developer server's login answer.
    LoggingIn,
    /// Waiting out a backoff delay before retrying a step, or for an abandoned effect to leave
    /// the world before starting one.
    WaitingToRetry,
}

impl StateKind {
    /// Every state, for exhaustive tests and documentation.
    pub const ALL: [StateKind; 8] = [
        StateKind::Idle,
        StateKind::Ready,
        StateKind::ReadingStorage,
        StateKind::CheckingWxSession,
        StateKind::CheckingServerSession,
        StateKind::ObtainingCode,
        StateKind::LoggingIn,
        StateKind::WaitingToRetry,
    ];

    /// The events this state accepts; any other is [`LoginError::UnexpectedEvent`](super::LoginError::UnexpectedEvent).
    pub fn expected(self) -> &'static [EventKind] {
        use EventKind::*;
        match self {
            StateKind::Idle | StateKind::Ready | StateKind::WaitingToRetry => {
                &[LoginRequested, SessionRejected, Logout]
            }
            StateKind::ReadingStorage => &[LoginRequested, StorageRead, SessionRejected, Logout],
            StateKind::CheckingWxSession => {
                &[LoginRequested, CheckSessionResult, SessionRejected, Logout]
            }
            StateKind::CheckingServerSession | StateKind::LoggingIn => {
                &[LoginRequested, ServerResponse, SessionRejected, Logout]
            }
            StateKind::ObtainingCode => &[LoginRequested, CodeObtained, SessionRejected, Logout],
        }
    }
}

/// The machine's state: the phase of the flow and the facts that outlive a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Core {
    pub(crate) phase: Phase,
    pub(crate) flags: Flags,
    /// The token reported as [`LoginFailure::RejectedAfterRelogin`]: every later rejection of
    /// it is reported at once, without a login, until a new token exists (rule 7).
    pub(crate) refused: Option<SessionToken>,
}

impl Default for Core {
    fn default() -> Self {
        Self {
            phase: Phase::Idle(Known::Unread),
            flags: Flags::default(),
            refused: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// `wx.checkSession` succeeded in this app lifetime, so WeChat's session needs no further
    /// check (rule 6).
    pub(crate) wx_checked: bool,
    /// The running flow serves a rejected token (rule 7).
    pub(crate) after_rejection: bool,
    /// An effect the machine abandoned (a logout, a rejection) that still runs in the world
    /// until its answer or its deadline (rule 2). Nothing else starts before then; a flow
    /// that needs `wx.login` adopts an abandoned `wx.login`.
    pub(crate) in_world: Option<EffectKind>,
}

/// The kind of an effect, as far as rule 2 cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EffectKind {
    ReadStorage,
    CheckWxSession,
    WxLogin,
    Request,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle(Known),
    Ready(Held),
    ReadingStorage {
        failures: u32,
    },
    CheckingWx {
        stored: StoredSession,
        failures: u32,
    },
    CheckingServer {
        stored: StoredSession,
        failures: u32,
    },
    ObtainingCode {
        tries: Tries,
    },
    LoggingIn {
        code: HeldCode,
        tries: Tries,
    },
    Backoff(Retry),
}

/// What the machine knows of storage while idle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    Unread,
    Nothing,
    /// A stored session whose check failed transiently; checked again on the next request.
    Stored(StoredSession),
}

/// A verified session. A rejection before `guard_until` is not answered with another login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) stored: StoredSession,
    pub(crate) guard_until: Option<OffsetDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeldCode {
    pub(crate) code: LoginCode,
    pub(crate) obtained_at: OffsetDateTime,
}

/// Failures so far in the current login: of `wx.login`, and of the login request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tries {
    pub(crate) wx: u32,
    pub(crate) server: u32,
}

/// The step to run when a backoff delay ends, or when the abandoned effect it waits for
/// leaves the world (rule 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    ReadStorage {
        failures: u32,
    },
    CheckWx {
        stored: StoredSession,
        failures: u32,
    },
    CheckServer {
        stored: StoredSession,
        failures: u32,
    },
    WxLogin {
        tries: Tries,
    },
    Login {
        code: Option<HeldCode>,
        tries: Tries,
    },
}

pub(crate) enum Input {
    Event(Event),
    /// The deadline of the outstanding effect or backoff passed.
    Deadline,
    /// The abandoned effect in the world was answered or passed its deadline.
    WorldEnded,
}

pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a LoginConfig,
    pub(crate) now: OffsetDateTime,
}

/// The outcome of one transition, applied by the machine in this order: join, storage,
/// complete, io.
pub(crate) struct Next {
    pub(crate) core: Core,
    pub(crate) join: Option<WaiterId>,
    pub(crate) storage: Option<StorageOp>,
    pub(crate) complete: Option<Completion>,
    pub(crate) io: Io,
}

pub(crate) enum StorageOp {
    Write(StorageValue),
    Remove,
}

pub(crate) enum Completion {
    All(Result<Session, LoginFailure>),
    One(WaiterId, Result<Session, LoginFailure>),
}

pub(crate) enum Io {
    /// The outstanding effect or backoff, if any, stays.
    Keep,
    /// Nothing outstanding for the flow; an effect in flight is abandoned, and stays in the
    /// world until its answer or its deadline.
    Idle,
    Start(Effect),
    /// The abandoned `wx.login` becomes the flow's own again, with its id and deadline.
    Adopt,
    /// A backoff after the `failures`-th failure.
    Wait {
        failures: u32,
    },
}

pub(crate) enum Effect {
    ReadStorage,
    CheckWxSession,
    WxLogin,
    Request(HttpRequest),
}

impl Phase {
    pub(crate) fn kind(&self) -> StateKind {
        match self {
            Phase::Idle(_) => StateKind::Idle,
            Phase::Ready(_) => StateKind::Ready,
            Phase::ReadingStorage { .. } => StateKind::ReadingStorage,
            Phase::CheckingWx { .. } => StateKind::CheckingWxSession,
            Phase::CheckingServer { .. } => StateKind::CheckingServerSession,
            Phase::ObtainingCode { .. } => StateKind::ObtainingCode,
            Phase::LoggingIn { .. } => StateKind::LoggingIn,
            Phase::Backoff(_) => StateKind::WaitingToRetry,
        }
    }

    /// The effect this phase waits for, if any.
    pub(crate) fn effect(&self) -> Option<EffectKind> {
        match self {
            Phase::ReadingStorage { .. } => Some(EffectKind::ReadStorage),
            Phase::CheckingWx { .. } => Some(EffectKind::CheckWxSession),
            Phase::CheckingServer { .. } | Phase::LoggingIn { .. } => Some(EffectKind::Request),
            Phase::ObtainingCode { .. } => Some(EffectKind::WxLogin),
            Phase::Idle(_) | Phase::Ready(_) | Phase::Backoff(_) => None,
        }
    }
}

impl Next {
    pub(crate) fn join(mut self, waiter: WaiterId) -> Self {
        self.join = Some(waiter);
        self
    }

    pub(crate) fn storage(mut self, op: StorageOp) -> Self {
        self.storage = Some(op);
        self
    }

    pub(crate) fn complete(mut self, completion: Completion) -> Self {
        self.complete = Some(completion);
        self
    }

    /// Rule 7: `token` was reported as rejected after its re-login.
    pub(crate) fn refuse(mut self, token: SessionToken) -> Self {
        self.core.refused = Some(token);
        self
    }
}
