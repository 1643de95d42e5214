//! `server_login`: the `LoginCoordinator` (and through it the per-request `ServerLogin`
//! machines) under arbitrary request bodies, WeChat answers, session-store answers, wrong ids
//! and times, in any order.
//!
//! Invariants:
//! 1. A refused event leaves the coordinator `==` its clone from before.
//! 2. Every accepted request gets exactly one `Respond`, and once WeChat and the store answer
//!    everything (or let deadlines pass), every request is answered within a bounded number of
//!    steps.
//! 3. At most one code2Session call per code is outstanding at a time (duplicates are joined).
//! 4. A 200 answer carries a token the store created; every other answer is a wire error body.
//! 5. No response body, and no `Debug` of a command, contains the app secret or a session key.
//! 6. Replaying the same input gives the same commands.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;
use wxlogin::http::{HttpResponse, TransportError};
use wxlogin::secret::{AppSecret, SessionToken};
use wxlogin::server::{
    Code2Session, CoordinatorConfig, EffectId, LoginCoordinator, RequestId, ServerLoginCommand,
    ServerLoginConfig, ServerLoginError, ServerLoginEvent,
};
use wxlogin::wire::{ErrorBody, LoginGranted};

use super::Bytes;

const SECRET: &str = "APPSECRET-MARKER";
const KEY_MARKER: &str = "U0VTU0lPTktFWU1BUktFUg";

pub fn server_login(data: &[u8]) {
    let first = run(data);
    let second = run(data);
    assert_eq!(
        first, second,
        "replaying the same input gave other commands"
    );
}

fn coordinator(bytes: &mut Bytes<'_>) -> LoginCoordinator {
    let code2session = Code2Session::new("wx0123456789abcdef", AppSecret::new(SECRET));
    let mut login = ServerLoginConfig::new(code2session, bytes.u64());
    login.call_timeout = bytes.duration();
    login.create_session_timeout = bytes.duration();
    login.backoff.max_attempts = u32::from(bytes.pick(6));
    let mut config = CoordinatorConfig::new(login);
    config.max_in_flight = usize::from(bytes.pick(8)) + 1;
    config.max_remembered = usize::from(bytes.pick(8));
    config.max_waiters_per_code = usize::from(bytes.pick(4)) + 1;
    LoginCoordinator::new(config)
}

struct Checker {
    server: LoginCoordinator,
    now: OffsetDateTime,
    pending: BTreeSet<RequestId>,
    next_request: u64,
    /// Outstanding code2Session calls: effect id -> code.
    calls: BTreeMap<EffectId, String>,
    /// Outstanding session creations: effect id -> the token the store will use.
    creations: BTreeMap<EffectId, String>,
    /// Tokens the store created, and which request codes they belong to.
    created: BTreeSet<String>,
    tokens: u64,
    log: Vec<String>,
}

fn run(data: &[u8]) -> Vec<String> {
    let mut bytes = Bytes::new(data);
    let mut checker = Checker {
        server: coordinator(&mut bytes),
        now: bytes.start_time(),
        pending: BTreeSet::new(),
        next_request: 0,
        calls: BTreeMap::new(),
        creations: BTreeMap::new(),
        created: BTreeSet::new(),
        tokens: 0,
        log: Vec::new(),
    };
    while !bytes.is_empty() {
        checker.now = bytes.next_time(checker.now);
        match bytes.pick(8) {
            0 => checker.server.handle_timeout(checker.now),
            1 | 2 => {
                let body = match bytes.pick(4) {
                    // A few codes, so duplicates are common.
                    0 | 1 => format!(r#"{{"code":"code{}"}}"#, bytes.pick(4)).into_bytes(),
                    2 => bytes.slice(80).to_vec(),
                    _ => format!(r#"{{"code":{}}}"#, bytes.byte()).into_bytes(),
                };
                let request = if bytes.pick(8) == 0 {
                    RequestId(checker.next_request)
                } else {
                    checker.next_request += 1;
                    RequestId(checker.next_request)
                };
                checker.feed(ServerLoginEvent::Received { request, body });
            }
            3 | 4 => {
                let event = checker.wechat_answer(&mut bytes, false);
                checker.feed_opt(event);
            }
            5 | 6 => {
                let event = checker.store_answer(&mut bytes, false);
                checker.feed_opt(event);
            }
            _ => {
                let id = EffectId(u64::from(bytes.byte()));
                let result = Err(TransportError::Timeout);
                checker.feed(ServerLoginEvent::WeChatAnswered { id, result });
            }
        }
        checker.drain();
    }
    checker.settle();
    checker.log
}

impl Checker {
    fn feed_opt(&mut self, event: Option<ServerLoginEvent>) {
        if let Some(event) = event {
            self.feed(event);
        }
    }

    fn feed(&mut self, event: ServerLoginEvent) {
        let before = self.server.clone();
        let received = match &event {
            ServerLoginEvent::Received { request, .. } => Some(*request),
            _ => None,
        };
        let answered = answered_id(&event);
        match self.server.handle(event, self.now) {
            Ok(()) => {
                if let Some(request) = received {
                    assert!(self.pending.insert(request), "{request} accepted twice");
                }
                if let Some(id) = answered {
                    self.calls.remove(&id);
                    self.creations.remove(&id);
                }
            }
            Err(error) => {
                assert_eq!(self.server, before, "refused ({error}) but changed");
                if let ServerLoginError::DuplicateRequest { request } = error {
                    assert!(self.pending.contains(&request));
                }
            }
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.server.poll_command() {
            let debug = format!("{command:?}");
            assert!(
                !debug.contains(SECRET) && !debug.contains(KEY_MARKER),
                "{debug}"
            );
            match &command {
                ServerLoginCommand::CallWeChat { id, request, .. } => {
                    self.prune();
                    let code = request
                        .url
                        .split("js_code=")
                        .nth(1)
                        .unwrap_or("")
                        .split('&')
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    assert!(
                        !self.calls.values().any(|c| *c == code),
                        "two code2Session calls for one code at once"
                    );
                    self.calls.insert(*id, code);
                }
                ServerLoginCommand::CreateSession { id, .. } => {
                    self.tokens += 1;
                    self.creations.insert(*id, format!("token{}", self.tokens));
                }
                ServerLoginCommand::Respond {
                    request, response, ..
                } => {
                    assert!(
                        self.pending.remove(request),
                        "{request} answered twice or never asked"
                    );
                    let body = String::from_utf8_lossy(&response.body);
                    assert!(
                        !body.contains(SECRET) && !body.contains(KEY_MARKER),
                        "{body}"
                    );
                    if response.status == 200 {
                        let grant: LoginGranted =
                            serde_json::from_slice(&response.body).expect("a grant");
                        assert!(
                            self.created.contains(grant.token.expose_secret()),
                            "a token nobody created"
                        );
                    } else {
                        serde_json::from_slice::<ErrorBody>(&response.body).expect("an error body");
                    }
                }
            }
            self.log.push(debug);
        }
    }

    /// Forgets calls and creations the server gave up on (their deadline passed): an answer to
    /// them is refused as unknown.
    fn prune(&mut self) {
        let (server, now) = (&self.server, self.now);
        let alive = |event: ServerLoginEvent| server.clone().handle(event, now).is_ok();
        self.calls.retain(|&id, _| {
            alive(ServerLoginEvent::WeChatAnswered {
                id,
                result: Err(TransportError::Timeout),
            })
        });
        self.creations.retain(|&id, _| {
            alive(ServerLoginEvent::SessionNotCreated {
                id,
                reason: String::new(),
            })
        });
    }

    /// An answer to an outstanding code2Session call: good or bad.
    fn wechat_answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<ServerLoginEvent> {
        self.prune();
        let (&id, _) = self
            .calls
            .iter()
            .nth(usize::from(bytes.byte()) % self.calls.len().max(1))?;
        let ok = format!(
            r#"{{"openid":"o{}","session_key":"{KEY_MARKER}=="}}"#,
            bytes.byte()
        );
        let result = match if good { 0 } else { bytes.pick(8) } {
            0 | 1 => Ok(HttpResponse::json(200, ok.into_bytes())),
            2 => Ok(HttpResponse::json(
                200,
                br#"{"errcode":-1,"errmsg":"system error"}"#.to_vec(),
            )),
            3 => {
                let code =
                    [40029, 40163, 45011, 45009, 40226, 40125, 99999][usize::from(bytes.pick(7))];
                Ok(HttpResponse::json(
                    200,
                    format!(r#"{{"errcode":{code},"errmsg":"x, rid: 1-2"}}"#).into_bytes(),
                ))
            }
            4 => Ok(HttpResponse::json(bytes.u16(), bytes.slice(64).to_vec())),
            5 => Err(TransportError::Connection {
                message: format!("GET /?secret={SECRET}"),
            }),
            6 => Err(TransportError::Timeout),
            _ => Ok(HttpResponse::json(200, bytes.slice(100).to_vec())),
        };
        Some(ServerLoginEvent::WeChatAnswered { id, result })
    }

    /// The session store's answer to an outstanding creation: stored, failed, or a bad expiry.
    fn store_answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<ServerLoginEvent> {
        self.prune();
        let index = usize::from(bytes.byte()) % self.creations.len().max(1);
        let (&id, token) = self.creations.iter().nth(index)?;
        let token = token.clone();
        // At the end of time no session can last a second: a store can only refuse.
        let expires_at = self.now.saturating_add(time::Duration::hours(2));
        let choice = match (good, expires_at - self.now >= time::Duration::SECOND) {
            (_, false) => 2,
            (true, true) => 0,
            (false, true) => bytes.pick(4),
        };
        Some(match choice {
            0 | 1 => {
                self.created.insert(token.clone());
                let token = SessionToken::new(token);
                ServerLoginEvent::SessionCreated {
                    id,
                    token,
                    expires_at,
                }
            }
            2 => ServerLoginEvent::SessionNotCreated {
                id,
                reason: "store down".into(),
            },
            _ => {
                let token = SessionToken::new(token);
                ServerLoginEvent::SessionCreated {
                    id,
                    token,
                    expires_at: self.now,
                }
            }
        })
    }

    /// Everyone cooperates: WeChat answers well, the store stores, deadlines pass.
    fn settle(&mut self) {
        let mut bytes = Bytes::new(&[]);
        for _ in 0..10_000 {
            if self.pending.is_empty() {
                return;
            }
            // Overdue deadlines first: an effect past its deadline is no longer answerable.
            if let Some(deadline) = self.server.poll_timeout().filter(|&at| at <= self.now) {
                self.server.handle_timeout(self.now.max(deadline));
                self.drain();
                continue;
            }
            let event = self
                .wechat_answer(&mut bytes, true)
                .or_else(|| self.store_answer(&mut bytes, true));
            match (event, self.server.poll_timeout()) {
                (Some(event), _) => self.feed(event),
                (None, Some(deadline)) => {
                    self.now = self.now.max(deadline);
                    self.server.handle_timeout(self.now);
                }
                (None, None) => break,
            }
            self.drain();
        }
        let pending = &self.pending;
        assert!(pending.is_empty(), "requests never answered: {pending:?}");
    }
}

fn answered_id(event: &ServerLoginEvent) -> Option<EffectId> {
    match event {
        ServerLoginEvent::WeChatAnswered { id, .. }
        | ServerLoginEvent::SessionCreated { id, .. }
        | ServerLoginEvent::SessionNotCreated { id, .. } => Some(*id),
        ServerLoginEvent::Received { .. } => None,
    }
}
