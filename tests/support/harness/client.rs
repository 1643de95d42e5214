//! `client_events`: arbitrary configs and sequences of events (valid answers, failures, garbage,
//! wrong and stale ids, rejections and logouts at any point) with arbitrary time steps
//! (backwards, and to the extremes) fed to a `LoginMachine`.
//!
//! Late and doubled answers (replays of answers already given) and answers to abandoned effects
//! are interleaved with `Logout`, `SessionRejected` and `LoginRequested`.
//!
//! Invariants (the world's ones kept in `client/ledger.rs`, whatever the machine believes):
//! 1. A refused event, or a doubled answer, leaves the machine `==` its clone from before.
//! 2. At most one effect is in the world at once: an effect is in the world from its command
//!    until its answer or its deadline, whatever the machine did in between (so `wx.login` is
//!    never in the world twice).
//! 3. `wx.login` starts only after the world said there is no usable session (a miss in
//!    storage, an expiry answer, a rejection, a logout, a session past its expiry): never
//!    because of a transient failure of any effect.
//! 4. After `RejectedAfterRelogin` for a token, every rejection of that token is reported at
//!    once, with no `wx.login`, until a new token is granted.
//! 5. No code or token the harness made up shows in the `Debug` of any event, command, error
//!    or of the machine.
//! 6. A code is never sent twice (with the default `CodeReuse::Never`).
//! 7. Storage is written only right after a valid 2xx login answer, with exactly its token.
//! 8. No expired session is ever handed out.
//! 9. Every waiter is completed exactly once, and once the world answers every effect (or lets
//!    its deadline pass) all waiters are completed within a bounded number of steps.
//! 10. Replaying the same input gives the same commands.

use std::collections::{HashMap, HashSet};
use wxlogin::{EffectId, WaiterId};

use crate::client_ledger::Ledger;
use crate::markers::{CODE, TOKEN, assert_quiet};
use time::OffsetDateTime;
use wxlogin::Handled;
use wxlogin::client::{
    CodeReuse, Command, Event, LoginConfig, LoginError, LoginFailure, LoginMachine, VerifyPolicy,
    WxFailure,
};
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::{ErrorBody, ErrorKind, LoginGranted, SessionValid, decode_login_request};

use super::Bytes;
use crate::clock;

pub(crate) fn client_events(data: &[u8]) {
    super::replayed(data, run);
}

fn config(bytes: &mut Bytes<'_>) -> LoginConfig {
    let mut config = LoginConfig::new("https://api.example.com");
    config.backoff.max_attempts = u32::from(bytes.pick(6));
    config.backoff.initial = bytes.duration();
    config.backoff.max = bytes.duration();
    config.seed = bytes.u64();
    config.timeouts.storage = bytes.duration();
    config.timeouts.check_session = bytes.duration();
    config.timeouts.wx_login = bytes.duration();
    config.timeouts.request = bytes.duration();
    config.verify = match bytes.pick(3) {
        0 => VerifyPolicy::ConfirmWithServer,
        1 => VerifyPolicy::TrustUntilExpiry,
        _ => VerifyPolicy::ConfirmIfOlderThan(bytes.duration()),
    };
    config.code_reuse = match bytes.pick(4) {
        0 => CodeReuse::WithinCodeLife,
        _ => CodeReuse::Never,
    };
    config.code_max_age = bytes.duration();
    config.relogin_window = bytes.duration();
    config
}

/// What the harness knows of the run, to check the invariants.
struct Checker {
    machine: LoginMachine,
    now: OffsetDateTime,
    waiting: HashSet<WaiterId>,
    next_waiter: u64,
    /// The last effect started; an answer to an older one must be stale.
    outstanding: Option<Command>,
    codes: HashSet<String>,
    /// The token of the valid 2xx login answer the machine just accepted, if that was the event.
    granted: Option<String>,
    tokens: u64,
    /// Codes handed out by the fake `wx.login`; WeChat never gives the same code twice.
    codes_issued: u64,
    log: Vec<Command>,
    ledger: Ledger,
    /// Answers the machine took, to be given again (doubled) or late.
    given: Vec<Event>,
    /// The token each rejecting waiter named.
    rejecting: HashMap<WaiterId, String>,
    /// The token reported as `RejectedAfterRelogin`, until a new one is granted (4).
    refused: Option<String>,
}

fn run(data: &[u8]) -> Vec<Command> {
    let mut bytes = Bytes::new(data);
    let config = config(&mut bytes);
    let mut checker = Checker {
        machine: LoginMachine::new(config),
        now: bytes.start_time(),
        waiting: HashSet::new(),
        next_waiter: 0,
        outstanding: None,
        codes: HashSet::new(),
        granted: None,
        tokens: 0,
        codes_issued: 0,
        log: Vec::new(),
        ledger: Ledger::default(),
        given: Vec::new(),
        rejecting: HashMap::new(),
        refused: None,
    };
    while !bytes.is_empty() {
        checker.now = bytes.next_time(checker.now);
        match bytes.pick(10) {
            0 => checker.machine.handle_timeout(checker.now),
            1 => {
                if let Some(deadline) = checker.machine.poll_timeout() {
                    checker.now = checker.now.max(deadline);
                    checker.machine.handle_timeout(checker.now);
                }
            }
            2 => {
                // Sometimes a waiter id that may still be waiting: the machine must refuse it.
                let waiter = if bytes.pick(4) == 0 {
                    WaiterId(checker.next_waiter.saturating_sub(1))
                } else {
                    checker.new_waiter()
                };
                checker.feed(Event::LoginRequested { waiter });
            }
            3 | 4 => {
                let event = checker.good_answer(&mut bytes);
                checker.feed_opt(event);
            }
            5 | 6 => {
                let event = checker.bad_answer(&mut bytes);
                checker.feed_opt(event);
            }
            7 => {
                let waiter = checker.new_waiter();
                let token = match (bytes.pick(3), checker.machine.session(), &checker.refused) {
                    (0, Some(session), _) => session.token.clone(),
                    (1, _, Some(refused)) => SessionToken::new(refused.clone()),
                    _ => SessionToken::new(format!("{TOKEN}-t{}", bytes.pick(4))),
                };
                checker.feed(Event::SessionRejected { waiter, token });
            }
            8 => {
                // A late or doubled answer: one the world gave before.
                let index = usize::from(bytes.byte());
                if let Some(event) = checker.given.get(index % checker.given.len().max(1)) {
                    checker.feed(event.clone());
                }
            }
            _ => checker.feed(Event::Logout),
        }
        checker.ledger.seen(checker.now);
        checker.drain();
    }
    checker.settle();
    checker.log
}

impl Checker {
    fn new_waiter(&mut self) -> WaiterId {
        self.next_waiter += 1;
        WaiterId(self.next_waiter)
    }

    fn new_code(&mut self, suffix: &str) -> LoginCode {
        self.codes_issued += 1;
        LoginCode::new(format!("{CODE}-{}{suffix}", self.codes_issued))
    }

    fn feed_opt(&mut self, event: Option<Event>) {
        if let Some(event) = event {
            self.feed(event);
        }
    }

    fn feed(&mut self, event: Event) {
        assert_quiet("an event", &format!("{event:?}"));
        let before = self.machine.clone();
        let waiter = event.waiter();
        let answers = event.answers();
        let doubled = answers.is_some_and(|id| self.ledger.was_answered(id.0));
        let grant = granted_token(&event, answers.and_then(|id| self.ledger.effect(id.0)));
        let held_expired = self
            .machine
            .session()
            .is_some_and(|s| self.now >= s.expires_at);
        if let Event::SessionRejected { waiter, token } = &event {
            self.rejecting
                .insert(*waiter, token.expose_secret().to_owned());
        }
        let refused = matches!(&event, Event::SessionRejected { token, .. }
            if self.refused.as_deref() == Some(token.expose_secret()));
        match self.machine.handle(event.clone(), self.now) {
            Ok(handled) => {
                if let Some(id) = answers {
                    self.ledger.answered(id.0);
                }
                if handled == Handled::Applied {
                    if let Some(waiter) = waiter {
                        assert!(self.waiting.insert(waiter), "{waiter:?} accepted twice");
                    }
                    self.ledger.learn(&event, self.now, held_expired);
                    self.granted = grant;
                } else if doubled {
                    assert_eq!(self.machine, before, "a doubled answer changed the machine");
                }
                if answers.is_some() {
                    self.given.push(event);
                }
            }
            Err(error) => {
                assert_quiet("an error", &format!("{error:?} {error}"));
                assert_eq!(self.machine, before, "refused ({error}) but changed");
                if let LoginError::DuplicateWaiter(waiter) = error {
                    assert!(self.waiting.contains(&waiter));
                }
                return;
            }
        }
        if refused {
            self.assert_refused_again(waiter);
        }
    }

    /// 4: a rejection of the refused token is reported at once, with no `wx.login`.
    fn assert_refused_again(&mut self, waiter: Option<WaiterId>) {
        let mut probe = self.machine.clone();
        let mut reported = false;
        while let Some(command) = probe.poll_command() {
            assert!(
                !matches!(command, Command::WxLogin { .. }),
                "a refused token led to wx.login"
            );
            if let Command::Complete { waiters, outcome } = &command {
                let to_it = waiter.is_some_and(|w| waiters.contains(&w));
                reported |= to_it && *outcome == Err(LoginFailure::RejectedAfterRelogin);
            }
        }
        assert!(reported, "a refused token was not reported at once");
    }

    fn drain(&mut self) {
        while let Some(command) = self.machine.poll_command() {
            self.check(&command);
            self.log.push(command);
        }
        self.granted = None;
        if self.machine.session().is_some() {
            self.ledger.verified();
        }
        assert_quiet("the machine", &format!("{:?}", self.machine));
    }

    fn check(&mut self, command: &Command) {
        assert_quiet("a command", &format!("{command:?}"));
        self.ledger
            .enter(command, self.now, &self.machine.config().clone());
        match command {
            Command::SendRequest { request, .. } if request.url.ends_with("/login") => {
                let code =
                    decode_login_request(&request.body).expect("the machine sends valid codes");
                let reuse = self.machine.config().code_reuse == CodeReuse::WithinCodeLife;
                let fresh = self.codes.insert(code.expose_secret().to_owned());
                assert!(fresh || reuse, "a code was sent twice");
            }
            Command::WriteStorage { value, .. } => {
                let token = self
                    .granted
                    .as_deref()
                    .expect("storage written without a 2xx login");
                let record: serde_json::Value =
                    serde_json::from_str(value.expose_secret()).expect("record is JSON");
                assert_eq!(record["token"], token, "storage written with another token");
                self.refused = None;
            }
            Command::Complete { waiters, outcome } => {
                for waiter in waiters {
                    assert!(
                        self.waiting.remove(waiter),
                        "{waiter:?} completed twice or never asked"
                    );
                    if *outcome == Err(LoginFailure::RejectedAfterRelogin) && waiters.len() == 1 {
                        self.refused = self.rejecting.get(waiter).cloned();
                    }
                }
                if let Ok(session) = outcome {
                    assert!(
                        session.expires_at > self.now,
                        "an expired session was handed out: {} at {}",
                        session.expires_at,
                        self.now
                    );
                }
            }
            _ => {}
        }
        if command.id().is_some() {
            self.outstanding = Some(command.clone());
        }
    }

    /// A correct answer to the outstanding effect.
    fn good_answer(&mut self, bytes: &mut Bytes<'_>) -> Option<Event> {
        let outstanding = self.outstanding.clone()?;
        let id = outstanding.id()?;
        Some(match outstanding {
            Command::ReadStorage { .. } => {
                let value = match self.machine.session() {
                    Some(session) => session.token.expose_secret().to_owned(),
                    None => format!("{TOKEN}-s{}", bytes.byte()),
                };
                let expires = clock::T0 + i64::from(bytes.u16());
                let record = format!(
                    r#"{{"v":1,"token":"{value}","expires_at":{expires},"issued_at":{}}}"#,
                    clock::T0
                );
                Event::StorageRead {
                    id,
                    value: Some(StorageValue::new(record)),
                }
            }
            Command::CheckWxSession { .. } => Event::CheckSessionResult { id, result: Ok(()) },
            Command::WxLogin { .. } => Event::CodeObtained {
                id,
                result: Ok(self.new_code("")),
            },
            Command::SendRequest { request, .. } => {
                let expires_in = u64::from(bytes.u16()) + 1;
                let response = if request.url.ends_with("/login") {
                    self.tokens += 1;
                    let token = SessionToken::new(format!("{TOKEN}-{}", self.tokens));
                    LoginGranted { token, expires_in }.to_response()
                } else {
                    SessionValid { expires_in }.to_response()
                };
                Event::ServerResponse {
                    id,
                    result: Ok(response),
                }
            }
            Command::WriteStorage { .. }
            | Command::RemoveStorage { .. }
            | Command::Complete { .. } => return None,
        })
    }

    /// A failure, garbage, or an answer with a wrong or stale id.
    fn bad_answer(&mut self, bytes: &mut Bytes<'_>) -> Option<Event> {
        let id = match bytes.pick(4) {
            0 => EffectId(u64::from(bytes.byte())),
            _ => self.outstanding.as_ref()?.id()?,
        };
        let kind = match bytes.pick(2) {
            0 => ErrorKind::SessionExpired,
            _ => ErrorKind::CodeUsed,
        };
        Some(match bytes.pick(10) {
            0 => Event::StorageRead {
                id,
                value: Some(StorageValue::new(bytes.text(64))),
            },
            1 => Event::CheckSessionResult {
                id,
                result: Err(WxFailure::new("checkSession:fail")),
            },
            2 => Event::CodeObtained {
                id,
                result: Err(WxFailure {
                    err_msg: "login:fail".into(),
                    errno: Some(i64::from(bytes.byte())),
                }),
            },
            3 => Event::CodeObtained {
                id,
                result: Ok(LoginCode::new(
                    String::from_utf8_lossy(bytes.slice(200)).into_owned(),
                )),
            },
            4 => Event::ServerResponse {
                id,
                result: Err(TransportFailure::Timeout),
            },
            5 => Event::ServerResponse {
                id,
                result: Ok(HttpResponse::json(bytes.u16(), bytes.text(64).into_bytes())),
            },
            6 => Event::ServerResponse {
                id,
                result: Ok(ErrorBody::new(kind, "x").to_response()),
            },
            7 => Event::ServerResponse {
                id,
                result: Ok(HttpResponse::json(
                    200,
                    br#"{"token":"t","expires_in":0}"#.to_vec(),
                )),
            },
            8 => Event::ServerResponse {
                id,
                result: Ok(HttpResponse::json(
                    500 + u16::from(bytes.pick(100)),
                    Vec::new(),
                )),
            },
            _ => Event::StorageRead { id, value: None },
        })
    }

    /// The world turns cooperative: every effect is answered well, every deadline passes. All
    /// waiters must then be completed in a bounded number of steps.
    fn settle(&mut self) {
        let mut bytes = Bytes::new(&[]);
        for _ in 0..10_000 {
            if self.waiting.is_empty() {
                return;
            }
            // The last effect may have been abandoned; answer it only if it is still wanted.
            let answer = self.good_answer(&mut bytes).filter(|event| {
                let handled = self.machine.clone().handle(event.clone(), self.now);
                handled == Ok(Handled::Applied)
            });
            match (answer, self.machine.poll_timeout()) {
                (Some(event), _) => self.feed(event),
                (None, Some(deadline)) => {
                    self.now = self.now.max(deadline);
                    self.ledger.seen(self.now);
                    self.machine.handle_timeout(self.now);
                }
                (None, None) => break,
            }
            self.drain();
        }
        assert!(
            self.waiting.is_empty(),
            "waiters never completed: {:?}",
            self.waiting
        );
    }
}

/// The token of a valid 2xx login answer to `outstanding`, if `event` is one.
fn granted_token(event: &Event, outstanding: Option<&Command>) -> Option<String> {
    let Event::ServerResponse {
        result: Ok(response),
        ..
    } = event
    else {
        return None;
    };
    let Some(Command::SendRequest { request, .. }) = outstanding else {
        return None;
    };
    if !request.url.ends_with("/login") {
        return None;
    }
    wxlogin::wire::decode_login_response(response)
        .ok()
        .filter(|grant| grant.expires_in > 0)
        .map(|grant| grant.token.expose_secret().to_owned())
}
