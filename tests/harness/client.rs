//! `client_events`: arbitrary configs and sequences of events (valid answers, failures, garbage,
//! wrong and stale ids, rejections and logouts at any point) with arbitrary time steps
//! (backwards, and to the extremes) fed to a `LoginMachine`.
//!
//! Invariants:
//! 1. A refused event leaves the machine `==` its clone from before.
//! 2. At most one effect is outstanding: when a new effect starts, an answer to the previous
//!    one is stale. (So `wx.login` is never outstanding twice.)
//! 3. A code is never sent twice (with the default `CodeReuse::Never`).
//! 4. Storage is written only right after a valid 2xx login answer, with exactly its token.
//! 5. No expired session is ever handed out.
//! 6. Every waiter is completed exactly once, and once the world answers every effect (or lets
//!    its deadline pass) all waiters are completed within a bounded number of steps.
//! 7. Replaying the same input gives the same commands.

use std::collections::HashSet;

use time::OffsetDateTime;
use wxlogin::client::{
    CodeReuse, Command, Event, IoId, LoginConfig, LoginError, LoginMachine, VerifyPolicy, WaiterId,
    WxError,
};
use wxlogin::http::{HttpResponse, TransportError};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::{ErrorBody, ErrorKind, LoginGranted, SessionValid, decode_login_request};

use super::Bytes;

pub fn client_events(data: &[u8]) {
    let first = run(data);
    let second = run(data);
    assert_eq!(
        first, second,
        "replaying the same input gave other commands"
    );
}

fn config(bytes: &mut Bytes<'_>) -> LoginConfig {
    let mut config = LoginConfig::new("https://api.example.com");
    config.retry.attempts = u32::from(bytes.pick(6));
    config.retry.base_delay = bytes.duration();
    config.retry.max_delay = bytes.duration();
    config.retry.jitter_seed = bytes.u64();
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
    };
    while !bytes.is_empty() {
        checker.now = bytes.next_time(checker.now);
        match bytes.pick(9) {
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
                let token = match (bytes.pick(2), checker.machine.session()) {
                    (0, Some(session)) => session.token.clone(),
                    _ => SessionToken::new(format!("t{}", bytes.byte())),
                };
                checker.feed(Event::SessionRejected { waiter, token });
            }
            _ => checker.feed(Event::Logout),
        }
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
        LoginCode::new(format!("code{}{suffix}", self.codes_issued))
    }

    fn feed_opt(&mut self, event: Option<Event>) {
        if let Some(event) = event {
            self.feed(event);
        }
    }

    fn feed(&mut self, event: Event) {
        let before = self.machine.clone();
        let waiter = event.waiter();
        let grant = granted_token(&event, self.outstanding.as_ref());
        match self.machine.handle(event, self.now) {
            Ok(()) => {
                if let Some(waiter) = waiter {
                    assert!(self.waiting.insert(waiter), "{waiter:?} accepted twice");
                }
                self.granted = grant;
            }
            Err(error) => {
                assert_eq!(self.machine, before, "refused ({error}) but changed");
                if let LoginError::DuplicateWaiter(waiter) = error {
                    assert!(self.waiting.contains(&waiter));
                }
            }
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.machine.poll_command() {
            self.check(&command);
            self.log.push(command);
        }
        self.granted = None;
    }

    fn check(&mut self, command: &Command) {
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
            }
            Command::Complete { waiters, outcome } => {
                for waiter in waiters {
                    assert!(
                        self.waiting.remove(waiter),
                        "{waiter:?} completed twice or never asked"
                    );
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
            if let Some(previous) = self.outstanding.replace(command.clone()) {
                let id = previous.id().expect("effects have ids");
                let mut probe = self.machine.clone();
                let stale = Event::StorageRead { id, value: None };
                assert!(
                    matches!(
                        probe.handle(stale, self.now),
                        Err(LoginError::StaleAnswer { .. })
                    ),
                    "a new effect started while {id:?} was still outstanding"
                );
            }
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
                    None => format!("t{}", bytes.byte()),
                };
                let expires = i64::from(bytes.u16()) + 1_700_000_000;
                let record = format!(
                    r#"{{"v":1,"token":"{value}","expires_at":{expires},"issued_at":1700000000}}"#
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
                    let token = SessionToken::new(format!("token{}", self.tokens));
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
            0 => IoId(u64::from(bytes.byte())),
            _ => self.outstanding.as_ref()?.id()?,
        };
        let kind = match bytes.pick(2) {
            0 => ErrorKind::SessionExpired,
            _ => ErrorKind::CodeUsed,
        };
        Some(match bytes.pick(10) {
            0 => Event::StorageRead {
                id,
                value: Some(StorageValue::new(
                    String::from_utf8_lossy(bytes.slice(64)).into_owned(),
                )),
            },
            1 => Event::CheckSessionResult {
                id,
                result: Err(WxError::new("checkSession:fail")),
            },
            2 => Event::CodeObtained {
                id,
                result: Err(WxError {
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
                result: Err(TransportError::Timeout),
            },
            5 => Event::ServerResponse {
                id,
                result: Ok(HttpResponse::json(bytes.u16(), bytes.slice(64).to_vec())),
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
            let answer = self
                .good_answer(&mut bytes)
                .filter(|event| self.machine.clone().handle(event.clone(), self.now).is_ok());
            match (answer, self.machine.poll_timeout()) {
                (Some(event), _) => self.feed(event),
                (None, Some(deadline)) => {
                    self.now = self.now.max(deadline);
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
