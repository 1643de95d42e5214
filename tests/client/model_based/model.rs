//! The reference model of the client `LoginMachine`: the README's rules 1-8 restated as plain
//! code over plain data (milliseconds, strings), for one small family of configurations. It
//! shares no code with the crate's `transition.rs`; for every input it predicts the refusal (if
//! any), the exact commands in order, the next deadline and the storage content.
//!
//! Time is milliseconds after `T0_S` (unix seconds). The retry jitter (splitmix64 and "equal
//! jitter" in whole milliseconds, as documented on `Backoff`) is re-implemented so that backoff deadlines are
//! predicted to the millisecond.

mod steps;

use crate::rng::Rng;
use wxlogin::client::{EventKind, StateKind};

use super::world::{CODE_LIFE, CONFIRM_AGE, Cfg, Content, Exp, Refusal, Tr};

/// A session record as the model knows it (times in model milliseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    pub(crate) token: String,
    pub(crate) expires: i64,
    pub(crate) issued: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Code {
    pub(crate) text: String,
    pub(crate) at: i64,
}

#[derive(Clone, Debug)]
pub(crate) enum Phase {
    Idle(Known),
    Ready { rec: Rec, guard: Option<i64> },
    Reading { fails: u32 },
    WxCheck { rec: Rec, fails: u32 },
    ServerCheck { rec: Rec, fails: u32 },
    WxLogin { wx: u32, srv: u32 },
    Login { code: Code, wx: u32, srv: u32 },
    Wait(Then),
}

#[derive(Clone, Debug)]
pub(crate) enum Known {
    Unread,
    Nothing,
    Stored(Rec),
}

/// The step a backoff leads back to, or that waits for an abandoned effect to leave the world.
#[derive(Clone, Debug)]
pub(crate) enum Then {
    Read {
        fails: u32,
    },
    WxCheck {
        rec: Rec,
        fails: u32,
    },
    ServerCheck {
        rec: Rec,
        fails: u32,
    },
    WxLogin {
        wx: u32,
        srv: u32,
    },
    Login {
        code: Option<Code>,
        wx: u32,
        srv: u32,
    },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub(crate) id: Option<u64>,
    pub(crate) deadline: i64,
}

/// Rule 2: an effect the machine abandoned, still running in the world until its answer or
/// its deadline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InWorld {
    pub(crate) id: u64,
    pub(crate) deadline: i64,
    pub(crate) wx_login: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) cfg: Cfg,
    pub(crate) now: i64,
    pub(crate) phase: Phase,
    pub(crate) wx_checked: bool,
    pub(crate) after_rejection: bool,
    pub(crate) waiters: Vec<u64>,
    pub(crate) next_waiter: u64,
    pub(crate) storage: Option<Content>,
    pub(crate) pending: Option<Pending>,
    pub(crate) world: Option<InWorld>,
    /// Rule 7: the token reported as rejected after its re-login, until a new token exists.
    pub(crate) refused: Option<String>,
    pub(crate) next_io: u64,
    pub(crate) rng: Rng,
    /// The last token handed out, for realistic rejections.
    pub(crate) served: Option<String>,
    /// What the last input must produce.
    pub(crate) expect: Vec<Exp>,
    pub(crate) refusal: Option<Refusal>,
    /// The last input was a late answer (`Ok(Handled::Late)`); `ended` when it answered the
    /// abandoned effect, which then left the world.
    pub(crate) late: Option<bool>,
}

pub(crate) enum Effect {
    Read,
    WxCheck,
    WxLogin,
    SendLogin(String),
    SendCheck(String),
}

impl Model {
    pub(crate) fn new(cfg: Cfg, storage: Option<Content>) -> Self {
        Self {
            cfg,
            now: 0,
            phase: Phase::Idle(Known::Unread),
            wx_checked: false,
            after_rejection: false,
            waiters: Vec::new(),
            next_waiter: 0,
            storage,
            pending: None,
            world: None,
            refused: None,
            next_io: 0,
            rng: Rng::new(cfg.seed),
            served: None,
            expect: Vec::new(),
            refusal: None,
            late: None,
        }
    }

    pub(crate) fn kind(&self) -> StateKind {
        match self.phase {
            Phase::Idle(_) => StateKind::Idle,
            Phase::Ready { .. } => StateKind::Ready,
            Phase::Reading { .. } => StateKind::ReadingStorage,
            Phase::WxCheck { .. } => StateKind::CheckingWxSession,
            Phase::ServerCheck { .. } => StateKind::CheckingServerSession,
            Phase::WxLogin { .. } => StateKind::ObtainingCode,
            Phase::Login { .. } => StateKind::LoggingIn,
            Phase::Wait(_) => StateKind::WaitingToRetry,
        }
    }

    /// The answer kind the phase waits for, if it waits for one.
    pub(crate) fn awaited(&self) -> Option<EventKind> {
        match self.phase {
            Phase::Reading { .. } => Some(EventKind::StorageRead),
            Phase::WxCheck { .. } => Some(EventKind::CheckSessionResult),
            Phase::WxLogin { .. } => Some(EventKind::CodeObtained),
            Phase::ServerCheck { .. } | Phase::Login { .. } => Some(EventKind::ServerResponse),
            Phase::Idle(_) | Phase::Ready { .. } | Phase::Wait(_) => None,
        }
    }

    pub(crate) fn accepted(&self) -> Vec<EventKind> {
        let mut kinds = vec![EventKind::LoginRequested];
        kinds.extend(self.awaited());
        kinds.extend([EventKind::SessionRejected, EventKind::Logout]);
        kinds
    }

    pub(crate) fn outstanding(&self) -> Option<u64> {
        self.pending.and_then(|p| p.id)
    }

    /// The earlier of the flow's deadline and the abandoned effect's.
    pub(crate) fn deadline(&self) -> Option<i64> {
        let flow = self.pending.map(|p| p.deadline);
        let world = self.world.map(|w| w.deadline);
        flow.into_iter().chain(world).min()
    }

    /// The instants where a rule changes its answer: session expiry, end of the re-login
    /// guard, end of a held code's life, a stored record growing old enough to confirm, the
    /// deadline. Inputs land on them and one millisecond either side.
    pub(crate) fn instants(&self) -> Vec<i64> {
        let mut instants: Vec<i64> = self.pending.iter().map(|p| p.deadline).collect();
        instants.extend(self.world.map(|w| w.deadline));
        match &self.phase {
            Phase::Ready { rec, guard } => {
                instants.extend([Some(rec.expires), *guard].iter().flatten())
            }
            Phase::Idle(Known::Stored(rec)) => {
                instants.extend([rec.expires, rec.issued + CONFIRM_AGE]);
            }
            Phase::Login { code, .. }
            | Phase::Wait(Then::Login {
                code: Some(code), ..
            }) => instants.push(code.at + CODE_LIFE),
            _ => {}
        }
        instants
    }

    /// The session token the phase holds or checks, if any.
    pub(crate) fn phase_token(&self) -> Option<String> {
        match &self.phase {
            Phase::Ready { rec, .. }
            | Phase::Idle(Known::Stored(rec))
            | Phase::WxCheck { rec, .. }
            | Phase::ServerCheck { rec, .. }
            | Phase::Wait(Then::WxCheck { rec, .. } | Then::ServerCheck { rec, .. }) => {
                Some(rec.token.clone())
            }
            _ => None,
        }
    }

    /// Whether `tr` makes sense here (after shrinking, an answer may lose its question).
    pub(crate) fn allows(&self, tr: &Tr) -> bool {
        let awaited = self.awaited();
        match tr {
            Tr::Storage(_) => awaited == Some(EventKind::StorageRead),
            Tr::WxCheck(_) => awaited == Some(EventKind::CheckSessionResult),
            Tr::WxCode(_) => awaited == Some(EventKind::CodeObtained),
            Tr::Server(_) => awaited == Some(EventKind::ServerResponse),
            Tr::Deadline => self.deadline().is_some(),
            Tr::Stale { id, .. } => *id < self.next_io && Some(*id) != self.outstanding(),
            Tr::WrongKind(kind) => awaited.is_some_and(|a| a != *kind),
            Tr::Duplicate { waiter, .. } => self.waiters.contains(waiter),
            Tr::Request | Tr::Tick | Tr::Advance(_) | Tr::Reject(_) | Tr::Logout => true,
            Tr::Unknown { .. } => true,
        }
    }

    pub(crate) fn apply(mut self, tr: &Tr) -> Self {
        self.expect.clear();
        self.refusal = None;
        self.late = None;
        match tr {
            Tr::Request => {
                let waiter = self.new_waiter();
                self.request(waiter);
            }
            Tr::Reject(token) => {
                let waiter = self.new_waiter();
                self.reject(waiter, token);
            }
            Tr::Logout => self.logout(),
            Tr::Advance(ms) => self.now += ms,
            Tr::Deadline => {
                let deadline = self.deadline().unwrap_or(self.now);
                self.now = self.now.max(deadline);
                self.tick();
            }
            Tr::Tick => self.tick(),
            Tr::Storage(answer) => {
                self.consume();
                self.storage = answer.content(self.now, self.storage.take());
                self.read(self.storage.clone());
            }
            Tr::WxCheck(ok) => {
                self.consume();
                self.wx_checked_answer(*ok);
            }
            Tr::WxCode(answer) => {
                let id = self.consume();
                self.code_answer(id, answer);
            }
            Tr::Server(answer) => {
                let id = self.consume();
                self.server_answer(id, answer);
            }
            Tr::Stale { id, kind } => self.refuse_answer(*id, *kind),
            Tr::Unknown { ahead, kind } => self.refuse_answer(self.next_io + ahead, *kind),
            Tr::WrongKind(kind) => {
                let id = self.outstanding().unwrap_or(u64::MAX);
                self.refuse_answer(id, *kind);
            }
            Tr::Duplicate { waiter, .. } => self.refusal = Some(Refusal::Duplicate(*waiter)),
        }
        self
    }
}
