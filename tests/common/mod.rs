//! A small in-process driver for `LoginMachine`: fake wx, fake storage, a fake developer server
//! and a clock. Tests script the fakes, run the loop, then read what happened.
//!
//! The driver also checks two rules on every step, whatever the test: at most one effect is
//! outstanding, and no waiter is completed twice.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use time::{Duration, OffsetDateTime};
use wxlogin::client::{
    Command, Event, IoId, LoginConfig, LoginFailure, LoginMachine, Session, WaiterId, WxError,
};
use wxlogin::http::{HttpRequest, HttpResponse, TransportError};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::{
    ErrorBody, ErrorKind, LoginGranted, SessionValid, TokenHeader, decode_login_request,
};

/// The test clock's start: 2023-11-14T22:13:20Z.
pub const T0: i64 = 1_700_000_000;

pub fn at(seconds_after_t0: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0 + seconds_after_t0).unwrap()
}

pub fn config() -> LoginConfig {
    let mut config = LoginConfig::new("https://api.example.com");
    config.retry.jitter_seed = 7;
    config
}

/// How fake wx answers `wx.login`.
#[derive(Clone, Debug)]
pub enum WxLogin {
    Code,
    Fail(WxError),
    Silent,
}

/// How fake wx answers `wx.checkSession`.
#[derive(Clone, Debug)]
pub enum WxCheck {
    Valid,
    Expired,
    Silent,
}

/// How the fake server answers one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// What a correct server would say.
    Normal,
    /// This status and body instead.
    Status(u16, String),
    /// No response: this transport error.
    Transport(TransportError),
    /// The server does the work, but the response is lost (a transport error arrives).
    Lost,
    /// No answer at all: the machine's deadline must fire. The would-be answer is kept in
    /// `World::held` for a late delivery.
    Silent,
}

pub struct World {
    pub machine: LoginMachine,
    pub now: OffsetDateTime,
    pub storage: Option<String>,
    pub storage_silent: bool,
    pub storage_reads: usize,
    pub storage_writes: Vec<String>,
    pub storage_removes: usize,
    pub wx_login: VecDeque<WxLogin>,
    pub wx_check: VecDeque<WxCheck>,
    pub wx_login_calls: usize,
    pub wx_check_calls: usize,
    pub login_answers: VecDeque<Answer>,
    pub check_answers: VecDeque<Answer>,
    /// Every code the server received, in order (repeats included).
    pub codes_sent: Vec<String>,
    pub checks_sent: usize,
    /// The server's sessions: token -> expiry.
    pub sessions: HashMap<String, OffsetDateTime>,
    pub session_lifetime: i64,
    codes_issued: HashSet<String>,
    codes_used: HashSet<String>,
    next_code: u64,
    next_token: u64,
    /// Answers held back by `Silent`, by effect id.
    pub held: BTreeMap<IoId, Event>,
    pub completions: Vec<(WaiterId, Result<Session, LoginFailure>)>,
    pub trace: Vec<String>,
    pub steps: usize,
}

impl World {
    pub fn new(config: LoginConfig) -> Self {
        Self {
            machine: LoginMachine::new(config),
            now: at(0),
            storage: None,
            storage_silent: false,
            storage_reads: 0,
            storage_writes: Vec::new(),
            storage_removes: 0,
            wx_login: VecDeque::new(),
            wx_check: VecDeque::new(),
            wx_login_calls: 0,
            wx_check_calls: 0,
            login_answers: VecDeque::new(),
            check_answers: VecDeque::new(),
            codes_sent: Vec::new(),
            checks_sent: 0,
            sessions: HashMap::new(),
            session_lifetime: 7200,
            codes_issued: HashSet::new(),
            codes_used: HashSet::new(),
            next_code: 0,
            next_token: 0,
            held: BTreeMap::new(),
            completions: Vec::new(),
            trace: Vec::new(),
            steps: 0,
        }
    }

    /// A world whose storage holds a valid session the server knows.
    pub fn with_stored_session(config: LoginConfig) -> Self {
        let mut world = Self::new(config);
        let token = "stored-token";
        let expires = world.now + Duration::hours(1);
        world.sessions.insert(token.to_owned(), expires);
        world.storage = Some(record(token, expires.unix_timestamp(), T0 - 600));
        world
    }

    pub fn send(&mut self, event: Event) {
        self.trace
            .push(format!("{} <- {}", self.clock(), json(&event)));
        self.machine.handle(event, self.now).unwrap();
        self.drain();
    }

    /// Asks for a session and runs until the machine is quiet.
    pub fn request(&mut self, waiter: u64) {
        self.send(Event::LoginRequested {
            waiter: WaiterId(waiter),
        });
        self.run();
    }

    /// Runs the loop: answers effects (already done by `drain`), lets deadlines pass, until
    /// nothing is outstanding. Bounded: a machine that never settles fails the test.
    pub fn run(&mut self) {
        while let Some(deadline) = self.machine.poll_timeout() {
            self.steps += 1;
            assert!(self.steps < 10_000, "the machine never settles");
            if deadline > self.now {
                self.now = deadline;
            }
            self.trace.push(format!("{} timeout", self.clock()));
            self.machine.handle_timeout(self.now);
            self.drain();
        }
    }

    pub fn advance(&mut self, seconds: i64) {
        self.now += Duration::seconds(seconds);
    }

    /// Carries out every queued command, answering effects at once unless scripted silent.
    pub fn drain(&mut self) {
        let mut effects = 0;
        let mut answers = Vec::new();
        while let Some(command) = self.machine.poll_command() {
            self.trace
                .push(format!("{} -> {}", self.clock(), json(&command)));
            if command.id().is_some() {
                effects += 1;
                assert!(effects <= 1, "two effects outstanding at once");
            }
            if let Some(answer) = self.carry_out(command) {
                answers.push(answer);
            }
        }
        for answer in answers {
            self.send(answer);
        }
    }

    fn carry_out(&mut self, command: Command) -> Option<Event> {
        match command {
            Command::ReadStorage { id, .. } => {
                self.storage_reads += 1;
                let value = self.storage.clone().map(StorageValue::new);
                self.hold_if(self.storage_silent, id, Event::StorageRead { id, value })
            }
            Command::CheckWxSession { id } => {
                self.wx_check_calls += 1;
                let answer = self.wx_check.pop_front().unwrap_or(WxCheck::Valid);
                let result = match answer {
                    WxCheck::Valid | WxCheck::Silent => Ok(()),
                    WxCheck::Expired => Err(WxError::new("checkSession:fail session expired")),
                };
                let silent = matches!(answer, WxCheck::Silent);
                self.hold_if(silent, id, Event::CheckSessionResult { id, result })
            }
            Command::WxLogin { id, .. } => {
                self.wx_login_calls += 1;
                let answer = self.wx_login.pop_front().unwrap_or(WxLogin::Code);
                let result = match &answer {
                    WxLogin::Code | WxLogin::Silent => Ok(self.issue_code()),
                    WxLogin::Fail(error) => Err(error.clone()),
                };
                let silent = matches!(answer, WxLogin::Silent);
                self.hold_if(silent, id, Event::CodeObtained { id, result })
            }
            Command::SendRequest { id, request, .. } => {
                let (result, silent) = self.serve(&request);
                self.hold_if(silent, id, Event::ServerResponse { id, result })
            }
            Command::WriteStorage { value, .. } => {
                self.storage = Some(value.expose_secret().to_owned());
                self.storage_writes.push(value.expose_secret().to_owned());
                None
            }
            Command::RemoveStorage { .. } => {
                self.storage = None;
                self.storage_removes += 1;
                None
            }
            Command::Complete { waiters, outcome } => {
                for waiter in waiters {
                    assert!(
                        self.completions.iter().all(|(w, _)| *w != waiter),
                        "waiter {waiter:?} completed twice"
                    );
                    self.completions.push((waiter, outcome.clone()));
                }
                None
            }
        }
    }

    fn hold_if(&mut self, silent: bool, id: IoId, event: Event) -> Option<Event> {
        if silent {
            self.held.insert(id, event);
            None
        } else {
            Some(event)
        }
    }

    /// Delivers a held (late) answer and, if the machine took it, runs on; returns what
    /// `handle` said.
    pub fn deliver_late(&mut self, id: IoId) -> Result<(), wxlogin::client::LoginError> {
        let event = self.held.remove(&id).expect("no held answer with that id");
        self.machine.handle(event, self.now)?;
        self.drain();
        self.run();
        Ok(())
    }

    /// The id of the only held answer.
    pub fn held_id(&self) -> IoId {
        assert_eq!(self.held.len(), 1, "expected exactly one held answer");
        *self.held.keys().next().unwrap()
    }

    fn issue_code(&mut self) -> LoginCode {
        self.next_code += 1;
        let code = format!("code{:04}", self.next_code);
        self.codes_issued.insert(code.clone());
        LoginCode::new(code)
    }

    /// The fake developer server: its answer, and whether it is held back.
    fn serve(&mut self, request: &HttpRequest) -> (Result<HttpResponse, TransportError>, bool) {
        let login = request.url.ends_with(&self.machine.config().login_path);
        let script = if login {
            let code = decode_login_request(&request.body).unwrap();
            self.codes_sent.push(code.expose_secret().to_owned());
            self.login_answers.pop_front()
        } else {
            self.check_answers.pop_front()
        };
        let normal = |world: &mut Self| {
            if login {
                world.serve_login(request)
            } else {
                world.serve_check(request)
            }
        };
        match script.unwrap_or(Answer::Normal) {
            Answer::Normal => (Ok(normal(self)), false),
            Answer::Status(status, body) => {
                (Ok(HttpResponse::json(status, body.into_bytes())), false)
            }
            Answer::Transport(error) => (Err(error), false),
            Answer::Lost => {
                let _ = normal(self);
                let reset = TransportError::Connection {
                    message: "connection reset".into(),
                };
                (Err(reset), false)
            }
            Answer::Silent => (Ok(normal(self)), true),
        }
    }

    fn serve_login(&mut self, request: &HttpRequest) -> HttpResponse {
        let code = decode_login_request(&request.body).unwrap();
        let code = code.expose_secret().to_owned();
        if !self.codes_issued.contains(&code) {
            return ErrorBody::new(ErrorKind::InvalidCode, "invalid code").to_response();
        }
        if !self.codes_used.insert(code) {
            return ErrorBody::new(ErrorKind::CodeUsed, "code been used").to_response();
        }
        self.next_token += 1;
        let token = format!("token{:04}", self.next_token);
        let lifetime = Duration::seconds(self.session_lifetime);
        let expires = self.now.checked_add(lifetime).unwrap_or(self.now);
        self.sessions.insert(token.clone(), expires);
        LoginGranted {
            token: SessionToken::new(token),
            expires_in: self.session_lifetime as u64,
        }
        .to_response()
    }

    fn serve_check(&mut self, request: &HttpRequest) -> HttpResponse {
        self.checks_sent += 1;
        let token = TokenHeader::default().decode(&request.headers).unwrap();
        match self.sessions.get(token.expose_secret()) {
            Some(&expires) if expires >= self.now => SessionValid {
                expires_in: (expires - self.now).whole_seconds().max(1) as u64,
            }
            .to_response(),
            _ => ErrorBody::new(ErrorKind::SessionExpired, "session expired").to_response(),
        }
    }

    /// The one completion of `waiter`; fails the test if there is not exactly one.
    pub fn outcome(&self, waiter: u64) -> &Result<Session, LoginFailure> {
        let found: Vec<_> = self
            .completions
            .iter()
            .filter(|(w, _)| *w == WaiterId(waiter))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "waiter {waiter} completed {} times",
            found.len()
        );
        &found[0].1
    }

    pub fn token_of(&self, waiter: u64) -> String {
        match self.outcome(waiter) {
            Ok(session) => session.token.expose_secret().to_owned(),
            Err(failure) => panic!("waiter {waiter} failed: {failure:?}"),
        }
    }

    pub fn failure_of(&self, waiter: u64) -> LoginFailure {
        match self.outcome(waiter) {
            Ok(_) => panic!("waiter {waiter} got a session"),
            Err(failure) => failure.clone(),
        }
    }

    fn clock(&self) -> String {
        format!("t+{:>4}s", (self.now - at(0)).whole_seconds())
    }
}

/// A storage record as this crate writes it.
pub fn record(token: &str, expires_at: i64, issued_at: i64) -> String {
    format!(r#"{{"v":1,"token":"{token}","expires_at":{expires_at},"issued_at":{issued_at}}}"#)
}

pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}
