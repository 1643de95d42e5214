//! `access_token`: the `AccessTokenCache` under arbitrary events (needs, answers good and bad,
//! wrong ids, rejections of current and old tokens, forced refreshes, imports) and times.
//!
//! Invariants:
//! 1. A refused event leaves the cache `==` its clone from before.
//! 2. At most one fetch is outstanding: when one starts, an answer to the previous is refused.
//! 3. Every waiter is named in exactly one `Ready` or `Failed`, and once WeChat answers well
//!    (or lets deadlines pass) all are, within a bounded number of steps.
//! 4. `Ready` never hands out a token that has expired at `now`.
//! 5. A forced refresh is never sent less than 30 s after the previous one.
//! 6. No `Debug` of a command contains the app secret or a token.
//! 7. Replaying the same input gives the same commands.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};
use wxlogin::http::{HttpResponse, TransportError};
use wxlogin::secret::{AccessToken, AppSecret};
use wxlogin::server::access_token::{AccessTokenCommand, TokenEndpoint};
use wxlogin::server::{
    AccessTokenCache, AccessTokenConfig, AccessTokenEvent, EffectId, TokenWaiter,
};

use super::Bytes;

const SECRET: &str = "APPSECRET-MARKER";
const TOKEN_PREFIX: &str = "TOKENMARK";

pub fn access_token(data: &[u8]) {
    let first = run(data);
    let second = run(data);
    assert_eq!(
        first, second,
        "replaying the same input gave other commands"
    );
}

struct Checker {
    cache: AccessTokenCache,
    now: OffsetDateTime,
    waiting: BTreeSet<TokenWaiter>,
    next_waiter: u64,
    outstanding: Option<EffectId>,
    last_forced: Option<OffsetDateTime>,
    tokens: u64,
    log: Vec<String>,
}

fn run(data: &[u8]) -> Vec<String> {
    let mut bytes = Bytes::new(data);
    let mut config =
        AccessTokenConfig::new("wx0123456789abcdef", AppSecret::new(SECRET), bytes.u64())
            .with_refresh_margin(bytes.duration());
    if bytes.pick(4) == 0 {
        config = config.with_endpoint(TokenEndpoint::Plain);
    }
    let mut checker = Checker {
        cache: AccessTokenCache::new(config),
        now: bytes.start_time(),
        waiting: BTreeSet::new(),
        next_waiter: 0,
        outstanding: None,
        last_forced: None,
        tokens: 0,
        log: Vec::new(),
    };
    while !bytes.is_empty() {
        checker.now = bytes.next_time(checker.now);
        match bytes.pick(9) {
            0 => checker.cache.handle_timeout(checker.now),
            1 | 2 => {
                let waiter = checker.waiter(&mut bytes);
                checker.feed(AccessTokenEvent::TokenNeeded { waiter });
            }
            3 | 4 => {
                let event = checker.answer(&mut bytes, false);
                checker.feed_opt(event);
            }
            5 => {
                let token = match (bytes.pick(2), checker.cache.token(checker.now)) {
                    (0, Some(cached)) => cached.access_token.clone(),
                    _ => AccessToken::new(format!("{TOKEN_PREFIX}{}", bytes.byte())),
                };
                let errcode = [40001, 40014, 42001, 45011][usize::from(bytes.pick(4))];
                let waiter = (bytes.pick(2) == 0).then(|| checker.waiter(&mut bytes));
                checker.feed(AccessTokenEvent::TokenRejected {
                    token,
                    errcode,
                    waiter,
                });
            }
            6 => {
                let waiter = checker.waiter(&mut bytes);
                checker.feed(AccessTokenEvent::ForceRefresh { waiter });
            }
            7 => {
                let id = EffectId(u64::from(bytes.byte()));
                let result = Err(TransportError::Timeout);
                checker.feed(AccessTokenEvent::FetchAnswered { id, result });
            }
            _ => {
                let state = checker.cache.export();
                checker.feed(AccessTokenEvent::Imported { state });
            }
        }
        checker.drain();
    }
    checker.settle();
    checker.log
}

impl Checker {
    /// A new waiter, or sometimes one that may still be waiting (the cache must refuse it).
    fn waiter(&mut self, bytes: &mut Bytes<'_>) -> TokenWaiter {
        if bytes.pick(8) != 0 {
            self.next_waiter += 1;
        }
        TokenWaiter(self.next_waiter)
    }

    fn feed_opt(&mut self, event: Option<AccessTokenEvent>) {
        if let Some(event) = event {
            self.feed(event);
        }
    }

    fn feed(&mut self, event: AccessTokenEvent) {
        let before = self.cache.clone();
        let waiter = match &event {
            AccessTokenEvent::TokenNeeded { waiter }
            | AccessTokenEvent::ForceRefresh { waiter } => Some(*waiter),
            AccessTokenEvent::TokenRejected { waiter, .. } => *waiter,
            _ => None,
        };
        match self.cache.handle(event, self.now) {
            Ok(()) => {
                if let Some(waiter) = waiter {
                    assert!(self.waiting.insert(waiter), "{waiter} accepted twice");
                }
            }
            Err(error) => assert_eq!(self.cache, before, "refused ({error}) but changed"),
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.cache.poll_command() {
            let debug = format!("{command:?}");
            assert!(
                !debug.contains(SECRET) && !debug.contains(TOKEN_PREFIX),
                "{debug}"
            );
            match &command {
                AccessTokenCommand::Fetch { id, force, .. } => {
                    self.start(*id);
                    if *force {
                        if let Some(last) = self.last_forced {
                            assert!(
                                self.now - last >= Duration::seconds(30),
                                "forced twice within 30 s: {last} then {}\n{:#?}",
                                self.now,
                                self.log.iter().rev().take(6).collect::<Vec<_>>()
                            );
                        }
                        self.last_forced = Some(self.now);
                    }
                }
                AccessTokenCommand::LoadShared { id, .. } => self.start(*id),
                AccessTokenCommand::Ready {
                    waiters,
                    expires_at,
                    ..
                } => {
                    assert!(
                        *expires_at > self.now,
                        "an expired token was handed out: {expires_at} at {}",
                        self.now
                    );
                    self.complete(waiters);
                }
                AccessTokenCommand::Failed { waiters, .. } => self.complete(waiters),
                _ => {}
            }
            self.log.push(debug);
        }
    }

    fn start(&mut self, id: EffectId) {
        if let Some(previous) = self.outstanding.replace(id) {
            let mut probe = self.cache.clone();
            let late = AccessTokenEvent::FetchAnswered {
                id: previous,
                result: Err(TransportError::Timeout),
            };
            assert!(
                probe.handle(late, self.now).is_err(),
                "a fetch started while {previous} was outstanding"
            );
        }
    }

    fn complete(&mut self, waiters: &[TokenWaiter]) {
        for waiter in waiters {
            assert!(
                self.waiting.remove(waiter),
                "{waiter} completed twice or never asked"
            );
        }
    }

    /// An answer to the outstanding fetch, if it is still wanted.
    fn answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<AccessTokenEvent> {
        let id = self.outstanding?;
        self.tokens += 1;
        let expires_in = 300 + u64::from(bytes.u16());
        let ok = format!(
            r#"{{"access_token":"{TOKEN_PREFIX}{}","expires_in":{expires_in}}}"#,
            self.tokens
        );
        let result = match if good { 0 } else { bytes.pick(6) } {
            0 | 1 => Ok(HttpResponse::json(200, ok.into_bytes())),
            2 => Ok(HttpResponse::json(
                200,
                br#"{"errcode":-1,"errmsg":"system error"}"#.to_vec(),
            )),
            3 => Ok(HttpResponse::json(
                200,
                br#"{"errcode":40013,"errmsg":"invalid appid"}"#.to_vec(),
            )),
            4 => Ok(HttpResponse::json(bytes.u16(), bytes.slice(64).to_vec())),
            _ => Err(TransportError::Connection {
                message: format!("POST ?secret={SECRET}"),
            }),
        };
        let event = AccessTokenEvent::FetchAnswered { id, result };
        self.cache
            .clone()
            .handle(event.clone(), self.now)
            .is_ok()
            .then_some(event)
    }

    /// WeChat cooperates and deadlines pass: every waiter must be answered.
    fn settle(&mut self) {
        let mut bytes = Bytes::new(&[]);
        for _ in 0..10_000 {
            if self.waiting.is_empty() {
                return;
            }
            match (self.answer(&mut bytes, true), self.cache.poll_timeout()) {
                (Some(event), _) => self.feed(event),
                (None, Some(deadline)) => {
                    self.now = self.now.max(deadline);
                    self.cache.handle_timeout(self.now);
                }
                (None, None) => break,
            }
            self.drain();
        }
        let waiting = &self.waiting;
        assert!(waiting.is_empty(), "waiters never answered: {waiting:?}");
    }
}
