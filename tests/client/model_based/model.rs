//! The reference model of the client `LoginMachine`: the README's rules 1-8 restated as plain
//! code over plain data (milliseconds, strings), for one small family of configurations. It
//! shares no code with the crate's `transition.rs`; for every input it predicts the refusal (if
//! any), the exact commands in order, the next deadline and the storage content.
//!
//! Time is milliseconds after `T0_S` (unix seconds). The retry jitter (splitmix64 and "equal
//! jitter" in whole milliseconds, as documented on `Backoff`) is re-implemented so that backoff deadlines are
//! predicted to the millisecond.

use crate::model_support;
use crate::rng::Rng;
use wxlogin::client::{EventKind, StateKind};

use super::world::{
    BASE_DELAY, CHECK_TIMEOUT, CODE_LIFE, CONFIRM_AGE, Cfg, Content, Exp, Fail, MAX_DELAY,
    REQUEST_TIMEOUT, Refusal, STORAGE_TIMEOUT, Sess, Tr, WX_TIMEOUT,
};

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

    pub(crate) fn new_waiter(&mut self) -> u64 {
        self.next_waiter += 1;
        self.next_waiter - 1
    }

    /// The outstanding effect is answered: it is no longer pending.
    pub(crate) fn consume(&mut self) -> u64 {
        let id = self.outstanding().unwrap_or(u64::MAX);
        self.pending = None;
        id
    }

    /// The contract: an answer to something not outstanding is late if the id was given
    /// out (and ends the abandoned effect it answers), unknown if not (where the kind would
    /// otherwise fit), and an unexpected event otherwise.
    pub(crate) fn refuse_answer(&mut self, id: u64, got: EventKind) {
        if self.world.is_some_and(|w| w.id == id) {
            self.late = Some(true);
            self.world_ended();
            return;
        }
        if Some(id) != self.outstanding() && id < self.next_io {
            self.late = Some(false);
            return;
        }
        let refusal = if Some(id) != self.outstanding() && self.awaited() == Some(got) {
            Refusal::Unknown { id, got }
        } else {
            Refusal::Unexpected {
                state: self.kind(),
                expected: self.accepted(),
                got,
            }
        };
        self.refusal = Some(refusal);
    }

    // ---- effects and outcomes, emitted in the machine's order: storage, complete, io

    pub(crate) fn start(&mut self, effect: Effect) {
        let id = self.next_io;
        self.next_io += 1;
        let (timeout, exp) = match effect {
            Effect::Read => (STORAGE_TIMEOUT, Exp::Read(id)),
            Effect::WxCheck => (CHECK_TIMEOUT, Exp::WxCheck(id)),
            Effect::WxLogin => (WX_TIMEOUT, Exp::WxLogin(id)),
            Effect::SendLogin(code) => (REQUEST_TIMEOUT, Exp::SendLogin { id, code }),
            Effect::SendCheck(token) => (REQUEST_TIMEOUT, Exp::SendCheck { id, token }),
        };
        self.pending = Some(Pending {
            id: Some(id),
            deadline: self.now + timeout,
        });
        self.expect.push(exp);
    }

    /// Rule 4: capped exponential backoff with equal jitter from the seeded generator.
    pub(crate) fn backoff(&mut self, then: Then, fails: u32) {
        let delay = model_support::backoff_delay(&mut self.rng, BASE_DELAY, MAX_DELAY, fails);
        self.phase = Phase::Wait(then);
        self.pending = Some(Pending {
            id: None,
            deadline: self.now + delay,
        });
    }

    pub(crate) fn remove(&mut self) {
        self.storage = None;
        self.expect.push(Exp::Remove);
    }

    pub(crate) fn complete_all(&mut self, outcome: Result<Sess, Fail>) {
        if !self.waiters.is_empty() {
            let waiters = std::mem::take(&mut self.waiters);
            self.complete(waiters, outcome);
        }
    }

    pub(crate) fn complete(&mut self, waiters: Vec<u64>, outcome: Result<Sess, Fail>) {
        if let Ok(session) = &outcome {
            self.served = Some(session.token.clone());
        }
        self.expect.push(Exp::Complete { waiters, outcome });
    }

    pub(crate) fn ready(&mut self, rec: Rec, guard: Option<i64>) {
        let session = Sess {
            token: rec.token.clone(),
            expires: rec.expires,
        };
        self.phase = Phase::Ready { rec, guard };
        self.refused = None;
        self.after_rejection = false;
        self.complete_all(Ok(session));
        self.pending = None;
    }

    pub(crate) fn fail(&mut self, rest: Known, failure: Fail) {
        self.phase = Phase::Idle(rest);
        self.after_rejection = false;
        self.complete_all(Err(failure));
        self.pending = None;
    }

    /// Rule 4: a transient failure is retried within the budget, then reported.
    pub(crate) fn retry_or_fail(&mut self, then: Then, fails: u32, failure: Fail, rest: Known) {
        if fails < self.cfg.attempts.max(1) {
            self.backoff(then, fails);
        } else {
            self.fail(rest, failure);
        }
    }

    pub(crate) fn get_code(&mut self, wx: u32, srv: u32) {
        self.run(Then::WxLogin { wx, srv });
    }

    pub(crate) fn check_wx(&mut self, rec: Rec, fails: u32) {
        self.run(Then::WxCheck { rec, fails });
    }

    pub(crate) fn check_server(&mut self, rec: Rec, fails: u32) {
        self.run(Then::ServerCheck { rec, fails });
    }

    /// Rule 2: nothing starts while an abandoned effect is in the world; a `wx.login` step
    /// adopts an abandoned `wx.login` (id and deadline), any other step waits for its end.
    pub(crate) fn run(&mut self, then: Then) {
        match (self.world, then) {
            (None, then) => self.start_step(then),
            (Some(world), Then::WxLogin { wx, srv }) if world.wx_login => {
                self.phase = Phase::WxLogin { wx, srv };
                self.pending = Some(Pending {
                    id: Some(world.id),
                    deadline: world.deadline,
                });
                self.world = None;
            }
            (Some(_), then) => {
                self.phase = Phase::Wait(then);
                self.pending = None;
            }
        }
    }

    fn start_step(&mut self, then: Then) {
        match then {
            Then::Read { fails } => {
                self.phase = Phase::Reading { fails };
                self.start(Effect::Read);
            }
            Then::WxCheck { rec, fails } => {
                self.phase = Phase::WxCheck { rec, fails };
                self.start(Effect::WxCheck);
            }
            Then::ServerCheck { rec, fails } => {
                let token = rec.token.clone();
                self.phase = Phase::ServerCheck { rec, fails };
                self.start(Effect::SendCheck(token));
            }
            // Rule 3: a code past its life (or from the future) is never sent.
            Then::Login {
                code: Some(code),
                wx,
                srv,
            } if self.now >= code.at && self.now - code.at < CODE_LIFE => {
                self.send_code(code, wx, srv);
            }
            Then::WxLogin { wx, srv } | Then::Login { wx, srv, .. } => {
                self.phase = Phase::WxLogin { wx, srv };
                self.start(Effect::WxLogin);
            }
        }
    }

    /// Rule 2: the flow stops waiting for its effect, which stays in the world.
    pub(crate) fn abandon(&mut self) {
        if let Some(Pending {
            id: Some(id),
            deadline,
        }) = self.pending.take()
        {
            let wx_login = matches!(self.phase, Phase::WxLogin { .. });
            self.world = Some(InWorld {
                id,
                deadline,
                wx_login,
            });
        }
    }

    /// Rule 2: the abandoned effect was answered or passed its deadline.
    pub(crate) fn world_ended(&mut self) {
        self.world = None;
        if let Phase::Wait(then) = self.phase.clone() {
            self.run(then);
        }
    }

    pub(crate) fn send_code(&mut self, code: Code, wx: u32, srv: u32) {
        let text = code.text.clone();
        self.phase = Phase::Login { code, wx, srv };
        self.start(Effect::SendLogin(text));
    }
}
