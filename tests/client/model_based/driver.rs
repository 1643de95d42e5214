//! The fake world of the model test: the real `LoginMachine`, fake storage, wx and server
//! that answer its commands, and the checks made on every command it emits.

use std::collections::{BTreeSet, HashMap};
use wxlogin::{EffectId, WaiterId};

use crate::client_ledger::Ledger;
use crate::model_support::{self, Unexpected};
use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::client::{
    CodeReuse, Command, Event, EventKind, LoginError, LoginFailure, LoginMachine,
};
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::secret::{LoginCode, SessionToken};
use wxlogin::wire::{LoginGranted, SessionValid, decode_login_request};

use super::world::{
    Exp, Fail, REQUEST_TIMEOUT, Refusal, ServerAns, Sess, WX_TIMEOUT, error_body, transport_error,
};

/// The real machine and the fake world around it.
pub(crate) struct Driver {
    pub(crate) machine: LoginMachine,
    pub(crate) now: OffsetDateTime,
    pub(crate) storage: Option<String>,
    /// The last effect command drained: the one outstanding, unless it was abandoned.
    pub(crate) effect: Option<Command>,
    /// Effect commands seen; ids must follow this count.
    pub(crate) issued: u64,
    pub(crate) next_waiter: u64,
    pub(crate) waiting: BTreeSet<u64>,
    pub(crate) completed: BTreeSet<u64>,
    /// Codes handed out by the fake wx.login, and when.
    pub(crate) codes: HashMap<String, OffsetDateTime>,
    pub(crate) codes_sent: BTreeSet<String>,
    /// The world's ledger, shared with the fuzz harness: effects from their command until
    /// their answer or their deadline, whatever the machine did in between, and whether the
    /// world has said there is no usable session (the only reason for `wx.login`).
    pub(crate) ledger: Ledger,
}

pub(crate) use model_support::{at, ms};

impl Driver {
    pub(crate) fn new_waiter(&mut self) -> WaiterId {
        self.next_waiter += 1;
        WaiterId(self.next_waiter - 1)
    }

    /// Feeds an event and tells the world's ledger what it learnt: an answer has left the
    /// world, and an applied event may say there is no usable session. A doubled answer (one
    /// the machine took before) must change nothing.
    pub(crate) fn feed(&mut self, event: Event) -> Result<Handled, LoginError> {
        let waiter = event.waiter();
        let answers = event.answers();
        let doubled = answers.is_some_and(|id| self.ledger.was_answered(id.0));
        let held_expired = self
            .machine
            .session()
            .is_some_and(|s| self.now >= s.expires_at);
        let before = doubled.then(|| self.machine.clone());
        self.ledger.seen(self.now);
        let result = self.machine.handle(event.clone(), self.now);
        if let (Ok(_), Some(id)) = (&result, answers) {
            self.ledger.answered(id.0);
        }
        match (&result, before) {
            (Ok(Handled::Applied), _) => {
                if let Some(waiter) = waiter {
                    assert!(self.waiting.insert(waiter.0), "{waiter:?} accepted twice");
                }
                self.ledger.learn(&event, self.now, held_expired);
            }
            (Ok(Handled::Late), Some(before)) => {
                assert_eq!(self.machine, before, "a doubled answer changed the machine");
            }
            _ => {}
        }
        result
    }

    /// After the commands of an input: a held session is verified, so the next `wx.login`
    /// needs a new reason.
    pub(crate) fn settled(&mut self) {
        if self.machine.session().is_some() {
            self.ledger.verified();
        }
    }

    /// The id of the outstanding effect, found in the commands drained so far.
    pub(crate) fn effect_id(&self, answer: EventKind) -> EffectId {
        let effect = self.effect.as_ref().expect("an effect was started");
        let kind = match effect {
            Command::ReadStorage { .. } => EventKind::StorageRead,
            Command::CheckWxSession { .. } => EventKind::CheckSessionResult,
            Command::WxLogin { .. } => EventKind::CodeObtained,
            _ => EventKind::ServerResponse,
        };
        assert_eq!(kind, answer, "the outstanding effect is {effect:?}");
        effect.id().expect("effects have ids")
    }

    pub(crate) fn response(
        &self,
        id: EffectId,
        answer: ServerAns,
    ) -> Result<HttpResponse, TransportFailure> {
        let login = matches!(&self.effect, Some(Command::SendRequest { request, .. }) if request.url.ends_with("/login"));
        Ok(match answer {
            ServerAns::Ok { expires_in } if login => LoginGranted {
                token: SessionToken::new(format!("tok{}", id.0)),
                expires_in,
            }
            .to_response(),
            ServerAns::Ok { expires_in } => SessionValid { expires_in }.to_response(),
            ServerAns::Garbage => HttpResponse::json(200, b"<html>welcome</html>".to_vec()),
            ServerAns::Status(status) => HttpResponse::json(status, Vec::new()),
            ServerAns::Error { kind, status } => {
                let mut response = error_body(kind).to_response();
                response.status = status;
                response
            }
            ServerAns::Transport => return Err(transport_error()),
        })
    }

    /// Checks one command against the invariants, applies it to the fake world, and turns it
    /// into the model's form.
    pub(crate) fn observe(&mut self, command: &Command) -> Exp {
        if let Some(id) = command.id() {
            assert_eq!(
                id,
                EffectId(self.issued),
                "effect ids are given out in order"
            );
            self.issued += 1;
            let config = self.machine.config().clone();
            self.ledger.enter(command, self.now, &config);
            self.effect = Some(command.clone());
        }
        match command {
            Command::ReadStorage { id, key } => {
                assert_eq!(key, "wxlogin.session");
                Exp::Read(id.0)
            }
            Command::CheckWxSession { id } => Exp::WxCheck(id.0),
            Command::WxLogin { id, timeout_ms } => {
                assert_eq!(*timeout_ms, WX_TIMEOUT as u64);
                Exp::WxLogin(id.0)
            }
            Command::SendRequest {
                id,
                request,
                timeout_ms,
            } => {
                assert_eq!(*timeout_ms, REQUEST_TIMEOUT as u64);
                self.observe_request(*id, request)
            }
            Command::WriteStorage { key, value } => {
                assert_eq!(key, "wxlogin.session");
                self.storage = Some(value.expose_secret().to_owned());
                Exp::Write(value.expose_secret().to_owned())
            }
            Command::RemoveStorage { key } => {
                assert_eq!(key, "wxlogin.session");
                self.storage = None;
                Exp::Remove
            }
            Command::Complete { waiters, outcome } => {
                for waiter in waiters {
                    assert!(self.waiting.remove(&waiter.0), "{waiter:?} never waited");
                    assert!(
                        self.completed.insert(waiter.0),
                        "{waiter:?} completed twice"
                    );
                }
                if let Ok(session) = outcome {
                    assert!(
                        session.expires_at > self.now,
                        "an expired session handed out"
                    );
                }
                Exp::Complete {
                    waiters: waiters.iter().map(|w| w.0).collect(),
                    outcome: match outcome {
                        Ok(session) => Ok(Sess {
                            token: session.token.expose_secret().to_owned(),
                            expires: ms(session.expires_at),
                        }),
                        Err(failure) => Err(fail(failure)),
                    },
                }
            }
        }
    }
    /// A request to the developer server: a login carries a code wx gave, within its life,
    /// sent once (unless reuse is allowed); a check carries the stored token.
    fn observe_request(&mut self, id: EffectId, request: &HttpRequest) -> Exp {
        if request.url == "https://api.example.com/login" {
            let code = decode_login_request(&request.body).expect("a valid login body");
            let code = code.expose_secret().to_owned();
            let obtained = self.codes.get(&code).copied().expect("a code wx gave");
            assert!(
                self.now >= obtained && self.now - obtained < Duration::minutes(5),
                "code {code} sent {} after it was obtained",
                self.now - obtained
            );
            let fresh = self.codes_sent.insert(code.clone());
            let reuse = self.machine.config().code_reuse == CodeReuse::WithinCodeLife;
            assert!(fresh || reuse, "code {code} sent twice");
            Exp::SendLogin { id: id.0, code }
        } else {
            assert_eq!(request.url, "https://api.example.com/session");
            let header = request.header("authorization").expect("a token header");
            let token = header.strip_prefix("Bearer ").expect("a bearer token");
            Exp::SendCheck {
                id: id.0,
                token: token.to_owned(),
            }
        }
    }
}

pub(crate) fn answer_of(kind: EventKind, id: EffectId) -> Event {
    match kind {
        EventKind::StorageRead => Event::StorageRead { id, value: None },
        EventKind::CheckSessionResult => Event::CheckSessionResult { id, result: Ok(()) },
        EventKind::CodeObtained => Event::CodeObtained {
            id,
            result: Ok(LoginCode::new("latecode")),
        },
        _ => Event::ServerResponse {
            id,
            result: Ok(LoginGranted {
                token: SessionToken::new("late"),
                expires_in: 3600,
            }
            .to_response()),
        },
    }
}

pub(crate) fn refusal(error: &LoginError) -> Refusal {
    match error {
        LoginError::UnknownId { id, got } => Refusal::Unknown {
            id: id.0,
            got: *got,
        },
        LoginError::UnexpectedEvent {
            state,
            expected,
            got,
        } => Refusal::Unexpected(Unexpected::of(state, expected, got)),
        LoginError::DuplicateWaiter(waiter) => Refusal::Duplicate(waiter.0),
        other => panic!("a refusal the model does not know: {other}"),
    }
}

pub(crate) fn fail(failure: &LoginFailure) -> Fail {
    match failure.clone() {
        LoginFailure::WxLogin {
            err_msg,
            errno,
            attempts,
        } => Fail::WxLogin {
            err_msg,
            errno,
            attempts,
        },
        LoginFailure::Timeout { step, attempts } => Fail::Timeout { step, attempts },
        LoginFailure::Transport {
            step,
            error,
            attempts,
        } => Fail::Transport {
            step,
            error,
            attempts,
        },
        LoginFailure::Server {
            step,
            status,
            error,
            attempts,
        } => Fail::Server {
            step,
            status,
            error,
            attempts,
        },
        LoginFailure::MalformedResponse { step, status, .. } => Fail::Malformed { step, status },
        LoginFailure::RejectedAfterRelogin => Fail::RejectedAfterRelogin,
        LoginFailure::LoggedOut => Fail::LoggedOut,
        other => panic!("a failure the model does not know: {other}"),
    }
}
