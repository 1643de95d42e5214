//! How the model test's driver hands each input to the machine, and checks what it made of it.

use wxlogin::client::{Command, Event, EventKind, LoginError, LoginMachine, WxFailure};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::{EffectId, Handled, WaiterId};

use super::driver::{Driver, answer_of, ms, refusal};
use super::model::Model;
use super::world::{CodeAns, FAIL_MSG, StorageAns, Tr};
use time::Duration;

impl Driver {
    /// Hands `tr` to the machine (or moves the clock).
    pub(super) fn input(&mut self, tr: Tr) -> Result<Handled, LoginError> {
        match tr {
            Tr::Request => {
                let waiter = self.new_waiter();
                self.feed(Event::LoginRequested { waiter })
            }
            Tr::Reject(token) => {
                let waiter = self.new_waiter();
                let token = SessionToken::new(token);
                self.feed(Event::SessionRejected { waiter, token })
            }
            Tr::Logout => self.feed(Event::Logout),
            Tr::Advance(step) => {
                self.now += Duration::milliseconds(step);
                Ok(Handled::Applied)
            }
            Tr::Deadline => {
                let deadline = self.machine.poll_timeout().expect("a deadline to jump to");
                self.now = self.now.max(deadline);
                self.machine.handle_timeout(self.now);
                Ok(Handled::Applied)
            }
            Tr::Tick => {
                self.machine.handle_timeout(self.now);
                Ok(Handled::Applied)
            }
            Tr::Storage(answer) => {
                let id = self.effect_id(EventKind::StorageRead);
                if !matches!(answer, StorageAns::Keep) {
                    self.storage = answer.content(ms(self.now), None).map(|c| c.render());
                }
                let value = self.storage.clone().map(StorageValue::new);
                self.feed(Event::StorageRead { id, value })
            }
            Tr::WxCheck(ok) => {
                let id = self.effect_id(EventKind::CheckSessionResult);
                let result = if ok {
                    Ok(())
                } else {
                    Err(WxFailure::new("checkSession:fail session expired"))
                };
                self.feed(Event::CheckSessionResult { id, result })
            }
            Tr::WxCode(answer) => self.wx_code(answer),
            Tr::Server(answer) => {
                let id = self.effect_id(EventKind::ServerResponse);
                let result = self.response(id, answer);
                self.feed(Event::ServerResponse { id, result })
            }
            Tr::Stale { id, kind } => self.feed(answer_of(kind, EffectId(id))),
            Tr::Unknown { ahead, kind } => {
                self.feed(answer_of(kind, EffectId(self.issued + ahead)))
            }
            Tr::WrongKind(kind) => {
                let id = self
                    .effect
                    .as_ref()
                    .and_then(Command::id)
                    .expect("an effect");
                self.feed(answer_of(kind, id))
            }
            Tr::Duplicate { waiter, reject } => {
                let waiter = WaiterId(waiter);
                self.feed(if reject {
                    Event::SessionRejected {
                        waiter,
                        token: SessionToken::new("nobody"),
                    }
                } else {
                    Event::LoginRequested { waiter }
                })
            }
        }
    }

    /// Fake wx.login's answer: a fresh code (remembered with its time), a failure, or garbage.
    fn wx_code(&mut self, answer: CodeAns) -> Result<Handled, LoginError> {
        let id = self.effect_id(EventKind::CodeObtained);
        let result = match answer {
            CodeAns::Fresh => {
                let code = format!("code{}", id.0);
                self.codes.insert(code.clone(), self.now);
                Ok(LoginCode::new(code))
            }
            CodeAns::Fail { errno } => Err(WxFailure {
                err_msg: FAIL_MSG.into(),
                errno,
            }),
            CodeAns::Malformed => Ok(LoginCode::new("not a code!")),
        };
        self.feed(Event::CodeObtained { id, result })
    }

    /// The machine took or refused the input as the model says, and a refusal or a late
    /// answer left it as it was.
    pub(super) fn check_outcome(
        &self,
        m: &Model,
        before: &LoginMachine,
        result: &Result<Handled, LoginError>,
        commands: &[Command],
    ) {
        match result {
            Ok(handled) => {
                assert_eq!(None, m.refusal, "accepted what the model refuses");
                assert_eq!(handled.is_late(), m.late.is_some(), "late: {handled:?}");
                if m.late == Some(false) {
                    assert_eq!(self.machine, *before, "a late answer changed the machine");
                }
            }
            Err(error) => {
                assert_eq!(Some(refusal(error)), m.refusal, "refused: {error}");
                assert_eq!(self.machine, *before, "refused ({error}) but changed");
                assert!(commands.is_empty(), "refused but emitted {commands:?}");
            }
        }
    }
}
