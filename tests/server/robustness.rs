//! The machine contract under abuse: absurd and backwards times never panic, and random walks
//! over valid and invalid inputs keep every request answered exactly once.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::rng::Rng;
use crate::server_util;
use crate::wechat::code2session;
use crate::wechat::errcode;

use std::collections::BTreeMap;
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

/// A seeded random walk over the coordinator's inputs, valid and invalid, in any order.
#[test]
fn random_walks_keep_the_invariants() {
    let mut refused = 0;
    let mut late = 0;
    for seed in 0..24u64 {
        let mut rng = Rng::new(seed);
        let mut pick = |n: u64| rng.next_u64() % n;
        let mut cfg = CoordinatorConfig::new(config());
        cfg.max_in_flight = 4;
        cfg.max_remembered = 6;
        cfg.max_waiters_per_code = 3;
        let mut m = LoginCoordinator::new(cfg);
        let mut now = t0();
        let mut next_request = 0u64;
        let mut open: Vec<(EffectId, bool)> = Vec::new(); // (id, is a session creation)
        let mut answers: BTreeMap<RequestId, usize> = BTreeMap::new();

        let collect = |m: &mut LoginCoordinator,
                       open: &mut Vec<(EffectId, bool)>,
                       answers: &mut BTreeMap<RequestId, usize>| {
            while let Some(command) = m.poll_command() {
                match command {
                    login::Command::CallWeChat { id, .. } => open.push((id, false)),
                    login::Command::CreateSession { id, .. } => open.push((id, true)),
                    login::Command::Complete { waiters, .. } => {
                        for request in waiters {
                            *answers.entry(request).or_default() += 1;
                        }
                    }
                }
            }
        };

        for _ in 0..400 {
            let before = m.clone();
            let result = match pick(8) {
                0 | 1 => {
                    next_request += 1;
                    let body = if pick(10) == 0 {
                        b"garbage".to_vec()
                    } else {
                        login_body(&format!("code{}", pick(6)))
                    };
                    m.handle(
                        login::Event::Received {
                            request: RequestId(next_request),
                            body,
                        },
                        now,
                    )
                }
                2 | 3 if !open.is_empty() => {
                    let (id, session) = open.remove(pick(open.len() as u64) as usize);
                    let event = if session {
                        match pick(3) {
                            0 => login::Event::SessionNotCreated {
                                id,
                                failure: wxlogin::server::login::SessionStoreFailure::Failed {
                                    reason: "x".into(),
                                },
                            },
                            _ => login::Event::SessionCreated {
                                id,
                                token: SessionToken::new(format!("tok{id:?}")),
                                expires_at: now + Duration::seconds(pick(7200) as i64),
                            },
                        }
                    } else {
                        let replies = [
                            Ok(code2session::answer("o", "k", None)),
                            Ok(errcode::answer(-1, "busy")),
                            Ok(errcode::answer(40029, "bad")),
                            Ok(errcode::answer(45011, "quota")),
                            Ok(HttpResponse::json(500, vec![])),
                            Ok(HttpResponse::json(200, b"{".to_vec())),
                            Err(TransportFailure::Timeout),
                        ];
                        login::Event::WeChatAnswered {
                            id,
                            result: replies[pick(replies.len() as u64) as usize].clone(),
                        }
                    };
                    m.handle(event, now)
                }
                4 => {
                    // Any id at all, often stale.
                    let id = EffectId(pick(next_request * 2 + 2));
                    m.handle(
                        login::Event::WeChatAnswered {
                            id,
                            result: Err(TransportFailure::Timeout),
                        },
                        now,
                    )
                }
                5 => {
                    if let Some(at) = m.poll_timeout() {
                        now = now.max(at);
                    }
                    m.handle_timeout(now);
                    Ok(Handled::Applied)
                }
                6 => {
                    now += Duration::milliseconds(pick(60_000) as i64);
                    Ok(Handled::Applied)
                }
                _ => {
                    now -= Duration::milliseconds(pick(5_000) as i64);
                    m.handle_timeout(now);
                    Ok(Handled::Applied)
                }
            };
            if result == Ok(Handled::Late) {
                late += 1;
                assert_eq!(m, before, "seed {seed}: a late answer changed the machine");
            }
            if result.is_err() {
                refused += 1;
                assert_eq!(
                    m, before,
                    "seed {seed}: a refused event changed the machine"
                );
            }
            collect(&mut m, &mut open, &mut answers);
            assert!(m.in_flight() <= 4 && m.remembered() <= 6);
        }
        // Let every deadline pass without answering anything more: everyone gets an answer.
        for _ in 0..10_000 {
            let Some(at) = m.poll_timeout() else { break };
            now = now.max(at);
            m.handle_timeout(now);
            collect(&mut m, &mut open, &mut answers);
        }
        assert_eq!(m.poll_timeout(), None);
        assert_eq!(m.pending_requests(), 0);
        assert_eq!(answers.len() as u64, next_request, "seed {seed}");
        assert!(
            answers.values().all(|&n| n == 1),
            "seed {seed}: {answers:?}"
        );
    }
    assert!(refused > 50, "the walk exercised refusals: {refused}");
    assert!(late > 50, "the walk exercised late answers: {late}");
}
