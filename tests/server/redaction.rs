//! No secret (app secret, code, session key, token) appears in the `Debug` of any event,
//! command, error or machine, nor in any wire body it should not be in.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::markers::{APP_SECRET, CODE, SESSION_KEY, TOKEN, assert_quiet, head};
use crate::server_util;
use crate::wechat::app::BASE_URL;
use crate::wechat::{code2session, errcode};

use time::Duration;
use wxlogin::Handled;
use wxlogin::RequestId;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AppSecret, SessionToken};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{self, CoordinatorConfig, ExchangeConfig, LoginCoordinator};
use wxlogin::test_support::CodeExchange;

fn config() -> ExchangeConfig {
    ExchangeConfig::new(
        {
            let mut api = Code2SessionApi::new("wxAPPID", AppSecret::new(APP_SECRET));
            api.base_url = BASE_URL.into();
            api
        },
        1,
    )
}

fn url_in_error() -> String {
    format!(
        "error sending request for url ({BASE_URL}/sns/jscode2session?appid=wxAPPID&secret={}%2B%2F%3D&js_code={CODE}&grant_type=authorization_code): connection refused",
        head(APP_SECRET)
    )
}

#[derive(Default)]
struct Seen {
    debug: Vec<String>,
    wire: Vec<(u16, String)>,
}

impl Seen {
    /// No marker in any Debug, nor in any wire body but a grant's own token.
    fn check_quiet(&self) {
        for text in &self.debug {
            assert_quiet("a Debug", text);
        }
        for (status, body) in &self.wire {
            let body = match status {
                200 => body.replace(TOKEN, ""),
                _ => body.clone(),
            };
            assert_quiet("a wire body", &body);
        }
    }

    fn check(&self) {
        self.check_quiet();
        assert!(
            self.debug.len() > 20,
            "the test saw enough: {}",
            self.debug.len()
        );
    }
}

/// Feeds one event, recording the Debug of everything involved.
fn feed<M: server_util::Machine + std::fmt::Debug>(
    m: &mut M,
    seen: &mut Seen,
    event: login::Event,
    now: time::OffsetDateTime,
) {
    seen.debug.push(format!("{event:?}"));
    if let Err(e) = m.handle(event, now) {
        seen.debug.push(format!("{e:?} {e}"));
    }
    seen.debug.push(format!("{m:?}"));
}

/// Drains commands, recording them; returns the effects to answer.
fn drain<M: server_util::Machine + std::fmt::Debug>(
    m: &mut M,
    seen: &mut Seen,
) -> Vec<login::Command> {
    let mut effects = Vec::new();
    while let Some(command) = m.poll_command() {
        seen.debug.push(format!("{command:?}"));
        if let login::Command::Complete {
            response, outcome, ..
        } = &command
        {
            seen.wire.push((
                response.status,
                String::from_utf8_lossy(&response.body).into(),
            ));
            if let wxlogin::server::login::ExchangeOutcome::Failed(f) = outcome {
                seen.debug.push(format!("{f} {}", f.needs_operator()));
            }
        }
        effects.push(command);
    }
    seen.debug.push(format!("{m:?}"));
    effects
}

/// Answers one effect: a code2Session call with the next reply (after a stale id), a session
/// creation with the token (after too early an expiry).
fn answer<M: server_util::Machine + std::fmt::Debug>(
    m: &mut M,
    seen: &mut Seen,
    effect: login::Command,
    replies: &mut impl Iterator<Item = Result<HttpResponse, TransportFailure>>,
    now: time::OffsetDateTime,
) {
    match effect {
        login::Command::CallWeChat { id, .. } => {
            let result = replies.next().unwrap();
            // A stale id first, then the right one.
            let stale = login::Event::WeChatAnswered {
                id: wxlogin::EffectId(id.0 + 100),
                result: result.clone(),
            };
            feed(m, seen, stale, now);
            feed(m, seen, login::Event::WeChatAnswered { id, result }, now);
        }
        login::Command::CreateSession { id, session } => {
            seen.debug.push(format!("{session:?}"));
            // Too early an expiry is refused, then the real answer.
            let early = login::Event::SessionCreated {
                id,
                token: SessionToken::new(TOKEN),
                expires_at: now,
            };
            feed(m, seen, early, now);
            let event = login::Event::SessionCreated {
                id,
                token: SessionToken::new(TOKEN),
                expires_at: session.expires_at,
            };
            feed(m, seen, event, now);
        }
        login::Command::Complete { .. } => {}
    }
}

fn exercise<M: server_util::Machine + std::fmt::Debug>(
    m: &mut M,
    seen: &mut Seen,
    coordinator: bool,
) {
    let mut now = t0();
    let body = format!(r#"{{"code":"{CODE}"}}"#).into_bytes();
    feed(
        m,
        seen,
        login::Event::Received {
            request: RequestId(1),
            body: body.clone(),
        },
        now,
    );
    let replies = [
        Err(TransportFailure::Connection {
            message: url_in_error(),
        }),
        Ok(errcode::answer(-1, &format!("busy {APP_SECRET} {CODE}"))),
        Ok(code2session::answer("o", SESSION_KEY, None)),
    ];
    let mut replies = replies.into_iter();
    for _ in 0..50 {
        let effects = drain(m, seen);
        let idle = effects.is_empty();
        for effect in effects {
            answer(m, seen, effect, &mut replies, now);
        }
        if !idle {
            continue;
        }
        match m.poll_timeout() {
            Some(at) => {
                now = now.max(at);
                m.handle_timeout(now);
            }
            None => break,
        }
    }
    drain(m, seen);
    // After the answer: another Received (a replay for the coordinator, an error for a
    // finished single-request machine).
    feed(
        m,
        seen,
        login::Event::Received {
            request: RequestId(2),
            body,
        },
        now + Duration::seconds(1),
    );
    drain(m, seen);
    if coordinator {
        assert!(
            seen.wire.iter().filter(|(s, _)| *s == 200).count() == 2,
            "granted and replayed"
        );
    }
}

#[test]
fn single_machine_never_shows_a_secret() {
    let mut seen = Seen::default();
    let mut m = CodeExchange::new(config());
    exercise(&mut m, &mut seen, false);
    assert!(
        seen.wire
            .iter()
            .any(|(s, b)| *s == 200 && b.contains(TOKEN))
    );
    seen.check();
}

#[test]
fn coordinator_never_shows_a_secret() {
    let mut seen = Seen::default();
    let mut m = LoginCoordinator::new(CoordinatorConfig::new(config()));
    exercise(&mut m, &mut seen, true);
    seen.check();
}

/// A single exchange of the marked code, up to its one code2Session call: the call's id.
fn call_wechat(m: &mut CodeExchange, seen: &mut Seen) -> wxlogin::EffectId {
    let body = format!(r#"{{"code":"{CODE}"}}"#).into_bytes();
    let request = RequestId(1);
    feed(m, seen, login::Event::Received { request, body }, t0());
    let effects = drain(m, seen);
    let Some(login::Command::CallWeChat { id, .. }) = effects.first() else {
        panic!("a code2Session call first: {effects:?}")
    };
    *id
}

#[test]
fn configuration_errors_quoting_secrets_stay_with_the_operator() {
    let mut seen = Seen::default();
    let mut m = CodeExchange::new(config());
    let id = call_wechat(&mut m, &mut seen);
    let answer = errcode::answer(
        40125,
        &format!("invalid appsecret {APP_SECRET} for {CODE}, rid: 1-2"),
    );
    // WeChat never quotes secrets; if it did, neither the operator's record nor the client
    // would see them.
    feed(
        &mut m,
        &mut seen,
        login::Event::WeChatAnswered {
            id,
            result: Ok(answer),
        },
        t0(),
    );
    drain(&mut m, &mut seen);
    // Only the machine's output is checked here: the event itself carries what WeChat said.
    seen.debug.retain(|d| !d.starts_with("WeChatAnswered"));
    assert_eq!(seen.wire[0].0, 500);
    assert!(!seen.wire[0].1.contains("appsecret"));
    seen.check_quiet();
}

#[test]
fn plain_transport_messages_are_scrubbed_in_outputs() {
    let mut seen = Seen::default();
    let mut cfg = config();
    cfg.backoff.max_attempts = 1;
    let mut m = CodeExchange::new(cfg);
    let id = call_wechat(&mut m, &mut seen);
    let result = Err(TransportFailure::Other {
        message: format!("dns failed for {APP_SECRET} {CODE}"),
    });
    assert_eq!(
        m.handle(login::Event::WeChatAnswered { id, result }, t0())
            .unwrap(),
        Handled::Applied
    );
    drain(&mut m, &mut seen);
    assert_eq!(seen.wire[0].0, 503);
    seen.check_quiet();
}
