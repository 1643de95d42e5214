//! The machine contract under abuse: absurd and backwards times never panic, and random walks
//! over valid and invalid inputs keep every request answered exactly once.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::rng::Rng;
use crate::server_ledger::{ExchangeLedger, assert_untouched, awaited, js_code, non_transient};
use crate::server_util;
use crate::wechat::code2session;
use crate::wechat::errcode;

use wxlogin::{EffectId, RequestId};

use server_util::*;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::SessionToken;
use wxlogin::server::login::{self, CoordinatorConfig, LoginCoordinator};
use wxlogin::test_support::CodeExchange;

const CODE: &str = "code-0123456789";

fn absurd_times() -> Vec<OffsetDateTime> {
    let east = UtcOffset::from_hms(25, 59, 59).unwrap();
    let west = UtcOffset::from_hms(-25, -59, -59).unwrap();
    vec![
        PrimitiveDateTime::MIN.assume_utc(),
        PrimitiveDateTime::MAX.assume_utc(),
        PrimitiveDateTime::MIN.assume_offset(east),
        PrimitiveDateTime::MAX.assume_offset(west),
        PrimitiveDateTime::MAX.assume_offset(east),
        PrimitiveDateTime::MIN.assume_offset(west),
        PrimitiveDateTime::MAX.assume_utc() - Duration::seconds(30),
        OffsetDateTime::UNIX_EPOCH,
    ]
}

/// Drives a machine without the harness's unwraps: refused events are fine here, and the
/// session store answers with the proposed expiry.
fn drive_tolerantly<M: Machine>(m: &mut M, mut now: OffsetDateTime, replies: &[Reply]) -> usize {
    let mut replies = replies.iter().cloned();
    let mut answers = 0;
    for _ in 0..1000 {
        let mut progressed = false;
        while let Some(command) = m.poll_command() {
            progressed = true;
            match command {
                login::Command::CallWeChat { id, .. } => {
                    let result = match replies.next() {
                        Some(Reply::Answer(r)) => Ok(r),
                        Some(Reply::Fail(e)) => Err(e),
                        Some(Reply::Silence) => continue,
                        None => Ok(code2session::answer("o", "k", None)),
                    };
                    let _ = m.handle(login::Event::WeChatAnswered { id, result }, now);
                }
                login::Command::CreateSession { id, session } => {
                    let token = SessionToken::new("t");
                    let event = login::Event::SessionCreated {
                        id,
                        token,
                        expires_at: session.expires_at,
                    };
                    let _ = m.handle(event, now);
                }
                login::Command::Complete { waiters, .. } => answers += waiters.len(),
            }
        }
        if !progressed {
            match m.poll_timeout() {
                Some(at) => {
                    now = now.max(at);
                    m.handle_timeout(now);
                }
                None => return answers,
            }
        }
    }
    panic!("did not settle")
}

#[test]
fn absurd_times_never_panic_and_still_answer() {
    let scripts: Vec<Vec<Reply>> = vec![
        vec![],
        vec![Reply::Answer(errcode::answer(-1, "busy")); 10],
        vec![Reply::Silence; 10],
        vec![Reply::Answer(errcode::answer(45009, "day quota"))],
        vec![Reply::Fail(TransportFailure::Timeout)],
    ];
    for now in absurd_times() {
        for script in &scripts {
            let mut m = CodeExchange::new(config());
            assert_eq!(
                m.handle(
                    login::Event::Received {
                        request: RequestId(1),
                        body: login_body(CODE),
                    },
                    now,
                )
                .unwrap(),
                Handled::Applied
            );
            assert_eq!(drive_tolerantly(&mut m, now, script), 1, "at {now}");

            let mut c = LoginCoordinator::new(CoordinatorConfig::new(config()));
            for r in 0..3 {
                assert_eq!(
                    c.handle(
                        login::Event::Received {
                            request: RequestId(r),
                            body: login_body(CODE),
                        },
                        now,
                    )
                    .unwrap(),
                    Handled::Applied
                );
            }
            assert_eq!(drive_tolerantly(&mut c, now, script), 3, "at {now}");
        }
    }
}

#[test]
fn time_going_backwards_is_tolerated() {
    let mut h = Harness::new(CodeExchange::new(config())).script([
        Reply::Answer(errcode::answer(-1, "busy")),
        Reply::Answer(code2session::answer("o", "k", None)),
    ]);
    h.receive(1, login_body(CODE));
    h.now -= Duration::minutes(10);
    h.run();
    assert_eq!(h.calls.len(), 2);
    assert_eq!(h.answer_to(1).response.status, 200);
}

/// A seeded random walk over the coordinator's inputs, valid and invalid, in any order,
/// checked step by step against the server ledger.
struct Walk {
    rng: Rng,
    m: LoginCoordinator,
    now: OffsetDateTime,
    ledger: ExchangeLedger,
    next_request: u64,
    accepted: u64,
    /// Whether the commands being collected follow a request (a call then starts an exchange).
    after_request: bool,
    /// Effects waiting for an answer: (id, is a session creation).
    open: Vec<(EffectId, bool)>,
    refused: usize,
    late: usize,
}

impl Walk {
    fn new(seed: u64) -> Self {
        let mut cfg = CoordinatorConfig::new(config());
        cfg.max_in_flight = 4;
        cfg.max_remembered = 6;
        cfg.max_waiters_per_code = 3;
        Self {
            rng: Rng::new(seed),
            m: LoginCoordinator::new(cfg),
            now: t0(),
            // Six codes, six remembered: the coordinator forgets none by eviction.
            ledger: ExchangeLedger::new(true),
            next_request: 0,
            accepted: 0,
            after_request: false,
            open: Vec::new(),
            refused: 0,
            late: 0,
        }
    }

    fn pick(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    fn set_now(&mut self, now: OffsetDateTime) {
        self.now = now;
        self.ledger.seen(now);
    }

    /// One input, and the commands it caused.
    fn step(&mut self) {
        match self.pick(8) {
            0 | 1 => {
                self.next_request += 1;
                let body = if self.pick(10) == 0 {
                    b"garbage".to_vec()
                } else {
                    login_body(&format!("code{}", self.pick(6)))
                };
                let request = RequestId(self.next_request);
                self.feed(login::Event::Received { request, body });
            }
            2 | 3 if !self.open.is_empty() => {
                let index = self.pick(self.open.len() as u64) as usize;
                let (id, session) = self.open.remove(index);
                let event = self.answer(id, session);
                self.feed(event);
            }
            4 => {
                // Any id at all, often stale.
                let id = EffectId(self.pick(self.next_request * 2 + 2));
                let result = Err(TransportFailure::Timeout);
                self.feed(login::Event::WeChatAnswered { id, result });
            }
            5 => {
                if let Some(at) = self.m.poll_timeout() {
                    self.set_now(self.now.max(at));
                }
                self.m.handle_timeout(self.now);
            }
            6 => {
                let ms = self.pick(60_000) as i64;
                self.set_now(self.now + Duration::milliseconds(ms));
            }
            _ => {
                let ms = self.pick(5_000) as i64;
                self.set_now(self.now - Duration::milliseconds(ms));
                self.m.handle_timeout(self.now);
            }
        }
        self.collect();
        assert!(self.m.in_flight() <= 4 && self.m.remembered() <= 6);
    }

    /// An answer to effect `id`: the session store's, or WeChat's.
    fn answer(&mut self, id: EffectId, session: bool) -> login::Event {
        if session {
            return match self.pick(3) {
                0 => login::Event::SessionNotCreated {
                    id,
                    failure: login::SessionStoreFailure::Failed { reason: "x".into() },
                },
                _ => login::Event::SessionCreated {
                    id,
                    token: SessionToken::new(format!("tok{id:?}")),
                    expires_at: self.now + Duration::seconds(self.pick(7200) as i64),
                },
            };
        }
        let replies = [
            Ok(code2session::answer("o", "k", None)),
            Ok(errcode::answer(-1, "busy")),
            Ok(errcode::answer(40029, "bad")),
            Ok(errcode::answer(45011, "quota")),
            Ok(HttpResponse::json(500, vec![])),
            Ok(HttpResponse::json(200, b"{".to_vec())),
            Err(TransportFailure::Timeout),
        ];
        let result = replies[self.pick(replies.len() as u64) as usize].clone();
        login::Event::WeChatAnswered { id, result }
    }

    fn feed(&mut self, event: login::Event) {
        let before = self.m.clone();
        let id = event.effect_id();
        let (m, now) = (&self.m, self.now);
        let is_awaited = id.is_some_and(|id| awaited(id, |e| m.clone().handle(e, now)));
        let took_code = matches!(&event, login::Event::WeChatAnswered { result, .. }
            if non_transient(result));
        self.after_request = matches!(event, login::Event::Received { .. });
        let request = match &event {
            login::Event::Received { request, .. } => Some(*request),
            _ => None,
        };
        let result = self.m.handle(event, self.now);
        assert_untouched(&result, &before, &self.m, "the coordinator");
        self.ledger.handled(id, is_awaited, took_code, &result);
        match (&result, request) {
            (Ok(Handled::Applied), Some(request)) => {
                self.ledger.accepted(request);
                self.accepted += 1;
            }
            (Ok(Handled::Late), _) => self.late += 1,
            (Err(_), _) => self.refused += 1,
            _ => {}
        }
    }

    fn collect(&mut self) {
        while let Some(command) = self.m.poll_command() {
            match command {
                login::Command::CallWeChat { id, request, .. } => {
                    let (m, now) = (&self.m, self.now);
                    self.ledger
                        .prune(|id| awaited(id, |e| m.clone().handle(e, now)));
                    let code = js_code(&request.url);
                    self.ledger.call(id, code, self.now, self.after_request);
                    self.open.push((id, false));
                }
                login::Command::CreateSession { id, .. } => {
                    self.ledger.creation(id);
                    self.open.push((id, true));
                }
                login::Command::Complete { waiters, .. } => self.ledger.completed(&waiters),
            }
        }
        self.after_request = false;
    }

    /// Lets every deadline pass without answering anything more: everyone gets an answer.
    fn finish(&mut self) {
        for _ in 0..10_000 {
            let Some(at) = self.m.poll_timeout() else {
                break;
            };
            self.set_now(self.now.max(at));
            self.m.handle_timeout(self.now);
            self.collect();
        }
        assert_eq!(self.m.poll_timeout(), None);
        assert_eq!(self.m.pending_requests(), 0);
        assert_eq!(
            self.accepted, self.next_request,
            "every request was accepted"
        );
        self.ledger.assert_all_answered();
    }
}

#[test]
fn random_walks_keep_the_invariants() {
    let (mut refused, mut late) = (0, 0);
    for seed in 0..24u64 {
        let mut walk = Walk::new(seed);
        for _ in 0..400 {
            walk.step();
        }
        walk.finish();
        refused += walk.refused;
        late += walk.late;
    }
    assert!(refused > 50, "the walk exercised refusals: {refused}");
    assert!(late > 50, "the walk exercised late answers: {late}");
}
