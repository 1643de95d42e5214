//! The client machine's state. The rules that move between states are all in
//! [`transition`](super::transition).

use time::OffsetDateTime;

use super::kind::StateKind;
use super::stored::StoredSession;
use crate::secret::{LoginCode, SessionToken};

/// The machine's state: the phase of the flow and the facts that outlive a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Core {
    pub(crate) phase: Phase,
    pub(crate) flags: Flags,
    /// The token reported as
    /// [`RejectedAfterRelogin`](super::LoginFailure::RejectedAfterRelogin): every later
    /// rejection of it is reported at once, without a login, until a new token exists (rule 7).
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

impl Flags {
    /// Rule 2: the abandoned effect has left the world.
    pub(crate) fn world_ended(self) -> Self {
        Self {
            in_world: None,
            ..self
        }
    }

    /// Rule 7: the running flow now also serves a rejected token.
    pub(crate) fn rejected(self) -> Self {
        Self {
            after_rejection: true,
            ..self
        }
    }

    /// The flow ended: whatever it served, it no longer serves a rejected token.
    pub(crate) fn flow_ended(self) -> Self {
        Self {
            after_rejection: false,
            ..self
        }
    }
}

/// The kind of an effect, as far as rule 2 cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EffectKind {
    ReadStorage,
    CheckWxSession,
    WxLogin,
    Request,
}

/// Where the flow is. The steps that wait for an effect and the backoff before a step share
/// one [`Task`], so a retry is the same task again, not a copy of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle(Known),
    Ready(Held),
    /// Waiting for the effect of a task.
    Running(Task),
    /// Waiting out a backoff delay, or for an abandoned effect to leave the world (rule 2),
    /// before running `then`.
    BackingOff {
        then: Task,
    },
}

/// A step of the flow with what it carries and how often it has failed so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Task {
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
    ObtainCode {
        tries: Tries,
    },
    /// Send `code`; when it is too old to send by the time the task runs, obtain a new one.
    LogIn {
        code: HeldCode,
        tries: Tries,
    },
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

impl Phase {
    pub(crate) fn kind(&self) -> StateKind {
        match self {
            Phase::Idle(_) => StateKind::Idle,
            Phase::Ready(_) => StateKind::Ready,
            Phase::Running(task) => task.kind(),
            Phase::BackingOff { .. } => StateKind::WaitingToRetry,
        }
    }

    /// The effect this phase waits for, if any.
    pub(crate) fn effect(&self) -> Option<EffectKind> {
        match self {
            Phase::Running(Task::ReadStorage { .. }) => Some(EffectKind::ReadStorage),
            Phase::Running(Task::CheckWx { .. }) => Some(EffectKind::CheckWxSession),
            Phase::Running(Task::CheckServer { .. } | Task::LogIn { .. }) => {
                Some(EffectKind::Request)
            }
            Phase::Running(Task::ObtainCode { .. }) => Some(EffectKind::WxLogin),
            Phase::Idle(_) | Phase::Ready(_) | Phase::BackingOff { .. } => None,
        }
    }
}

impl Task {
    /// The state of a machine running this task.
    fn kind(&self) -> StateKind {
        match self {
            Task::ReadStorage { .. } => StateKind::ReadingStorage,
            Task::CheckWx { .. } => StateKind::CheckingWxSession,
            Task::CheckServer { .. } => StateKind::CheckingServerSession,
            Task::ObtainCode { .. } => StateKind::ObtainingCode,
            Task::LogIn { .. } => StateKind::LoggingIn,
        }
    }
}
