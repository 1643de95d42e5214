//! A small in-process driver for the server machines: a scripted fake WeChat, a session store,
//! and a simulated clock that jumps to the next deadline. No sleeps, no I/O.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use wxlogin::RequestId;

use crate::clock::t0;
use crate::markers::RID_SHAPED_SECRET;
use crate::server_ledger::{ExchangeLedger, awaited, js_code, non_transient};
use crate::wechat::app::{APPID, BASE_URL};
use crate::wechat::code2session;
use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::secret::{AppSecret, SessionToken};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{
    self, ExchangeConfig, ExchangeError, ExchangeOutcome, LoginCoordinator,
};
use wxlogin::server::session::SessionRecord;
use wxlogin::test_support::CodeExchange;

pub(crate) fn code2session() -> Code2SessionApi {
    let mut api = Code2SessionApi::new(APPID, AppSecret::new(RID_SHAPED_SECRET));
    api.base_url = BASE_URL.into();
    api
}

pub(crate) fn config() -> ExchangeConfig {
    ExchangeConfig::new(code2session(), 42)
}

pub(crate) fn login_body(code: &str) -> Vec<u8> {
    format!(r#"{{"code":"{code}"}}"#).into_bytes()
}

/// What the fake WeChat does with one call.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    Answer(HttpResponse),
    Fail(TransportFailure),
    /// Never answers: the machine's deadline has to fire.
    Silence,
}

/// Both machines, behind one driver.
pub(crate) trait Machine: Clone {
    fn handle(&mut self, e: login::Event, now: OffsetDateTime) -> Result<Handled, ExchangeError>;
    fn poll_command(&mut self) -> Option<login::Command>;
    fn poll_timeout(&self) -> Option<OffsetDateTime>;
    fn handle_timeout(&mut self, now: OffsetDateTime);
}

macro_rules! impl_machine {
    ($t:ty) => {
        impl Machine for $t {
            fn handle(
                &mut self,
                e: login::Event,
                now: OffsetDateTime,
            ) -> Result<Handled, ExchangeError> {
                <$t>::handle(self, e, now)
            }
            fn poll_command(&mut self) -> Option<login::Command> {
                <$t>::poll_command(self)
            }
            fn poll_timeout(&self) -> Option<OffsetDateTime> {
                <$t>::poll_timeout(self)
            }
            fn handle_timeout(&mut self, now: OffsetDateTime) {
                <$t>::handle_timeout(self, now)
            }
        }
    };
}
impl_machine!(CodeExchange);
impl_machine!(LoginCoordinator);

#[derive(Clone, Debug)]
pub(crate) struct Answered {
    pub(crate) at: OffsetDateTime,
    pub(crate) request: RequestId,
    pub(crate) response: HttpResponse,
    pub(crate) outcome: ExchangeOutcome,
}

pub(crate) struct Harness<M> {
    pub(crate) m: M,
    pub(crate) now: OffsetDateTime,
    /// Scripted replies, in call order; when empty, every code gets a success.
    pub(crate) script: VecDeque<Reply>,
    /// Every call sent to WeChat, with the time it was sent.
    pub(crate) calls: Vec<(OffsetDateTime, HttpRequest)>,
    /// Calls waiting for `answer_calls`.
    pub(crate) open_calls: VecDeque<(wxlogin::EffectId, Reply)>,
    pub(crate) sessions: BTreeMap<String, SessionRecord>,
    pub(crate) answered: Vec<Answered>,
    /// Whether CreateSession is answered at once.
    pub(crate) auto_sessions: bool,
    pub(crate) open_sessions: Vec<(wxlogin::EffectId, SessionRecord)>,
    tokens: u64,
    /// The world's invariants, checked on every command and answer (`ledger/server.rs`);
    /// scenarios may make the coordinator forget codes, so a resent code is not one.
    ledger: ExchangeLedger,
    /// Whether the commands being drained follow a request.
    after_request: bool,
}

impl<M: Machine> Harness<M> {
    pub(crate) fn new(m: M) -> Self {
        Self {
            m,
            now: t0(),
            script: VecDeque::new(),
            calls: Vec::new(),
            open_calls: VecDeque::new(),
            sessions: BTreeMap::new(),
            answered: Vec::new(),
            auto_sessions: true,
            open_sessions: Vec::new(),
            tokens: 0,
            ledger: ExchangeLedger::new(false),
            after_request: false,
        }
    }

    pub(crate) fn script(mut self, replies: impl IntoIterator<Item = Reply>) -> Self {
        self.script.extend(replies);
        self
    }

    pub(crate) fn receive(&mut self, request: u64, body: Vec<u8>) {
        let handled = self
            .m
            .handle(
                login::Event::Received {
                    request: RequestId(request),
                    body,
                },
                self.now,
            )
            .unwrap();
        assert_eq!(handled, Handled::Applied);
        self.ledger.accepted(RequestId(request));
        self.after_request = true;
        self.drain();
        self.after_request = false;
    }

    /// Takes every command out of the machine and files it.
    pub(crate) fn drain(&mut self) {
        while let Some(command) = self.m.poll_command() {
            match command {
                login::Command::CallWeChat { id, request, .. } => {
                    let code = js_code(&request.url);
                    if self.ledger.calls.values().any(|c| c == code) {
                        // Has the earlier call for this code left the world (its deadline)?
                        // Asked only then: a probe clones the machine.
                        let (m, now) = (&self.m, self.now);
                        self.ledger
                            .prune(|id| awaited(id, |event| m.clone().handle(event, now)));
                    }
                    self.ledger.call(id, code, self.now, self.after_request);
                    self.calls.push((self.now, request));
                    let reply = self.script.pop_front().unwrap_or_else(|| {
                        Reply::Answer(code2session::answer("openid-default", "a2V5", None))
                    });
                    self.open_calls.push_back((id, reply));
                }
                login::Command::CreateSession { id, session } => {
                    self.ledger.creation(id);
                    self.open_sessions.push((id, session));
                }
                login::Command::Complete {
                    waiters,
                    response,
                    outcome,
                } => {
                    self.ledger.completed(&waiters);
                    for request in waiters {
                        self.answered.push(Answered {
                            at: self.now,
                            request,
                            response: response.clone(),
                            outcome: outcome.clone(),
                        });
                    }
                }
            }
        }
    }

    /// Answers every open WeChat call (silent ones stay unanswered) and, if automatic, every
    /// open session creation. Returns whether anything was answered.
    pub(crate) fn answer_open(&mut self) -> bool {
        let mut progressed = false;
        let calls: Vec<_> = self.open_calls.drain(..).collect();
        for (id, reply) in calls {
            let result = match reply {
                Reply::Answer(r) => Ok(r),
                Reply::Fail(e) => Err(e),
                Reply::Silence => continue,
            };
            let took_code = non_transient(&result);
            let handled = self
                .m
                .handle(login::Event::WeChatAnswered { id, result }, self.now);
            // Open calls are answered before any clock jump: never late.
            assert_eq!(handled, Ok(Handled::Applied));
            self.ledger.handled(Some(id), true, took_code, &handled);
            progressed = true;
            self.drain();
        }
        if self.auto_sessions {
            let open: Vec<_> = self.open_sessions.drain(..).collect();
            for (id, session) in open {
                self.create_session(id, session);
                progressed = true;
            }
        }
        progressed
    }

    pub(crate) fn create_session(&mut self, id: wxlogin::EffectId, session: SessionRecord) {
        self.tokens += 1;
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&self.tokens.to_le_bytes());
        let token = SessionToken::from_random_bytes(bytes);
        let expires_at = session.expires_at;
        self.sessions
            .insert(token.expose_secret().to_owned(), session);
        let event = login::Event::SessionCreated {
            id,
            token,
            expires_at,
        };
        let applied_or_late = self.m.handle(event, self.now);
        assert!(applied_or_late.is_ok(), "{applied_or_late:?}");
        self.drain();
    }

    /// Runs until nothing is outstanding: answers effects, jumps the clock to each deadline.
    pub(crate) fn run(&mut self) {
        for _ in 0..100_000 {
            self.drain();
            if self.answer_open() {
                continue;
            }
            match self.m.poll_timeout() {
                Some(at) => {
                    if at > self.now {
                        self.now = at;
                    }
                    self.m.handle_timeout(self.now);
                    self.drain();
                }
                None => return,
            }
        }
        panic!("the machine did not settle");
    }

    pub(crate) fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// The answer to `request`, which must be unique.
    pub(crate) fn answer_to(&self, request: u64) -> &Answered {
        let all: Vec<_> = self
            .answered
            .iter()
            .filter(|a| a.request == RequestId(request))
            .collect();
        assert_eq!(all.len(), 1, "request {request} got {} answers", all.len());
        all[0]
    }
}

pub(crate) fn body_json(response: &HttpResponse) -> serde_json::Value {
    serde_json::from_slice(&response.body).unwrap()
}
