//! Server-side benches, through the public API only: the whole server login, the coordinator
//! with 100,000 codes in flight, the code2Session parser against serde_json floors on the same
//! bytes, an access token cache hit, and (feature `crypto`) `decrypt` of the official vector
//! against raw AES-128-CBC plus base64.
//!
//! Run: `cargo bench --all-features --bench server -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use wxlogin::{RequestId, WaiterId};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde::de::IgnoredAny;
use time::OffsetDateTime;
use wxlogin::http::HttpResponse;
use wxlogin::secret::{AppSecret, SessionToken};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{self, CoordinatorConfig, ExchangeConfig, LoginCoordinator};
use wxlogin::test_support::CodeExchange;

/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200;
const APPID: &str = "wx4f4bc4dec97d474b";
const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0).unwrap()
}

fn login_config() -> ExchangeConfig {
    ExchangeConfig::new(Code2SessionApi::new(APPID, AppSecret::new(SECRET)), 42)
}

/// A code of WeChat's length and alphabet, distinct for each `n` and scattered as WeChat's
/// random codes are: codes counting up would all land in one corner of the coordinator's maps
/// and keep its searches in cache.
fn code(n: u64) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // An odd multiplier is a bijection on u64, and 62^11 > 2^64: distinct n, distinct codes.
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut code = String::from("081Kq4Ga1DUU0F0rS8Ga0");
    for _ in 0..11 {
        code.push(char::from(ALPHABET[(x % 62) as usize]));
        x /= 62;
    }
    code
}

fn login_body(n: u64) -> Vec<u8> {
    format!(r#"{{"code":"{}"}}"#, code(n)).into_bytes()
}

/// code2Session's success answer, as WeChat sends it (with a unionid).
fn wechat_ok() -> HttpResponse {
    HttpResponse::json(
        200,
        br#"{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}"#.to_vec(),
    )
}

fn token() -> SessionToken {
    SessionToken::from_random_bytes([0x5a; 32])
}

/// Answers every effect at once; returns the response.
fn answer<M>(
    m: &mut M,
    poll: impl Fn(&mut M) -> Option<login::Command>,
    handle: impl Fn(&mut M, login::Event),
    mut wechat: Option<HttpResponse>,
    mut token: Option<SessionToken>,
) -> HttpResponse {
    loop {
        let event = match poll(m).expect("the login answers") {
            login::Command::CallWeChat { id, .. } => login::Event::WeChatAnswered {
                id,
                result: Ok(wechat.take().expect("one call")),
            },
            login::Command::CreateSession { id, session } => login::Event::SessionCreated {
                id,
                token: token.take().expect("one session"),
                expires_at: session.expires_at,
            },
            login::Command::Complete { response, .. } => return response,
        };
        handle(m, event);
    }
}

fn server_login(c: &mut Criterion) {
    let mut g = c.benchmark_group("server");
    let config = Arc::new(login_config());
    let now = now();

    // Body parsed, code2Session request built, answer parsed, session created, response encoded.
    g.bench_function("login", |b| {
        b.iter_batched(
            || (login_body(1), wechat_ok(), token()),
            |(body, wechat, token)| {
                let mut m = CodeExchange::with_shared_config(Arc::clone(&config), 7);
                let _applied = m
                    .handle(
                        login::Event::Received {
                            request: RequestId(1),
                            body,
                        },
                        now,
                    )
                    .unwrap();
                answer(
                    &mut m,
                    CodeExchange::poll_command,
                    |m, e| {
                        let _applied = m.handle(e, now).unwrap();
                    },
                    Some(wechat),
                    Some(token),
                )
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

/// A coordinator with `n` codes waiting for WeChat's answer.
fn loaded_coordinator(n: u64) -> LoginCoordinator {
    let mut config = CoordinatorConfig::new(login_config());
    config.max_in_flight = 2 * n as usize;
    let mut m = LoginCoordinator::new(config);
    for i in 0..n {
        let event = login::Event::Received {
            request: RequestId(i),
            body: login_body(i),
        };
        let _applied = m.handle(event, now()).unwrap();
        while let Some(command) = m.poll_command() {
            drop(black_box(command));
        }
    }
    assert_eq!(m.in_flight(), n as usize);
    m
}

fn coordinator(c: &mut Criterion) {
    const IN_FLIGHT: u64 = 100_000;
    let mut g = c.benchmark_group("coordinator_100k");
    let now = now();
    let mut m = loaded_coordinator(IN_FLIGHT);
    let mut next = IN_FLIGHT;

    // One more whole login while 100,000 others wait: the per-login cost at that size.
    g.bench_function("login", |b| {
        b.iter_batched(
            || {
                next += 1;
                (next, login_body(next), wechat_ok(), token())
            },
            |(n, body, wechat, token)| {
                let request = RequestId(n);
                let _applied = m
                    .handle(login::Event::Received { request, body }, now)
                    .unwrap();
                answer(
                    &mut m,
                    LoginCoordinator::poll_command,
                    |m, e| {
                        let _applied = m.handle(e, now).unwrap();
                    },
                    Some(wechat),
                    Some(token),
                )
            },
            BatchSize::SmallInput,
        );
    });
    // The contract asks for `poll_timeout` after every input.
    g.bench_function("poll_timeout", |b| b.iter(|| black_box(&m).poll_timeout()));
    // A spurious wake-up: nothing is due.
    g.bench_function("handle_timeout_spurious", |b| {
        b.iter(|| m.handle_timeout(black_box(now)))
    });
    assert_eq!(m.in_flight(), IN_FLIGHT as usize);
    g.finish();
}

fn code2session_parser(c: &mut Criterion) {
    let response = Ok(wechat_ok());
    let bytes = wechat_ok().body;
    let mut g = c.benchmark_group("parse/code2session");
    let api = Code2SessionApi::new(APPID, AppSecret::new(SECRET));
    g.bench_function("wxlogin", |b| {
        b.iter(|| api.parse(black_box(&response)).unwrap())
    });
    g.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap())
    });
    g.bench_function("serde_json_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&bytes)).unwrap())
    });
    g.finish();

    // WeChat's refusal of a used code, as it writes it (the rid in errmsg's " rid: " form), next
    // to open-wechat's parse (serde_json into `{errcode, errmsg}` and nothing more).
    let bytes =
        br#"{"errcode":40029,"errmsg":"invalid code, rid: 6502a6f1-1f2e3d4c-5b6a7988"}"#.to_vec();
    let refusal = Ok(HttpResponse::json(200, bytes.clone()));
    let mut g = c.benchmark_group("parse/code2session_40029");
    g.bench_function("wxlogin", |b| {
        b.iter(|| api.parse(black_box(&refusal)).unwrap_err())
    });
    #[derive(serde::Deserialize)]
    struct Envelope {
        errcode: i64,
        errmsg: String,
    }
    g.bench_function("serde_json_errcode_errmsg", |b| {
        b.iter(|| {
            let e = serde_json::from_slice::<Envelope>(black_box(&bytes)).unwrap();
            (e.errcode, e.errmsg)
        })
    });
    g.bench_function("serde_json_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&bytes)).unwrap())
    });
    g.finish();
}

/// A waiter served from a cached token: one `TokenNeeded`, one `Complete`.
fn access_token_hit(c: &mut Criterion) {
    use wxlogin::server::access_token::{AccessTokenCache, AccessTokenConfig};
    use wxlogin::server::access_token::{Command, Event};

    let config = AccessTokenConfig::new(APPID, AppSecret::new(SECRET), 42);
    let mut cache = AccessTokenCache::new(config);
    let need = |waiter| Event::TokenNeeded {
        waiter: WaiterId(waiter),
    };
    let _applied = cache.handle(need(0), now()).unwrap();
    let id = match cache.poll_command() {
        Some(Command::Fetch { id, .. }) => id,
        other => panic!("expected a fetch, got {other:?}"),
    };
    let body = br#"{"access_token":"ACCESS_TOKEN_OF_A_REALISTIC_LENGTH_0123456789abcdef0123456789abcdef0123456789abcdef0123456789","expires_in":7200}"#;
    let result = Ok(HttpResponse::json(200, body.to_vec()));
    let _applied = cache
        .handle(Event::FetchAnswered { id, result }, now())
        .unwrap();
    while cache.poll_command().is_some() {}

    let mut waiter = 0;
    c.bench_function("server/access_token_hit", |b| {
        b.iter(|| {
            waiter += 1;
            let _applied = cache.handle(need(waiter), black_box(now())).unwrap();
            let ready = cache.poll_command();
            debug_assert!(matches!(
                ready,
                Some(Command::Complete { outcome: Ok(_), .. })
            ));
            ready
        })
    });
}

#[cfg(feature = "crypto")]
fn open_data(c: &mut Criterion) {
    use aes::cipher::{BlockModeDecrypt, KeyIvInit};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use wxlogin::secret::SessionKey;
    use wxlogin::server::open_data::{DecryptOptions, UserInfo, decrypt};

    const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

    let key = SessionKey::new(SESSION_KEY);
    let options = DecryptOptions::new();
    let mut g = c.benchmark_group("open_data/decrypt");
    g.bench_function("wxlogin", |b| {
        b.iter(|| {
            decrypt::<UserInfo>(APPID, black_box(&key), black_box(DATA), IV, &options).unwrap()
        })
    });
    // The floor: base64 of key, iv and data, then AES-128-CBC over the whole buffer.
    fn raw_decrypt() -> Vec<u8> {
        let mut k = [0u8; 16];
        let mut iv = [0u8; 16];
        let mut scratch = [0u8; 18];
        let n = STANDARD
            .decode_slice(black_box(SESSION_KEY), &mut scratch)
            .unwrap();
        k.copy_from_slice(&scratch[..n]);
        let n = STANDARD.decode_slice(black_box(IV), &mut scratch).unwrap();
        iv.copy_from_slice(&scratch[..n]);
        let mut buffer = STANDARD.decode(black_box(DATA)).unwrap();
        let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut buffer[..]);
        cbc::Decryptor::<aes::Aes128>::new(&k.into(), &iv.into()).decrypt_blocks(blocks);
        buffer
    }
    g.bench_function("aes128cbc_base64", |b| b.iter(raw_decrypt));
    // The floor plus the payload's JSON read straight into `UserInfo`: work `decrypt` must do
    // that the raw floor leaves out.
    g.bench_function("aes128cbc_base64_then_userinfo", |b| {
        b.iter(|| {
            let buffer = raw_decrypt();
            let pad = usize::from(buffer[buffer.len() - 1]);
            serde_json::from_slice::<UserInfo>(&buffer[..buffer.len() - pad]).unwrap()
        })
    });
    g.finish();
}

#[cfg(not(feature = "crypto"))]
fn open_data(_: &mut Criterion) {}

criterion_group!(
    benches,
    server_login,
    coordinator,
    code2session_parser,
    access_token_hit,
    open_data
);
criterion_main!(benches);
