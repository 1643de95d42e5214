//! A simulated pair in the spirit of quinn's `tests/util.rs`: the client `LoginMachine` with a
//! fake wx and fake storage, the real server `LoginCoordinator` and session check with an
//! in-memory session store, a fake WeChat API behind them, and one clock. No I/O, no sleeps.
//!
//! Tests script the fakes (and, per request, what happens between client and server), run the
//! loop, then read what happened. On every step the driver also checks the world's invariants
//! through the client's ledger (`support/ledger/client.rs`, shared with the model and the fuzz
//! harness: never two effects in the world, so never two `wx.login`, and `wx.login` only once
//! the world said there is no usable session) and that no waiter is completed twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::client_ledger::Ledger;
use std::collections::{BTreeMap, HashMap, VecDeque};
use wxlogin::{EffectId, RequestId, WaiterId};

use crate::clock::{T0, t0};
use crate::markers::APP_SECRET;
use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::client::{
    Command, Event, LoginConfig, LoginError, LoginFailure, LoginMachine, Session, WxFailure,
};
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::secret::{AppSecret, LoginCode, SessionKey, SessionToken, StorageValue};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{self, CoordinatorConfig, ExchangeConfig, LoginCoordinator};
use wxlogin::server::session::SessionCheck;
use wxlogin::wire::{TokenHeader, decode_login_request};

use crate::wechat::app::{APPID, BASE_URL};
pub(crate) use crate::wechat::codes::{FakeWeChat, WeChatReply};

pub(crate) fn config() -> LoginConfig {
    let mut config = LoginConfig::new("https://api.example.com");
    config.seed = 7;
    config
}

pub(crate) fn server_config() -> ExchangeConfig {
    let mut code2session = Code2SessionApi::new(APPID, AppSecret::new(APP_SECRET));
    code2session.base_url = BASE_URL.into();
    ExchangeConfig::new(code2session, 11)
}

/// How fake wx answers `wx.login`.
#[derive(Clone, Debug)]
pub(crate) enum WxLogin {
    Code,
    Fail(WxFailure),
    Silent,
}

/// How fake wx answers `wx.checkSession`.
#[derive(Clone, Debug)]
pub(crate) enum WxCheck {
    Valid,
    Expired,
    Silent,
}

/// What happens to one client request on its way to the server and back.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    /// The real server answers.
    Normal,
    /// A stand-in answers with this status and body; the server never sees the request.
    Status(u16, String),
    /// No response: this transport error, and the server never sees the request.
    Transport(TransportFailure),
    /// The server does the work, but its response is lost (the client gets a reset).
    Lost,
    /// The server does the work, but the response is held back: the client's deadline fires.
    /// It is kept in `World::held` for a late delivery.
    Silent,
}

enum Inbox {
    Client(Event),
    Server(login::Event),
}

pub(crate) struct World {
    pub(crate) machine: LoginMachine,
    pub(crate) server: LoginCoordinator,
    pub(crate) wechat: FakeWeChat,
    /// The server's session store: token -> record.
    pub(crate) store: BTreeMap<String, wxlogin::server::session::SessionRecord>,
    pub(crate) now: OffsetDateTime,
    pub(crate) storage: Option<String>,
    pub(crate) storage_silent: bool,
    pub(crate) storage_reads: usize,
    pub(crate) storage_writes: Vec<String>,
    pub(crate) storage_removes: usize,
    pub(crate) wx_login: VecDeque<WxLogin>,
    pub(crate) wx_check: VecDeque<WxCheck>,
    pub(crate) wx_login_calls: usize,
    pub(crate) wx_check_calls: usize,
    pub(crate) login_answers: VecDeque<Answer>,
    pub(crate) check_answers: VecDeque<Answer>,
    /// Every code the client sent to the server, in order (repeats included).
    pub(crate) codes_sent: Vec<String>,
    pub(crate) checks_sent: usize,
    /// Client requests the server is working on: the client's id and what to do with the answer.
    routes: HashMap<RequestId, (EffectId, Answer)>,
    next_request: u64,
    next_token: u64,
    inbox: VecDeque<Inbox>,
    /// Answers held back by `Silent`, by effect id.
    pub(crate) held: BTreeMap<EffectId, Event>,
    /// Server answers that reached the client after it had given up on them.
    pub(crate) stale_deliveries: usize,
    pub(crate) completions: Vec<(WaiterId, Result<Session, LoginFailure>)>,
    ledger: Ledger,
    pub(crate) trace: Vec<String>,
    pub(crate) steps: usize,
}

impl World {
    pub(crate) fn new(config: LoginConfig) -> Self {
        Self {
            machine: LoginMachine::new(config),
            server: LoginCoordinator::new(CoordinatorConfig::new(server_config())),
            wechat: FakeWeChat::default(),
            store: BTreeMap::new(),
            now: t0(),
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
            routes: HashMap::new(),
            next_request: 0,
            next_token: 0,
            inbox: VecDeque::new(),
            held: BTreeMap::new(),
            stale_deliveries: 0,
            completions: Vec::new(),
            ledger: Ledger::default(),
            trace: Vec::new(),
            steps: 0,
        }
    }

    /// A world whose storage holds a session the server knows: issued 10 minutes ago, valid for
    /// another hour.
    pub(crate) fn with_stored_session(config: LoginConfig) -> Self {
        let mut world = Self::new(config);
        let token = "stored-token";
        let expires = world.now + Duration::hours(1);
        let session = wxlogin::server::session::SessionRecord {
            openid: "oUSER".into(),
            unionid: None,
            session_key: SessionKey::new("c3RvcmVkLXNlc3Npb24ta2V5"),
            created_at: world.now - Duration::minutes(10),
            expires_at: expires,
        };
        world.store.insert(token.to_owned(), session);
        world.storage = Some(record(token, expires.unix_timestamp(), T0 - 600));
        world
    }

    /// Feeds a client event from the test; the machine must accept it.
    pub(crate) fn send(&mut self, event: Event) {
        self.trace
            .push(format!("{} <- {}", self.clock(), json(&event)));
        let _ = self.take(event).unwrap();
        self.drain();
    }

    /// Reports that a business request of `waiter` was answered 401 with `token`.
    pub(crate) fn reject(&mut self, waiter: u64, token: impl Into<String>) {
        self.send(Event::SessionRejected {
            waiter: WaiterId(waiter),
            token: SessionToken::new(token),
        });
    }

    /// Asks for a session and carries out what follows at once, without letting time pass.
    pub(crate) fn ask(&mut self, waiter: u64) {
        self.send(Event::LoginRequested {
            waiter: WaiterId(waiter),
        });
    }

    /// Asks for a session and runs until both machines are quiet.
    pub(crate) fn request(&mut self, waiter: u64) {
        self.ask(waiter);
        self.run();
    }

    /// Lets time pass from deadline to deadline (client's and server's) until nothing is
    /// outstanding. Bounded: a pair that never settles fails the test.
    pub(crate) fn run(&mut self) {
        loop {
            self.drain();
            let next = [self.machine.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(deadline) = next else { return };
            self.steps += 1;
            assert!(self.steps < 10_000, "the pair never settles");
            self.now = self.now.max(deadline);
            self.trace.push(format!("{} timeout", self.clock()));
            self.machine.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
        }
    }

    pub(crate) fn advance(&mut self, seconds: i64) {
        self.now += Duration::seconds(seconds);
    }

    /// Carries out every queued command of both machines and delivers every answer, until
    /// neither has anything left to do.
    pub(crate) fn drain(&mut self) {
        loop {
            while let Some(command) = self.machine.poll_command() {
                self.trace
                    .push(format!("{} -> {}", self.clock(), json(&command)));
                let config = self.machine.config().clone();
                self.ledger.enter(&command, self.now, &config);
                self.carry_out(command);
            }
            if self.machine.session().is_some() {
                self.ledger.verified();
            }
            while let Some(command) = self.server.poll_command() {
                self.serve(command);
            }
            match self.inbox.pop_front() {
                Some(Inbox::Client(event)) => self.deliver(event),
                Some(Inbox::Server(event)) => {
                    let _applied_or_late = self.server.handle(event, self.now).unwrap();
                }
                None => return,
            }
        }
    }

    /// Hands an answer to the client; an answer to an effect it gave up on is late.
    fn deliver(&mut self, event: Event) {
        self.trace
            .push(format!("{} <- {}", self.clock(), json(&event)));
        match self.take(event) {
            Ok(Handled::Applied) => {}
            Ok(Handled::Late) => self.stale_deliveries += 1,
            Err(error) => panic!("the driver broke the contract: {error}"),
        }
    }

    /// Hands `event` to the client and tells the world's ledger what it learnt: an answer has
    /// left the world, an applied event may say there is no usable session.
    fn take(&mut self, event: Event) -> Result<Handled, LoginError> {
        let answers = event.answers();
        let held_expired = self
            .machine
            .session()
            .is_some_and(|s| self.now >= s.expires_at);
        self.ledger.seen(self.now);
        let handled = self.machine.handle(event.clone(), self.now)?;
        if let Some(id) = answers {
            self.ledger.answered(id.0);
        }
        if handled == Handled::Applied {
            self.ledger.learn(&event, self.now, held_expired);
        }
        Ok(handled)
    }

    fn carry_out(&mut self, command: Command) {
        let answer = match command {
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
                    WxCheck::Expired => Err(WxFailure::new("checkSession:fail session expired")),
                };
                let silent = matches!(answer, WxCheck::Silent);
                self.hold_if(silent, id, Event::CheckSessionResult { id, result })
            }
            Command::WxLogin { id, .. } => {
                self.wx_login_calls += 1;
                let answer = self.wx_login.pop_front().unwrap_or(WxLogin::Code);
                let result = match &answer {
                    WxLogin::Code | WxLogin::Silent => Ok(LoginCode::new(self.wechat.issue_code())),
                    WxLogin::Fail(error) => Err(error.clone()),
                };
                let silent = matches!(answer, WxLogin::Silent);
                self.hold_if(silent, id, Event::CodeObtained { id, result })
            }
            Command::SendRequest { id, request, .. } => self.send_request(id, &request),
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
        };
        if let Some(event) = answer {
            self.inbox.push_back(Inbox::Client(event));
        }
    }

    fn hold_if(&mut self, silent: bool, id: EffectId, event: Event) -> Option<Event> {
        if silent {
            self.held.insert(id, event);
            None
        } else {
            Some(event)
        }
    }

    /// The network between client and server.
    fn send_request(&mut self, id: EffectId, request: &HttpRequest) -> Option<Event> {
        let login = request.url.ends_with(&self.machine.config().login_path);
        let script = if login {
            let code = decode_login_request(&request.body).unwrap();
            self.codes_sent.push(code.expose_secret().to_owned());
            self.login_answers.pop_front()
        } else {
            self.checks_sent += 1;
            self.check_answers.pop_front()
        };
        let respond = |result| Some(Event::ServerResponse { id, result });
        match script.unwrap_or(Answer::Normal) {
            Answer::Status(status, body) => {
                respond(Ok(HttpResponse::json(status, body.into_bytes())))
            }
            Answer::Transport(error) => respond(Err(error)),
            delivery if login => {
                self.next_request += 1;
                let request_id = RequestId(self.next_request);
                self.routes.insert(request_id, (id, delivery));
                let body = request.body.clone();
                let received = login::Event::Received {
                    request: request_id,
                    body,
                };
                self.inbox.push_back(Inbox::Server(received));
                None
            }
            delivery => {
                let response = match SessionCheck::read(&TokenHeader::default(), &request.headers) {
                    Ok(check) => {
                        let found = self.store.get(check.token().expose_secret());
                        check.answer(found, self.now)
                    }
                    Err(bad_request) => bad_request,
                };
                self.route(id, delivery, response)
            }
        }
    }

    /// What the client gets for a server answer, by delivery mode.
    fn route(&mut self, id: EffectId, delivery: Answer, response: HttpResponse) -> Option<Event> {
        let event = Event::ServerResponse {
            id,
            result: Ok(response),
        };
        match delivery {
            Answer::Silent => {
                self.held.insert(id, event);
                None
            }
            Answer::Lost => {
                let message = "connection reset".into();
                let result = Err(TransportFailure::Connection { message });
                Some(Event::ServerResponse { id, result })
            }
            Answer::Normal | Answer::Status(..) | Answer::Transport(_) => Some(event),
        }
    }

    /// Carries out one command of the server: WeChat calls, session creation, answers.
    fn serve(&mut self, command: login::Command) {
        match command {
            login::Command::CallWeChat { id, request, .. } => {
                let result = self.wechat.answer(&request);
                let event = login::Event::WeChatAnswered { id, result };
                self.inbox.push_back(Inbox::Server(event));
            }
            login::Command::CreateSession { id, session } => {
                self.next_token += 1;
                let token = format!("token{:04}", self.next_token);
                let expires_at = session.expires_at;
                self.store.insert(token.clone(), session);
                let token = SessionToken::new(token);
                let event = login::Event::SessionCreated {
                    id,
                    token,
                    expires_at,
                };
                self.inbox.push_back(Inbox::Server(event));
            }
            login::Command::Complete {
                waiters, response, ..
            } => {
                for request in waiters {
                    let (id, delivery) = self.routes.remove(&request).expect("a routed request");
                    if let Some(event) = self.route(id, delivery, response.clone()) {
                        self.inbox.push_back(Inbox::Client(event));
                    }
                }
            }
        }
    }

    /// Delivers a held (late) answer and, if the machine took it, runs on; returns what
    /// `handle` said.
    pub(crate) fn deliver_late(&mut self, id: EffectId) -> Result<Handled, LoginError> {
        let event = self.held.remove(&id).expect("no held answer with that id");
        let handled = self.take(event)?;
        self.run();
        Ok(handled)
    }

    /// The id of the only held answer.
    pub(crate) fn held_id(&self) -> EffectId {
        assert_eq!(self.held.len(), 1, "expected exactly one held answer");
        *self.held.keys().next().unwrap()
    }

    /// The one completion of `waiter`; fails the test if there is not exactly one.
    pub(crate) fn outcome(&self, waiter: u64) -> &Result<Session, LoginFailure> {
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

    pub(crate) fn token_of(&self, waiter: u64) -> String {
        match self.outcome(waiter) {
            Ok(session) => session.token.expose_secret().to_owned(),
            Err(failure) => panic!("waiter {waiter} failed: {failure:?}"),
        }
    }

    pub(crate) fn failure_of(&self, waiter: u64) -> LoginFailure {
        match self.outcome(waiter) {
            Ok(_) => panic!("waiter {waiter} got a session"),
            Err(failure) => failure.clone(),
        }
    }

    fn clock(&self) -> String {
        format!("t+{:>4}s", (self.now - t0()).whole_seconds())
    }
}

/// A storage record as this crate writes it.
pub(crate) fn record(token: &str, expires_at: i64, issued_at: i64) -> String {
    format!(r#"{{"v":1,"token":"{token}","expires_at":{expires_at},"issued_at":{issued_at}}}"#)
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}
