//! `server_login`: the `LoginCoordinator` (and through it the per-request `CodeExchange`
//! machines) under arbitrary request bodies, WeChat answers of every status carrying hostile
//! texts, session-store answers (good tokens and malformed ones), late and unknown ids and
//! times, in any order.
//!
//! Invariants, about the machine:
//! 1. A refused event, and a late answer, leave the coordinator `==` its clone from before. An
//!    answer carrying an id given out earlier and no longer awaited is `Ok(Handled::Late)`; an
//!    id never given out is `Err(UnknownId)`; a malformed token is `Err(MalformedToken)`.
//! 2. Every accepted request gets exactly one `Complete` naming it, and once WeChat and the store answer
//!    everything (or let deadlines pass), every request is answered within a bounded number of
//!    steps.
//! 3. Replaying the same input gives the same commands.
//!
//! And about the world:
//! 4. At most one code2Session call per code is in the world at a time (duplicates are joined).
//! 5. A code reaches code2Session again only if WeChat cannot have taken it (every earlier
//!    answer was transient, `-1`, 5xx, no response, timeout, or refused the request rather than
//!    the code: a quota, the configuration, a token), or once its life ([`CODE_LIFETIME`] from
//!    the exchange's start) has passed; a retry is never sent at or after that life. (Asserted
//!    when the coordinator can remember every code the run uses, so no eviction forgets one.)
//! 6. A 200 answer carries a token the store created; every other answer is a wire error body.
//! 7. No secret marker (the app secret or its head, a code, a session key, a token) appears in
//!    any `Debug` of a command or of the coordinator, any error body, any outcome's message or
//!    any error's message, whatever WeChat said, with whatever status; a 200 body carries only
//!    its own token.

use std::collections::{BTreeMap, BTreeSet};
use wxlogin::{EffectId, RequestId};

use time::OffsetDateTime;
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AppSecret, SessionToken};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{
    self, CoordinatorConfig, ExchangeConfig, ExchangeError, ExchangeOutcome, LoginCoordinator,
};
use wxlogin::wire::CODE_LIFETIME;
use wxlogin::wire::{ErrorBody, LoginGranted};

use super::Bytes;
use crate::markers::{APP_SECRET, CODE, RID_SHAPED_SECRET, SESSION_KEY, TOKEN, assert_quiet};
use crate::wechat::code2session;
use crate::wechat::hostile::hostile_answer;
use wxlogin::server::code2session::WeChatSession;
use wxlogin::server::wechat_api::{self, ErrorClass};

/// Two app secrets: one that percent-encoding changes, one in the shape of a WeChat rid.
const SECRETS: [&str; 2] = [APP_SECRET, RID_SHAPED_SECRET];
/// How many codes a run uses, each in the shape of a rid (`C0DE-MARK-11`), so only the scrub
/// keeps them out of one.
const CODES: u8 = 4;
/// How much of a marker a cut (at 512 bytes of errmsg) may leave, and must not show either.
const HEAD: usize = 4;

pub(crate) fn server_login(data: &[u8]) {
    super::replayed(data, run);
}

fn coordinator(bytes: &mut Bytes<'_>) -> (LoginCoordinator, &'static str, bool) {
    let secret = SECRETS[usize::from(bytes.pick(2))];
    let code2session = Code2SessionApi::new("wx0123456789abcdef", AppSecret::new(secret));
    let mut login = ExchangeConfig::new(code2session, bytes.u64());
    login.call_timeout = bytes.duration();
    login.create_session_timeout = bytes.duration();
    login.backoff.max_attempts = u32::from(bytes.pick(6));
    let mut config = CoordinatorConfig::new(login);
    config.max_in_flight = usize::from(bytes.pick(8)) + 1;
    config.max_remembered = usize::from(bytes.pick(8));
    config.max_waiters_per_code = usize::from(bytes.pick(4)) + 1;
    let remembers_all = config.max_remembered >= usize::from(CODES);
    (LoginCoordinator::new(config), secret, remembers_all)
}

fn code(n: u8) -> String {
    format!("{CODE}-{n}{n}")
}

struct Checker {
    server: LoginCoordinator,
    secret: &'static str,
    remembers_all: bool,
    now: OffsetDateTime,
    /// The latest time any input carried: what the coordinator may have forgotten by.
    latest: OffsetDateTime,
    pending: BTreeSet<RequestId>,
    next_request: u64,
    /// Every effect id the coordinator gave out.
    given: BTreeSet<EffectId>,
    /// Outstanding code2Session calls: effect id -> code.
    calls: BTreeMap<EffectId, String>,
    /// Outstanding session creations: effect id -> the token the store will use.
    creations: BTreeMap<EffectId, String>,
    /// Tokens the store created.
    created: BTreeSet<String>,
    /// When each code's current exchange started, and until when a non-transient answer
    /// forbids sending it again.
    started: BTreeMap<String, OffsetDateTime>,
    sealed: BTreeMap<String, OffsetDateTime>,
    /// Whether the commands being drained follow a `Received` (a call then starts an exchange).
    after_received: bool,
    tokens: u64,
    log: Vec<String>,
}

fn run(data: &[u8]) -> Vec<String> {
    let mut bytes = Bytes::new(data);
    let (server, secret, remembers_all) = coordinator(&mut bytes);
    let now = bytes.start_time();
    let mut checker = Checker {
        server,
        secret,
        remembers_all,
        now,
        latest: now,
        pending: BTreeSet::new(),
        next_request: 0,
        given: BTreeSet::new(),
        calls: BTreeMap::new(),
        creations: BTreeMap::new(),
        created: BTreeSet::new(),
        started: BTreeMap::new(),
        sealed: BTreeMap::new(),
        after_received: false,
        tokens: 0,
        log: Vec::new(),
    };
    while !bytes.is_empty() {
        checker.set_now(bytes.next_time(checker.now));
        match bytes.pick(9) {
            0 => checker.server.handle_timeout(checker.now),
            1 | 2 => {
                let body = match bytes.pick(4) {
                    // A few codes, so duplicates are common.
                    0 | 1 => format!(r#"{{"code":"{}"}}"#, code(bytes.pick(CODES))).into_bytes(),
                    2 => bytes.slice(80).to_vec(),
                    _ => format!(r#"{{"code":{}}}"#, bytes.byte()).into_bytes(),
                };
                let request = if bytes.pick(8) == 0 {
                    RequestId(checker.next_request)
                } else {
                    checker.next_request += 1;
                    RequestId(checker.next_request)
                };
                checker.feed(login::Event::Received { request, body });
            }
            3 | 4 => {
                let event = checker.wechat_answer(&mut bytes, false);
                checker.feed_opt(event);
            }
            5 | 6 => {
                let event = checker.store_answer(&mut bytes, false);
                checker.feed_opt(event);
            }
            7 => {
                // Any id at all: outstanding, given out earlier (late), or never given.
                let id = EffectId(u64::from(bytes.byte()));
                let result = Err(TransportFailure::Timeout);
                checker.feed(login::Event::WeChatAnswered { id, result });
            }
            _ => {
                // A second answer to an id, or one after its deadline.
                let given = checker.given.len().max(1);
                let id = checker.given.iter().nth(usize::from(bytes.byte()) % given);
                let event = id.map(|&id| login::Event::SessionNotCreated {
                    id,
                    failure: wxlogin::server::login::SessionStoreFailure::Failed {
                        reason: String::new(),
                    },
                });
                checker.feed_opt(event);
            }
        }
        checker.drain();
    }
    checker.settle();
    checker.log
}

impl Checker {
    fn set_now(&mut self, now: OffsetDateTime) {
        self.now = now;
        self.latest = self.latest.max(now);
    }

    fn feed_opt(&mut self, event: Option<login::Event>) {
        if let Some(event) = event {
            self.feed(event);
        }
    }

    fn feed(&mut self, event: login::Event) {
        let before = self.server.clone();
        let id = event.effect_id();
        let awaited = id.is_some_and(|id| self.awaited(id));
        let sealing = match &event {
            login::Event::WeChatAnswered { id, result } => self
                .calls
                .get(id)
                .filter(|_| non_transient(result))
                .cloned(),
            _ => None,
        };
        let malformed_token = matches!(&event, login::Event::SessionCreated { token, .. }
            if wxlogin::wire::validate_token(token.expose_secret()).is_err());
        self.after_received = matches!(event, login::Event::Received { .. });
        let received = match &event {
            login::Event::Received { request, .. } => Some(*request),
            _ => None,
        };
        let from_wechat = matches!(event, login::Event::WeChatAnswered { .. });
        let result = self.server.handle(event, self.now);
        match (&result, id) {
            (Ok(Handled::Late), _) => {
                assert_eq!(self.server, before, "a late answer changed the coordinator");
            }
            (Ok(Handled::Applied), _) => {
                assert!(!malformed_token, "a malformed token was accepted");
                if let Some(request) = received {
                    assert!(self.pending.insert(request), "{request} accepted twice");
                }
                if from_wechat {
                    // WeChat's text entered the coordinator just now.
                    let debug = format!("{:?}", self.server);
                    self.check_text("the coordinator's Debug", &debug);
                }
                if let Some(code) = sealing {
                    let until = self.started[&code].saturating_add(CODE_LIFETIME);
                    self.sealed.insert(code, until);
                }
                if let Some(id) = id {
                    self.calls.remove(&id);
                    self.creations.remove(&id);
                }
            }
            (Err(error), _) => {
                assert_eq!(self.server, before, "refused ({error}) but changed");
                self.check_text("an error's message", &error.to_string());
                if let ExchangeError::DuplicateRequest { request } = error {
                    assert!(self.pending.contains(request));
                }
            }
        }
        match (result, id) {
            (Ok(Handled::Late), Some(id)) => assert!(self.given.contains(&id) && !awaited),
            (Err(ExchangeError::UnknownId { id }), _) => assert!(!self.given.contains(&id)),
            (Err(ExchangeError::MalformedToken), _) => assert!(malformed_token && awaited),
            (Ok(_), Some(id)) if !awaited => panic!("{id} is not awaited, yet applied"),
            (Err(_), Some(id)) if self.given.contains(&id) && !awaited => {
                panic!("{id} was given out earlier, yet refused rather than late")
            }
            _ => {}
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.server.poll_command() {
            let debug = format!("{command:?}");
            self.check_text("a command's Debug", &debug);
            match &command {
                login::Command::CallWeChat { id, request, .. } => {
                    assert!(self.given.insert(*id), "{id} given out twice");
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
                    self.check_call(&code);
                    self.calls.insert(*id, code);
                }
                login::Command::CreateSession { id, .. } => {
                    assert!(self.given.insert(*id), "{id} given out twice");
                    self.tokens += 1;
                    let token = format!("{TOKEN}{}", self.tokens);
                    self.creations.insert(*id, token);
                }
                login::Command::Complete {
                    waiters,
                    response,
                    outcome,
                } => {
                    assert!(!waiters.is_empty(), "a Complete that answers nobody");
                    for request in waiters {
                        self.check_answer(*request, response, outcome);
                    }
                }
            }
            self.log.push(debug);
        }
        self.after_received = false;
    }

    /// Invariants 4 and 5 for a call about to go out.
    fn check_call(&mut self, code: &str) {
        assert!(
            !self.calls.values().any(|c| c == code),
            "two code2Session calls for one code at once"
        );
        if self.after_received {
            self.started.insert(code.to_owned(), self.now);
        } else {
            let life = self.started[code].saturating_add(CODE_LIFETIME);
            assert!(self.now < life, "a retry sent at or after the code's life");
        }
        if let Some(&until) = self.sealed.get(code).filter(|_| self.remembers_all) {
            assert!(
                self.latest >= until,
                "a code sent again after a non-transient answer, within its life"
            );
        }
    }

    /// Invariants 6 and 7 for an answer.
    fn check_answer(
        &mut self,
        request: RequestId,
        response: &HttpResponse,
        outcome: &ExchangeOutcome,
    ) {
        assert!(
            self.pending.remove(&request),
            "{request} answered twice or never asked"
        );
        if let ExchangeOutcome::Failed(failure) = outcome {
            self.check_text("an outcome's message", &failure.to_string());
        }
        let body = String::from_utf8_lossy(&response.body);
        if response.status == 200 {
            let grant: LoginGranted = serde_json::from_slice(&response.body).expect("a grant");
            let token = grant.token.expose_secret();
            assert!(self.created.contains(token), "a token nobody created");
            self.check_text("a grant", &body.replace(token, ""));
        } else {
            serde_json::from_slice::<ErrorBody>(&response.body).expect("an error body");
            self.check_text("an error body", &body);
        }
    }

    fn check_text(&self, what: &str, text: &str) {
        assert_quiet(what, text);
        for marker in [self.secret, CODE, TOKEN] {
            let head = &marker[..HEAD];
            assert!(!text.contains(head), "{head} in {what}: {text}");
        }
    }

    fn awaited(&self, id: EffectId) -> bool {
        let (server, now) = (&self.server, self.now);
        let applied = |event| server.clone().handle(event, now) == Ok(Handled::Applied);
        let result = Err(TransportFailure::Timeout);
        applied(login::Event::WeChatAnswered { id, result })
            || applied(login::Event::SessionNotCreated {
                id,
                failure: wxlogin::server::login::SessionStoreFailure::Failed {
                    reason: String::new(),
                },
            })
    }

    /// Forgets calls and creations the server gave up on (their deadline passed): an answer to
    /// them is late.
    fn prune(&mut self) {
        let calls = std::mem::take(&mut self.calls);
        self.calls = calls
            .into_iter()
            .filter(|(id, _)| self.awaited(*id))
            .collect();
        let creations = std::mem::take(&mut self.creations);
        self.creations = creations
            .into_iter()
            .filter(|(id, _)| self.awaited(*id))
            .collect();
    }

    /// An answer to an outstanding code2Session call: good, or hostile.
    fn wechat_answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<login::Event> {
        self.prune();
        let (&id, code) = self
            .calls
            .iter()
            .nth(usize::from(bytes.byte()) % self.calls.len().max(1))?;
        let result = if good {
            Ok(code2session::answer("o1", SESSION_KEY, None))
        } else {
            hostile_answer(bytes, self.secret, code)
        };
        Some(login::Event::WeChatAnswered { id, result })
    }

    /// The session store's answer to an outstanding creation: stored (with a good token or a
    /// malformed one), failed, or a bad expiry.
    fn store_answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<login::Event> {
        self.prune();
        let index = usize::from(bytes.byte()) % self.creations.len().max(1);
        let (&id, token) = self.creations.iter().nth(index)?;
        let token = token.clone();
        // At the end of time no session can last a second: a store can only refuse.
        let expires_at = self.now.saturating_add(time::Duration::hours(2));
        let choice = match (good, expires_at - self.now >= time::Duration::SECOND) {
            (_, false) => 2,
            (true, true) => 0,
            (false, true) => bytes.pick(5),
        };
        Some(match choice {
            0 | 1 => {
                self.created.insert(token.clone());
                let token = SessionToken::new(token);
                login::Event::SessionCreated {
                    id,
                    token,
                    expires_at,
                }
            }
            2 => login::Event::SessionNotCreated {
                id,
                failure: wxlogin::server::login::SessionStoreFailure::Failed {
                    reason: "store down".into(),
                },
            },
            3 => {
                let bad = [
                    "",
                    " ",
                    &format!("{TOKEN} x"),
                    &format!("{TOKEN}\r\nX-Injected: 1"),
                    &format!("{TOKEN}é"),
                ];
                let token = match bytes.pick(6) {
                    5 => format!("{TOKEN}{}", "t".repeat(1024)),
                    n => bad[usize::from(n)].to_owned(),
                };
                login::Event::SessionCreated {
                    id,
                    token: SessionToken::new(token),
                    expires_at,
                }
            }
            _ => login::Event::SessionCreated {
                id,
                token: SessionToken::new(token),
                expires_at: self.now,
            },
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
                    self.set_now(self.now.max(deadline));
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

/// Whether WeChat may have taken the code with this answer: a success, or anything but a
/// transient failure or a refusal of the request (a quota, the configuration, a token).
fn non_transient(result: &Result<HttpResponse, TransportFailure>) -> bool {
    // The session's fields do not matter here: a malformed success took the code too.
    let Err(error) = wechat_api::parse::<WeChatSession>(result) else {
        return true;
    };
    let about_the_request = error.wechat().is_some_and(|w| {
        matches!(
            w.class(),
            ErrorClass::Retry
                | ErrorClass::RateLimited(_)
                | ErrorClass::Configuration
                | ErrorClass::TokenInvalid
        )
    });
    !error.is_transient() && !about_the_request
}
