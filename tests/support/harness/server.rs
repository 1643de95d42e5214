//! `server_login`: the `LoginCoordinator` (and through it the per-request `CodeExchange`
//! machines) under arbitrary request bodies, WeChat answers of every status carrying hostile
//! texts, session-store answers (good tokens and malformed ones), late and unknown ids and
//! times, in any order.
//!
//! Invariants, about the machine:
//! 1. A refused event, and a late answer, leave the coordinator `==` its clone from before. An
//!    answer carrying an id given out earlier and no longer awaited is `Ok(Handled::Late)`; an
//!    id never given out is `Err(UnknownId)`; a malformed token is `Err(MalformedToken)`.
//! 2. Every accepted request gets exactly one `Complete` naming it, and once WeChat and the
//!    store answer everything (or let deadlines pass), every request is answered within a
//!    bounded number of steps.
//! 3. Replaying the same input gives the same commands.
//!
//! And about the world (checked by the server ledger, `support/ledger/server.rs`, which states
//! them in full):
//! 4. At most one code2Session call per code is in the world at a time (duplicates are joined).
//! 5. A code reaches code2Session again only if WeChat cannot have taken it, or once its life
//!    has passed; a retry is never sent at or after that life. (Asserted when the coordinator
//!    can remember every code the run uses, so no eviction forgets one.)
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
use wxlogin::wire::{ErrorBody, LoginGranted};

use super::Bytes;
use crate::markers::{APP_SECRET, CODE, RID_SHAPED_SECRET, SESSION_KEY, TOKEN, assert_quiet};
use crate::server_ledger::{ExchangeLedger, assert_untouched, awaited, js_code, non_transient};
use crate::wechat::code2session;
use crate::wechat::hostile::hostile_answer;

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
    now: OffsetDateTime,
    /// The world: requests waiting, calls in it, codes WeChat may have taken.
    ledger: ExchangeLedger,
    next_request: u64,
    /// Outstanding session creations: effect id -> the token the store will use.
    creations: BTreeMap<EffectId, String>,
    /// Tokens the store created.
    created: BTreeSet<String>,
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
        now,
        ledger: ExchangeLedger::new(remembers_all),
        next_request: 0,
        creations: BTreeMap::new(),
        created: BTreeSet::new(),
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
                let given = &checker.ledger.given;
                let id = given
                    .iter()
                    .nth(usize::from(bytes.byte()) % given.len().max(1));
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
        self.ledger.seen(now);
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
        let took_code = matches!(&event, login::Event::WeChatAnswered { result, .. }
            if non_transient(result));
        let malformed_token = matches!(&event, login::Event::SessionCreated { token, .. }
            if wxlogin::wire::validate_token(token.expose_secret()).is_err());
        self.after_received = matches!(event, login::Event::Received { .. });
        let received = match &event {
            login::Event::Received { request, .. } => Some(*request),
            _ => None,
        };
        let from_wechat = matches!(event, login::Event::WeChatAnswered { .. });
        let result = self.server.handle(event, self.now);
        assert_untouched(&result, &before, &self.server, "the coordinator");
        self.ledger.handled(id, awaited, took_code, &result);
        match &result {
            Ok(Handled::Applied) => {
                assert!(!malformed_token, "a malformed token was accepted");
                if let Some(request) = received {
                    self.ledger.accepted(request);
                }
                if from_wechat {
                    // WeChat's text entered the coordinator just now.
                    let debug = format!("{:?}", self.server);
                    self.check_text("the coordinator's Debug", &debug);
                }
                if let Some(id) = id {
                    self.creations.remove(&id);
                }
            }
            Ok(_) => {}
            Err(error) => {
                self.check_text("an error's message", &error.to_string());
                if *error == ExchangeError::MalformedToken {
                    assert!(malformed_token && awaited);
                }
            }
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.server.poll_command() {
            let debug = format!("{command:?}");
            self.check_text("a command's Debug", &debug);
            match &command {
                login::Command::CallWeChat { id, request, .. } => {
                    self.prune();
                    let code = js_code(&request.url);
                    self.ledger.call(*id, code, self.now, self.after_received);
                }
                login::Command::CreateSession { id, .. } => {
                    self.ledger.creation(*id);
                    self.tokens += 1;
                    let token = format!("{TOKEN}{}", self.tokens);
                    self.creations.insert(*id, token);
                }
                login::Command::Complete {
                    waiters,
                    response,
                    outcome,
                } => {
                    self.ledger.completed(waiters);
                    self.check_answer(response, outcome);
                }
            }
            self.log.push(debug);
        }
        self.after_received = false;
    }

    /// Invariants 6 and 7 for an answer.
    fn check_answer(&self, response: &HttpResponse, outcome: &ExchangeOutcome) {
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
        awaited(id, |event| self.server.clone().handle(event, self.now))
    }

    /// Forgets calls and creations the server gave up on (their deadline passed): an answer to
    /// them is late.
    fn prune(&mut self) {
        let (server, now) = (&self.server, self.now);
        self.ledger
            .prune(|id| awaited(id, |event| server.clone().handle(event, now)));
        let creations = std::mem::take(&mut self.creations);
        self.creations = creations
            .into_iter()
            .filter(|(id, _)| self.awaited(*id))
            .collect();
    }

    /// An answer to an outstanding code2Session call: good, or hostile.
    fn wechat_answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<login::Event> {
        self.prune();
        let calls = &self.ledger.calls;
        let (&id, code) = calls
            .iter()
            .nth(usize::from(bytes.byte()) % calls.len().max(1))?;
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
            if self.ledger.pending.is_empty() {
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
        self.ledger.assert_all_answered();
    }
}
