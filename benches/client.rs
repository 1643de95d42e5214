//! Client-side benches, through the public API only: whole `LoginMachine` flows with realistic
//! bodies, the client's parsers against serde_json floors on the same bytes, and the simulated
//! pair (client machine and server coordinator, no I/O).
//!
//! Run: `cargo bench --all-features --bench client -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use wxlogin::{RequestId, WaiterId};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde::de::IgnoredAny;
use time::OffsetDateTime;
use wxlogin::client::{Command, Event, LoginConfig, LoginMachine};
use wxlogin::http::HttpResponse;
use wxlogin::secret::{AppSecret, LoginCode, SessionToken, StorageValue};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{self, CoordinatorConfig, ExchangeConfig, LoginCoordinator};
use wxlogin::test_support::StoredSession;
use wxlogin::wire::{
    LoginGranted, SessionValid, decode_login_request, decode_login_response,
    decode_session_response,
};

/// 2023-11-14T22:13:20Z.
const T0: i64 = 1_700_000_000;
/// A code of WeChat's length and alphabet.
const CODE: &str = "081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0).unwrap()
}

fn config() -> LoginConfig {
    LoginConfig::new("https://api.example.com")
}

/// A 43-character token, as `SessionToken::from_random_bytes` makes them.
fn token() -> SessionToken {
    SessionToken::from_random_bytes([0x5a; 32])
}

/// `200 {"token":"…","expires_in":7200}`, as the developer server sends it.
fn grant() -> HttpResponse {
    LoginGranted {
        token: token(),
        expires_in: 7200,
    }
    .to_response()
}

/// `200 {"expires_in":5400}`.
fn session_valid() -> HttpResponse {
    SessionValid { expires_in: 5400 }.to_response()
}

/// The stored record of a session issued ten minutes ago, valid for another hour.
fn record() -> StorageValue {
    StorageValue::new(format!(
        r#"{{"v":1,"token":"{}","expires_at":{},"issued_at":{}}}"#,
        token().expose_secret(),
        T0 + 3600,
        T0 - 600
    ))
}

/// The world's answers, each used at most once.
struct World {
    stored: Option<StorageValue>,
    code: Option<LoginCode>,
    responses: Vec<HttpResponse>,
}

/// Drains and answers every command until the machine is idle; returns the commands that need
/// no answer (storage writes, completions) so that their drop is not timed.
fn drive(m: &mut LoginMachine, world: &mut World, now: OffsetDateTime, out: &mut Vec<Command>) {
    while let Some(command) = m.poll_command() {
        let answer = match command {
            Command::ReadStorage { id, .. } => Event::StorageRead {
                id,
                value: world.stored.take(),
            },
            Command::CheckWxSession { id } => Event::CheckSessionResult { id, result: Ok(()) },
            Command::WxLogin { id, .. } => Event::CodeObtained {
                id,
                result: Ok(world.code.take().expect("one code per flow")),
            },
            Command::SendRequest { id, .. } => Event::ServerResponse {
                id,
                result: Ok(world.responses.pop().expect("one response per request")),
            },
            other => {
                out.push(other);
                continue;
            }
        };
        let _ = m.handle(answer, now).unwrap();
    }
}

fn ready_machine() -> LoginMachine {
    let mut m = LoginMachine::new(config());
    let mut world = World {
        stored: None,
        code: Some(LoginCode::new(CODE)),
        responses: vec![grant()],
    };
    let _ = m
        .handle(
            Event::LoginRequested {
                waiter: WaiterId(0),
            },
            now(),
        )
        .unwrap();
    drive(&mut m, &mut world, now(), &mut Vec::new());
    assert!(m.session().is_some());
    m
}

fn flows(c: &mut Criterion) {
    let mut g = c.benchmark_group("client");
    let now = now();

    // One request through a whole flow, from a fresh machine facing `world`.
    let mut flow = |name: &str, world: fn() -> World| {
        g.bench_function(name, |b| {
            b.iter_batched(
                || (LoginMachine::new(config()), world(), Vec::with_capacity(4)),
                |(mut m, mut world, mut out)| {
                    let waiter = WaiterId(1);
                    let _ = m.handle(Event::LoginRequested { waiter }, now).unwrap();
                    drive(&mut m, &mut world, now, &mut out);
                    (m, out)
                },
                BatchSize::SmallInput,
            );
        });
    };
    // Storage miss, wx.login, login POST, 2xx parsed, record written, waiter completed.
    flow("cold_login", || World {
        stored: None,
        code: Some(LoginCode::new(CODE)),
        responses: vec![grant()],
    });
    // A stored record, `wx.checkSession`, the server's session check, waiter completed.
    flow("warm_start", || World {
        stored: Some(record()),
        code: None,
        responses: vec![session_valid()],
    });

    g.finish();
}

/// A verified session: served through `LoginRequested`, through the getter, and the floor.
fn served(c: &mut Criterion) {
    let mut g = c.benchmark_group("client");
    let now = now();

    // A verified session served from memory: one request, one Complete.
    g.bench_function("served_from_memory", |b| {
        let mut m = ready_machine();
        b.iter(|| {
            let _ = m
                .handle(
                    Event::LoginRequested {
                        waiter: WaiterId(7),
                    },
                    now,
                )
                .unwrap();
            black_box(m.poll_command())
        });
    });

    // The synchronous path: a getter, no event, no command, no allocation.
    g.bench_function("valid_session", |b| {
        let m = ready_machine();
        b.iter(|| {
            black_box(&m)
                .valid_session(black_box(now))
                .map(|s| s.expires_at)
        })
    });

    // The yardstick of issue 14: what serving from memory could not avoid with the public
    // types before it, a one-element `Vec<WaiterId>` and an owned copy of the token's text.
    // (`Waiters` now holds one waiter inline and `SessionToken` shares its text.)
    g.bench_function("served_from_memory_floor", |b| {
        let session = ready_machine().session().cloned().unwrap();
        b.iter(|| {
            let session = black_box(&session);
            let token = session.token.expose_secret().to_owned();
            (vec![black_box(WaiterId(7))], token, session.expires_at)
        });
    });

    g.finish();
}

/// 1,000 requests join one cold flow and are completed by one Complete.
fn joins(c: &mut Criterion) {
    let mut g = c.benchmark_group("client");
    let now = now();
    g.throughput(Throughput::Elements(1000));
    g.bench_function("join_1000_waiters", |b| {
        b.iter_batched(
            || {
                let world = World {
                    stored: None,
                    code: Some(LoginCode::new(CODE)),
                    responses: vec![grant()],
                };
                (LoginMachine::new(config()), world, Vec::with_capacity(4))
            },
            |(mut m, mut world, mut out)| {
                for waiter in 0..1000 {
                    let _ = m
                        .handle(
                            Event::LoginRequested {
                                waiter: WaiterId(waiter),
                            },
                            now,
                        )
                        .unwrap();
                }
                drive(&mut m, &mut world, now, &mut out);
                (m, out)
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

/// Each client parser next to `serde_json` into `Value` and into `IgnoredAny` on the same bytes.
fn parsers(c: &mut Criterion) {
    let login_body = grant();
    let check_body = session_valid();
    let request_body = format!(r#"{{"code":"{CODE}"}}"#).into_bytes();
    let record = record();
    let now = now();

    let mut g = c.benchmark_group("parse/login_response");
    g.bench_function("wxlogin", |b| {
        b.iter(|| decode_login_response(black_box(&login_body)).unwrap())
    });
    floors(&mut g, &login_body.body);
    g.finish();

    let mut g = c.benchmark_group("parse/session_response");
    g.bench_function("wxlogin", |b| {
        b.iter(|| decode_session_response(black_box(&check_body)).unwrap())
    });
    floors(&mut g, &check_body.body);
    g.finish();

    let mut g = c.benchmark_group("parse/login_request");
    g.bench_function("wxlogin", |b| {
        b.iter(|| decode_login_request(black_box(&request_body)).unwrap())
    });
    floors(&mut g, &request_body);
    g.finish();

    let mut g = c.benchmark_group("parse/stored_record");
    g.bench_function("wxlogin", |b| {
        b.iter(|| StoredSession::lookup(Some(black_box(record.expose_secret())), now))
    });
    floors(&mut g, record.expose_secret().as_bytes());
    g.finish();
}

fn floors(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, bytes: &[u8]) {
    g.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap())
    });
    g.bench_function("serde_json_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(bytes)).unwrap())
    });
}

/// The fake WeChat, session store and clock of the simulated pair.
struct Pair {
    server: LoginCoordinator,
    now: OffsetDateTime,
    n: u64,
}

impl Pair {
    fn new() -> Self {
        let code2session = Code2SessionApi::new(
            "wx4f4bc4dec97d474b",
            AppSecret::new("0123456789abcdef0123456789abcdef"),
        );
        Self {
            server: LoginCoordinator::new(CoordinatorConfig::new(ExchangeConfig::new(
                code2session,
                42,
            ))),
            now: now(),
            n: 0,
        }
    }

    /// One cold login of a fresh client against the coordinator; every effect answered at once.
    fn login(&mut self) -> Vec<Command> {
        self.n += 1;
        let n = self.n;
        let now = self.now;
        let mut client = LoginMachine::new(config());
        let mut done = Vec::new();
        let _ = client
            .handle(
                Event::LoginRequested {
                    waiter: WaiterId(n),
                },
                now,
            )
            .unwrap();
        while let Some(command) = client.poll_command() {
            let answer = match command {
                Command::ReadStorage { id, .. } => Event::StorageRead { id, value: None },
                Command::CheckWxSession { id } => Event::CheckSessionResult { id, result: Ok(()) },
                Command::WxLogin { id, .. } => Event::CodeObtained {
                    id,
                    // Unique per login: the coordinator remembers codes for their lifetime.
                    result: Ok(LoginCode::new(format!("081Kq4Ga1DUU0F0rS8Ga{n:012}"))),
                },
                Command::SendRequest { id, request, .. } => Event::ServerResponse {
                    id,
                    result: Ok(self.serve(n, request.body)),
                },
                other => {
                    done.push(other);
                    continue;
                }
            };
            let _ = client.handle(answer, now).unwrap();
        }
        done
    }

    /// The developer server: the coordinator, fake WeChat and an in-memory session store.
    fn serve(&mut self, n: u64, body: Vec<u8>) -> HttpResponse {
        let now = self.now;
        let request = RequestId(n);
        let _applied = self
            .server
            .handle(login::Event::Received { request, body }, now)
            .unwrap();
        loop {
            let command = self.server.poll_command().expect("the exchange answers");
            let event = match command {
                login::Command::CallWeChat { id, .. } => login::Event::WeChatAnswered {
                    id,
                    result: Ok(HttpResponse::json(
                        200,
                        format!(
                            r#"{{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZUI0egBJY1zhBYw2K{n:09}"}}"#
                        )
                        .into_bytes(),
                    )),
                },
                login::Command::CreateSession { id, session } => {
                    let mut bytes = [0u8; 32];
                    bytes[..8].copy_from_slice(&n.to_le_bytes());
                    login::Event::SessionCreated {
                        id,
                        token: SessionToken::from_random_bytes(bytes),
                        expires_at: session.expires_at,
                    }
                }
                login::Command::Complete { response, .. } => return response,
            };
            let _applied = self.server.handle(event, now).unwrap();
        }
    }
}

fn pair(c: &mut Criterion) {
    let mut g = c.benchmark_group("pair");
    g.throughput(Throughput::Elements(1));
    let mut pair = Pair::new();
    g.bench_function("cold_login", |b| b.iter(|| pair.login()));
    g.finish();
}

criterion_group!(benches, flows, served, joins, parsers, pair);
criterion_main!(benches);
