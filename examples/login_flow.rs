//! Runs every client scenario against in-process fakes (wx, storage, developer server, clock),
//! prints the trace of each (time, every event in `<-`, every command in `->`, as the JSON a
//! JavaScript driver would see) and its outcome, and exits non-zero if any scenario ends
//! differently from what it expects.
//!
//! `cargo run --example login_flow`

#[path = "../tests/support/common/mod.rs"]
mod common;

use std::process::ExitCode;
use wxlogin::WaiterId;

use common::{Answer, T0, World, WxCheck, WxLogin, config, record};
use time::Duration;
use wxlogin::Handled;
use wxlogin::client::{CodeReuse, Event, LoginFailure, Step, WxFailure};
use wxlogin::http::TransportFailure;
use wxlogin::secret::SessionToken;
use wxlogin::wire::{ErrorBody, ErrorKind};

type Check = Result<String, String>;
type Scenario = (&'static str, fn() -> (World, Check));

fn expect(ok: bool, summary: String) -> Check {
    if ok { Ok(summary) } else { Err(summary) }
}

fn error_json(kind: ErrorKind) -> String {
    String::from_utf8_lossy(&ErrorBody::new(kind, "from the server").to_response().body).into()
}

fn reject(world: &mut World, waiter: u64, token: String) {
    let token = SessionToken::new(token);
    world.send(Event::SessionRejected {
        waiter: WaiterId(waiter),
        token,
    });
    world.run();
}

fn scenarios() -> Vec<Scenario> {
    vec![
        ("cold start", || {
            let mut w = World::new(config());
            w.request(1);
            let ok = w.token_of(1) == "token0001" && w.wx_login_calls == 1;
            let summary = format!("waiter 1 logged in; wx.login calls: {}", w.wx_login_calls);
            (w, expect(ok, summary))
        }),
        ("warm start with the server check", || {
            let mut w = World::with_stored_session(config());
            w.request(1);
            let ok = w.token_of(1) == "stored-token" && w.wx_login_calls == 0;
            let summary = format!(
                "stored token confirmed; checkSession {}, server checks {}, wx.login {}",
                w.wx_check_calls, w.checks_sent, w.wx_login_calls
            );
            (w, expect(ok, summary))
        }),
        ("WeChat session expired", || {
            let mut w = World::with_stored_session(config());
            w.wx_check = vec![WxCheck::Expired].into();
            w.request(1);
            let ok = w.token_of(1) == "token0001" && w.checks_sent == 0;
            (
                w,
                expect(
                    ok,
                    "checkSession failed, so a new login; the server check was skipped".into(),
                ),
            )
        }),
        ("server session expired (401)", || {
            let mut w = World::with_stored_session(config());
            w.store.clear();
            w.request(1);
            let ok = w.token_of(1) == "token0001" && w.storage_removes == 1;
            (
                w,
                expect(
                    ok,
                    "401 removed the record; a new login stored token0001".into(),
                ),
            )
        }),
        ("wx.login fails, then succeeds on retry", || {
            let mut w = World::new(config());
            w.wx_login = vec![WxLogin::Fail(WxFailure::new("login:fail busy"))].into();
            w.request(1);
            let ok = w.outcome(1).is_ok() && w.wx_login_calls == 2;
            (
                w,
                expect(ok, "one failure, one backoff, then logged in".into()),
            )
        }),
        ("wx.login fails past the retry budget", || {
            let mut w = World::new(config());
            let error = WxFailure {
                err_msg: "login:fail system error".into(),
                errno: Some(1_000_001),
            };
            w.wx_login = vec![WxLogin::Fail(error); 3].into();
            w.request(1);
            let failure = w.failure_of(1);
            let ok = matches!(
                &failure,
                LoginFailure::WxLogin {
                    errno: Some(1_000_001),
                    attempts: 3,
                    ..
                }
            );
            (w, expect(ok, format!("waiter failed with: {failure}")))
        }),
        ("server login answers 500 twice, then 200", || {
            let mut w = World::new(config());
            let busy = error_json(ErrorKind::UpstreamUnavailable);
            w.login_answers =
                vec![Answer::Status(500, busy.clone()), Answer::Status(500, busy)].into();
            w.request(1);
            let ok = w.outcome(1).is_ok() && w.codes_sent.len() == 3;
            (
                w,
                expect(
                    ok,
                    "logged in on the third try, each with a fresh code".into(),
                ),
            )
        }),
        ("server check times out; the late answer is ignored", || {
            let mut w = World::with_stored_session(config());
            w.check_answers = vec![Answer::Silent].into();
            w.request(1);
            let late = w.deliver_late(w.held_id());
            let ok = w.outcome(1).is_ok() && late == Ok(Handled::Late);
            let summary = match late {
                Ok(Handled::Late) => "retried after the deadline; the late answer ignored".into(),
                Ok(Handled::Applied) => "the late answer was applied".into(),
                Err(error) => format!("the late answer was refused: {error}"),
            };
            (w, expect(ok, summary))
        }),
        (
            "transport errors on the check never lead to wx.login",
            || {
                let mut w = World::with_stored_session(config());
                let down = TransportFailure::Connection {
                    message: "unreachable".into(),
                };
                w.check_answers = vec![Answer::Transport(down); 3].into();
                w.request(1);
                let failure = w.failure_of(1);
                let ok = w.wx_login_calls == 0
                    && matches!(
                        failure,
                        LoginFailure::Transport {
                            step: Step::ServerCheck,
                            ..
                        }
                    );
                (
                    w,
                    expect(
                        ok,
                        format!("failed transiently, wx.login never called: {failure}"),
                    ),
                )
            },
        ),
        ("1,000 requests before the first answer", || {
            let mut w = World::new(config());
            w.storage_silent = true;
            for waiter in 0..1_000 {
                w.send(Event::LoginRequested {
                    waiter: WaiterId(waiter),
                });
            }
            w.storage_silent = false;
            let read = w.deliver_late(w.held_id());
            let ok = read.is_ok()
                && w.wx_login_calls == 1
                && w.codes_sent.len() == 1
                && w.completions.len() == 1_000;
            let summary = format!(
                "{} waiters completed by {} wx.login and {} login POST",
                w.completions.len(),
                w.wx_login_calls,
                w.codes_sent.len()
            );
            (w, expect(ok, summary))
        }),
        ("a code is never sent twice", || {
            let mut w = World::new(config());
            w.login_answers = vec![
                Answer::Lost,
                Answer::Status(400, error_json(ErrorKind::CodeUsed)),
            ]
            .into();
            w.request(1);
            let mut codes = w.codes_sent.clone();
            codes.dedup();
            let ok = w.outcome(1).is_ok() && codes.len() == w.codes_sent.len();
            (w, expect(ok, format!("codes sent: {:?}", codes)))
        }),
        ("a code older than 5 minutes is replaced", || {
            let mut cfg = config();
            cfg.code_reuse = CodeReuse::WithinCodeLife;
            cfg.timeouts.request = Duration::minutes(6);
            let mut w = World::new(cfg);
            w.login_answers = vec![Answer::Silent].into();
            w.request(1);
            let ok = w.outcome(1).is_ok() && w.codes_sent == ["code0001", "code0002"];
            let summary = format!("codes sent: {:?}", w.codes_sent);
            (w, expect(ok, summary))
        }),
        (
            "stored records: missing, empty, corrupt, version 2, expired",
            || {
                let values = [
                    None,
                    Some(String::new()),
                    Some("{corrupt".into()),
                    Some(r#"{"v":2}"#.into()),
                    Some(record("old", T0 - 1, T0 - 7201)),
                ];
                let mut last = World::new(config());
                let mut removes = Vec::new();
                for value in values {
                    let mut w = World::new(config());
                    w.storage = value;
                    w.request(1);
                    removes.push(w.storage_removes);
                    if w.outcome(1).is_err() {
                        return (w, Err("a bad record broke the login".into()));
                    }
                    last = w;
                }
                let ok = removes == [0, 0, 1, 0, 0];
                (
                    last,
                    expect(
                        ok,
                        format!(
                            "each logged in; records removed: {removes:?} (only the corrupt one)"
                        ),
                    ),
                )
            },
        ),
        ("a rejected session, then a second rejection", || {
            let mut w = World::new(config());
            w.request(1);
            let first = w.token_of(1);
            reject(&mut w, 2, first);
            let second = w.token_of(2);
            reject(&mut w, 3, second);
            let ok = w.failure_of(3) == LoginFailure::RejectedAfterRelogin && w.wx_login_calls == 2;
            (
                w,
                expect(
                    ok,
                    "one re-login for the first 401; the second was reported, not looped".into(),
                ),
            )
        }),
        ("logout while logging in", || {
            let mut w = World::new(config());
            w.wx_login = vec![WxLogin::Silent].into();
            w.send(Event::LoginRequested {
                waiter: WaiterId(1),
            });
            w.send(Event::Logout);
            let ok = w.failure_of(1) == LoginFailure::LoggedOut && w.storage_removes == 1;
            (
                w,
                expect(
                    ok,
                    "record removed; the waiter failed with `logged out`".into(),
                ),
            )
        }),
    ]
}

fn main() -> ExitCode {
    const SHOWN: usize = 24;
    let mut failed = Vec::new();
    let all = scenarios();
    for (name, run) in &all {
        println!("== {name}");
        let (world, check) = run();
        for line in world.trace.iter().take(SHOWN) {
            println!("   {line}");
        }
        if world.trace.len() > SHOWN {
            println!("   … {} more lines", world.trace.len() - SHOWN);
        }
        match check {
            Ok(summary) => println!("   ok: {summary}\n"),
            Err(summary) => {
                println!("   UNEXPECTED: {summary}\n");
                failed.push(*name);
            }
        }
    }
    println!(
        "{} of {} scenarios ended as expected",
        all.len() - failed.len(),
        all.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("unexpected: {failed:?}");
        ExitCode::FAILURE
    }
}
