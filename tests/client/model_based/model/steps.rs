//! The model's steps: starting effects, backoff, completions, and what the world does with an
//! abandoned effect. `model.rs` holds the state and its queries, `rules.rs` the rules that call
//! these steps.

use super::*;
use crate::model_support::{self, Unexpected};
use wxlogin::client::EventKind;

use super::super::world::{
    BASE_DELAY, CHECK_TIMEOUT, CODE_LIFE, Exp, Fail, MAX_DELAY, REQUEST_TIMEOUT, Refusal,
    STORAGE_TIMEOUT, Sess, WX_TIMEOUT,
};

impl Model {
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
            Refusal::Unexpected(Unexpected {
                state: self.kind(),
                expected: self.accepted(),
                got,
            })
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
