//! The reference model of the client `LoginMachine`: DESIGN.md's rules 1-8 restated as plain
//! code over plain data (milliseconds, strings), for one small family of configurations. It
//! shares no code with the crate's `transition.rs`; for every input it predicts the refusal (if
//! any), the exact commands in order, the next deadline and the storage content.
//!
//! Time is milliseconds after `T0_S` (unix seconds). The retry jitter (splitmix64 and "equal
//! jitter" in whole milliseconds, as documented on `Backoff`) is re-implemented so that backoff deadlines are
//! predicted to the millisecond.

use wxlogin::client::{EventKind, StateKind};

use crate::world::{
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
    Reading,
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

/// The step a backoff leads back to.
#[derive(Clone, Debug)]
pub(crate) enum Then {
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
    pub(crate) next_io: u64,
    pub(crate) rng: u64,
    /// The last token handed out, for realistic rejections.
    pub(crate) served: Option<String>,
    /// What the last input must produce.
    pub(crate) expect: Vec<Exp>,
    pub(crate) refusal: Option<Refusal>,
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
            next_io: 0,
            rng: cfg.seed,
            served: None,
            expect: Vec::new(),
            refusal: None,
        }
    }

    pub(crate) fn kind(&self) -> StateKind {
        match self.phase {
            Phase::Idle(_) => StateKind::Idle,
            Phase::Ready { .. } => StateKind::Ready,
            Phase::Reading => StateKind::ReadingStorage,
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
            Phase::Reading => Some(EventKind::StorageRead),
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

    /// The instants where a rule changes its answer: session expiry, end of the re-login
    /// guard, end of a held code's life, a stored record growing old enough to confirm, the
    /// deadline. Inputs land on them and one millisecond either side.
    pub(crate) fn instants(&self) -> Vec<i64> {
        let mut instants: Vec<i64> = self.pending.iter().map(|p| p.deadline).collect();
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
            Tr::Deadline => self.pending.is_some(),
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
                let deadline = self.pending.map_or(self.now, |p| p.deadline);
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

    /// The contract: an answer to something not outstanding is stale if the id was given
    /// out, unknown if not (where the kind would otherwise fit), and an unexpected event
    /// otherwise.
    pub(crate) fn refuse_answer(&mut self, id: u64, got: EventKind) {
        let refusal = if Some(id) != self.outstanding() && id < self.next_io {
            Refusal::Stale { id, got }
        } else if Some(id) != self.outstanding() && self.awaited() == Some(got) {
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
        let capped = (BASE_DELAY << (fails.saturating_sub(1).min(62))).min(MAX_DELAY);
        let half = capped / 2;
        let span = (capped - half) as u64;
        let jitter = if span == 0 {
            0
        } else {
            splitmix64(&mut self.rng) % (span + 1)
        };
        self.phase = Phase::Wait(then);
        self.pending = Some(Pending {
            id: None,
            deadline: self.now + half + jitter as i64,
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
        self.phase = Phase::WxLogin { wx, srv };
        self.start(Effect::WxLogin);
    }

    pub(crate) fn check_wx(&mut self, rec: Rec, fails: u32) {
        self.phase = Phase::WxCheck { rec, fails };
        self.start(Effect::WxCheck);
    }

    pub(crate) fn check_server(&mut self, rec: Rec, fails: u32) {
        let token = rec.token.clone();
        self.phase = Phase::ServerCheck { rec, fails };
        self.start(Effect::SendCheck(token));
    }

    pub(crate) fn send_code(&mut self, code: Code, wx: u32, srv: u32) {
        let text = code.text.clone();
        self.phase = Phase::Login { code, wx, srv };
        self.start(Effect::SendLogin(text));
    }
}

/// splitmix64, as the machine's documented jitter source.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
