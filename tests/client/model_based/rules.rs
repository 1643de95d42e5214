//! The rules of the README ("The rules the client machine encodes", 1-8) as the model states them: each method
//! is one input in one situation, emitting storage, then completion, then the next effect.

use wxlogin::client::Step;
use wxlogin::wire::ErrorKind;

use super::model::{Code, Known, Model, Phase, Rec, Then};
use super::world::{
    CONFIRM_AGE, CodeAns, Content, Exp, FAIL_MSG, Fail, RELOGIN_WINDOW, ServerAns, Sess, T0_S,
    Verify, abs_s, error_body, transport_error,
};

impl Model {
    /// Rules 2 and 6: serve from memory, join a running flow, or start one.
    pub(crate) fn request(&mut self, waiter: u64) {
        match self.phase.clone() {
            Phase::Ready { rec, .. } if self.now < rec.expires => {
                let session = Sess {
                    token: rec.token,
                    expires: rec.expires,
                };
                self.complete(vec![waiter], Ok(session));
            }
            Phase::Ready { .. } => {
                self.waiters.push(waiter);
                self.get_code(0, 0);
            }
            Phase::Idle(known) => {
                self.waiters.push(waiter);
                self.begin(known);
            }
            _ => self.waiters.push(waiter),
        }
    }

    pub(crate) fn begin(&mut self, known: Known) {
        match known {
            Known::Unread => self.run(Then::Read { fails: 0 }),
            Known::Stored(rec) if self.now < rec.expires => self.verify(rec),
            Known::Stored(_) | Known::Nothing => self.get_code(0, 0),
        }
    }

    /// Rule 6: the verify policy; `wx.checkSession` at most once per lifetime.
    pub(crate) fn verify(&mut self, rec: Rec) {
        let confirm = match self.cfg.verify {
            Verify::Confirm => true,
            Verify::Trust => false,
            Verify::IfOlder => self.now - rec.issued >= CONFIRM_AGE,
        };
        if !confirm {
            self.ready(rec, None);
        } else if self.wx_checked {
            self.check_server(rec, 0);
        } else {
            self.check_wx(rec, 0);
        }
    }

    /// Rule 5: what storage holds decides the start.
    pub(crate) fn read(&mut self, content: Option<Content>) {
        match content {
            Some(Content::Record {
                token,
                expires_s,
                issued_s,
            }) if (expires_s - T0_S) * 1000 > self.now => {
                let rec = Rec {
                    token,
                    expires: (expires_s - T0_S) * 1000,
                    issued: (issued_s - T0_S) * 1000,
                };
                self.verify(rec);
            }
            Some(Content::Text {
                removable: true, ..
            }) => {
                self.remove();
                self.get_code(0, 0);
            }
            Some(_) | None => self.get_code(0, 0),
        }
    }

    /// Rule 4: only WeChat's "expired" leads to `wx.login`.
    pub(crate) fn wx_checked_answer(&mut self, ok: bool) {
        let Phase::WxCheck { rec, .. } = self.phase.clone() else {
            unreachable!("allowed only while checking");
        };
        if ok {
            self.wx_checked = true;
            self.check_server(rec, 0);
        } else {
            self.get_code(0, 0);
        }
    }

    /// Rules 3 and 8: a good code goes out at once; a failure is retried, then reported.
    pub(crate) fn code_answer(&mut self, id: u64, answer: &CodeAns) {
        let Phase::WxLogin { wx, srv } = self.phase else {
            unreachable!("allowed only while obtaining a code");
        };
        let (err_msg, errno) = match answer {
            CodeAns::Fresh => {
                self.wx_checked = true;
                let code = Code {
                    text: format!("code{id}"),
                    at: self.now,
                };
                return self.send_code(code, wx, srv);
            }
            CodeAns::Fail { errno } => (FAIL_MSG.to_owned(), *errno),
            CodeAns::Malformed => ("wx.login returned a malformed code".to_owned(), None),
        };
        let fails = wx + 1;
        let failure = Fail::WxLogin {
            err_msg,
            errno,
            attempts: fails,
        };
        self.retry_or_fail(
            Then::WxLogin { wx: fails, srv },
            fails,
            failure,
            Known::Nothing,
        );
    }

    pub(crate) fn server_answer(&mut self, id: u64, answer: &ServerAns) {
        match self.phase.clone() {
            Phase::ServerCheck { rec, fails } => self.check_answer(rec, fails + 1, answer),
            Phase::Login { code, wx, srv } => self.login_answer(id, code, wx, srv + 1, answer),
            _ => unreachable!("allowed only while a request is out"),
        }
    }

    /// Rules 4 and 8 for the session check: only 401 / `session_expired` means expired.
    pub(crate) fn check_answer(&mut self, mut rec: Rec, fails: u32, answer: &ServerAns) {
        let step = Step::ServerCheck;
        match classify(answer, step, fails) {
            Class::Ok(0) => {
                self.remove();
                self.get_code(0, 0);
            }
            Class::Ok(expires_in) => {
                rec.expires = self.now + expires_in * 1000;
                self.ready(rec, None);
            }
            Class::Garbage => {
                let failure = Fail::Malformed { step, status: 200 };
                self.fail(Known::Stored(rec), failure);
            }
            Class::Expired => {
                self.remove();
                self.get_code(0, 0);
            }
            Class::Transient(failure) => {
                let then = Then::ServerCheck {
                    rec: rec.clone(),
                    fails,
                };
                self.retry_or_fail(then, fails, failure, Known::Stored(rec));
            }
            Class::CodeRejected(failure) | Class::Final(failure) => {
                self.fail(Known::Stored(rec), failure);
            }
        }
    }

    /// Rules 3, 5 and 8 for the login answer.
    pub(crate) fn login_answer(
        &mut self,
        id: u64,
        code: Code,
        wx: u32,
        srv: u32,
        answer: &ServerAns,
    ) {
        let step = Step::ServerLogin;
        match classify(answer, step, srv) {
            Class::Ok(0) | Class::Garbage => {
                let failure = Fail::Malformed { step, status: 200 };
                self.fail(Known::Nothing, failure);
            }
            Class::Ok(expires_in) => {
                let rec = Rec {
                    token: format!("tok{id}"),
                    expires: self.now + expires_in * 1000,
                    issued: self.now,
                };
                let content = Content::Record {
                    token: rec.token.clone(),
                    expires_s: abs_s(rec.expires),
                    issued_s: abs_s(rec.issued),
                };
                let guard = self.after_rejection.then_some(self.now + RELOGIN_WINDOW);
                self.expect.push(Exp::Write(content.render()));
                self.storage = Some(content);
                self.ready(rec, guard);
            }
            // The code is spent: a fresh one, at once, within the budget.
            Class::CodeRejected(_) if srv < self.cfg.attempts.max(1) => self.get_code(wx, srv),
            Class::Transient(failure) => {
                let code = self.cfg.reuse.then_some(code);
                let then = Then::Login { code, wx, srv };
                self.retry_or_fail(then, srv, failure, Known::Nothing);
            }
            Class::CodeRejected(failure) | Class::Final(failure) => {
                self.fail(Known::Nothing, failure);
            }
            Class::Expired => unreachable!("login answers never expire"),
        }
    }

    /// What is due: the abandoned effect's deadline (rule 2), then the flow's.
    pub(crate) fn tick(&mut self) {
        if self.world.is_some_and(|w| w.deadline <= self.now) {
            self.world_ended();
        }
        if self.pending.is_none_or(|p| p.deadline > self.now) {
            return;
        }
        self.pending = None;
        let timeout = |step, attempts| Fail::Timeout { step, attempts };
        match self.phase.clone() {
            // Rule 4: storage that never answers is retried, then reported; never wx.login.
            Phase::Reading { fails } => {
                let then = Then::Read { fails: fails + 1 };
                let failure = timeout(Step::ReadStorage, fails + 1);
                self.retry_or_fail(then, fails + 1, failure, Known::Unread);
            }
            Phase::WxCheck { rec, fails } => {
                let then = Then::WxCheck {
                    rec: rec.clone(),
                    fails: fails + 1,
                };
                let failure = timeout(Step::CheckSession, fails + 1);
                self.retry_or_fail(then, fails + 1, failure, Known::Stored(rec));
            }
            Phase::ServerCheck { rec, fails } => {
                let then = Then::ServerCheck {
                    rec: rec.clone(),
                    fails: fails + 1,
                };
                let failure = timeout(Step::ServerCheck, fails + 1);
                self.retry_or_fail(then, fails + 1, failure, Known::Stored(rec));
            }
            Phase::WxLogin { wx, srv } => {
                let then = Then::WxLogin { wx: wx + 1, srv };
                let failure = timeout(Step::WxLogin, wx + 1);
                self.retry_or_fail(then, wx + 1, failure, Known::Nothing);
            }
            Phase::Login { code, wx, srv } => {
                let code = self.cfg.reuse.then_some(code);
                let then = Then::Login {
                    code,
                    wx,
                    srv: srv + 1,
                };
                let failure = timeout(Step::ServerLogin, srv + 1);
                self.retry_or_fail(then, srv + 1, failure, Known::Nothing);
            }
            Phase::Wait(then) => self.run(then),
            Phase::Idle(_) | Phase::Ready { .. } => {}
        }
    }

    /// Rule 7: a rejected token is replaced once; a fresh one rejected again is reported.
    pub(crate) fn reject(&mut self, waiter: u64, token: &str) {
        if self.refused.as_deref() == Some(token) {
            self.complete(vec![waiter], Err(Fail::RejectedAfterRelogin));
            return;
        }
        match self.phase.clone() {
            Phase::Ready { rec, guard } => {
                let current = rec.token == token;
                let guarded = guard.is_some_and(|until| self.now < until);
                if !current && self.now < rec.expires {
                    let session = Sess {
                        token: rec.token,
                        expires: rec.expires,
                    };
                    self.complete(vec![waiter], Ok(session));
                } else if current && guarded {
                    self.refused = Some(token.to_owned());
                    self.phase = Phase::Idle(Known::Nothing);
                    self.remove();
                    self.complete(vec![waiter], Err(Fail::RejectedAfterRelogin));
                    self.pending = None;
                } else {
                    self.relogin(current, waiter);
                }
            }
            Phase::Idle(Known::Stored(rec)) if rec.token != token => {
                self.waiters.push(waiter);
                self.begin(Known::Stored(rec));
            }
            Phase::Idle(_) => self.relogin(true, waiter),
            Phase::WxCheck { rec, .. }
            | Phase::ServerCheck { rec, .. }
            | Phase::Wait(Then::WxCheck { rec, .. } | Then::ServerCheck { rec, .. })
                if rec.token == token =>
            {
                self.abandon();
                self.relogin(true, waiter);
            }
            _ => {
                self.after_rejection = true;
                self.waiters.push(waiter);
            }
        }
    }

    pub(crate) fn relogin(&mut self, remove: bool, waiter: u64) {
        self.after_rejection = true;
        self.waiters.push(waiter);
        if remove {
            self.remove();
        }
        self.get_code(0, 0);
    }

    /// Logout ends the flow: storage removed, waiters told; its effect is abandoned and stays
    /// in the world (rule 2).
    pub(crate) fn logout(&mut self) {
        self.abandon();
        self.phase = Phase::Idle(Known::Nothing);
        self.after_rejection = false;
        self.remove();
        self.complete_all(Err(Fail::LoggedOut));
        self.pending = None;
    }
}

enum Class {
    Ok(i64),
    Garbage,
    Expired,
    CodeRejected(Fail),
    Transient(Fail),
    Final(Fail),
}

/// Rules 4 and 8: what a server answer means for `step`.
fn classify(answer: &ServerAns, step: Step, attempts: u32) -> Class {
    let server = |status, error| Fail::Server {
        step,
        status,
        error,
        attempts,
    };
    let (status, kind) = match answer {
        ServerAns::Ok { expires_in } => return Class::Ok(*expires_in as i64),
        ServerAns::Garbage => return Class::Garbage,
        ServerAns::Transport => {
            return Class::Transient(Fail::Transport {
                step,
                error: transport_error(),
                attempts,
            });
        }
        ServerAns::Status(status) => (*status, None),
        ServerAns::Error { kind, status } => (*status, Some(*kind)),
    };
    let failure = server(status, kind.map(error_body));
    match (step, kind) {
        (Step::ServerCheck, _) if status == 401 => Class::Expired,
        (Step::ServerCheck, Some(ErrorKind::SessionExpired)) => Class::Expired,
        (Step::ServerLogin, Some(ErrorKind::CodeUsed | ErrorKind::InvalidCode)) => {
            Class::CodeRejected(failure)
        }
        _ if status == 408 || (500..600).contains(&status) => Class::Transient(failure),
        _ => Class::Final(failure),
    }
}
