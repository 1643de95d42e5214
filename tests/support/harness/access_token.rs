//! `access_token`: the `AccessTokenCache` under arbitrary events (needs, answers good and bad,
//! wrong ids, rejections of current and old tokens, forced refreshes, imports) and times.
//!
//! Invariants:
//! 1. A refused event, and a late answer, leave the cache `==` its clone from before.
//! 2. At most one fetch is outstanding: when one starts, an answer to the previous is late.
//! 3. Every waiter is named in exactly one `Complete`, and once WeChat answers well
//!    (or lets deadlines pass) all are, within a bounded number of steps.
//! 4. A `Complete` never hands out a token that has expired at `now`.
//! 5. A forced refresh is never sent less than 30 s after the previous one, nor more than 20
//!    times in a Beijing day, whatever the clock does.
//! 6. No `Debug` of an event, a command, an error or the cache contains the app secret or a
//!    token.
//! 7. Replaying the same input gives the same commands.
//! 8. The world's ledger (`ledger.rs`): never two fetches in the world at once, an answer to
//!    the one in the world is never late, and `fetches <= 1 + R + X + E + F`. Rejections name
//!    the cached fetch, an earlier fetch of the same text (the stable endpoint re-issues
//!    texts) or a made-up one.

use std::collections::{BTreeMap, BTreeSet};
use wxlogin::{EffectId, WaiterId};

use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AccessToken, AppSecret};
use wxlogin::server::access_token::{AccessTokenCache, AccessTokenConfig, Event};
use wxlogin::server::access_token::{AccessTokenState, Command, TokenEndpoint};

use super::Bytes;
use crate::markers::{APP_SECRET, TOKEN, assert_quiet};
use crate::token_ledger::{EventFacts, FetchLedger, assert_late};
use crate::wechat::errcode;
use crate::wechat::token;

pub(crate) fn access_token(data: &[u8]) {
    super::replayed(data, run);
}

struct Checker {
    cache: AccessTokenCache,
    now: OffsetDateTime,
    waiting: BTreeSet<WaiterId>,
    next_waiter: u64,
    outstanding: Option<EffectId>,
    last_forced: Option<OffsetDateTime>,
    /// Forced fetches per Beijing day.
    forced_per_day: BTreeMap<i64, u32>,
    tokens: u64,
    log: Vec<String>,
    world: FetchLedger<OffsetDateTime>,
    margin: Duration,
    /// The cache may have changed since its `Debug` was last checked: only an applied event
    /// or a timer changes it (a late or refused one leaves it `==` its clone), and formatting
    /// it after every input cost a fifth of the fuzzer's time.
    changed: bool,
}

fn run(data: &[u8]) -> Vec<String> {
    let mut bytes = Bytes::new(data);
    let seed = bytes.u64();
    let margin = bytes.duration();
    let mut config = AccessTokenConfig::new("wx0123456789abcdef", AppSecret::new(APP_SECRET), seed);
    config.refresh_margin = margin;
    if bytes.pick(4) == 0 {
        config.endpoint = TokenEndpoint::Plain;
    }
    let mut checker = Checker {
        cache: AccessTokenCache::new(config),
        now: bytes.start_time(),
        waiting: BTreeSet::new(),
        next_waiter: 0,
        outstanding: None,
        last_forced: None,
        forced_per_day: BTreeMap::new(),
        tokens: 0,
        log: Vec::new(),
        world: FetchLedger::new(),
        margin,
        changed: true,
    };
    while !bytes.is_empty() {
        checker.now = bytes.next_time(checker.now);
        match bytes.pick(9) {
            0 => checker.timeout(),
            1 | 2 => {
                let waiter = checker.waiter(&mut bytes);
                checker.feed(Event::TokenNeeded { waiter });
            }
            3 | 4 => {
                let event = checker.answer(&mut bytes, false);
                checker.feed_opt(event);
            }
            5 => {
                let cached = checker.cache.token(checker.now);
                let (token, generation) = match (bytes.pick(3), cached) {
                    (0, Some(c)) => (c.access_token.clone(), c.generation),
                    // The same text from an earlier fetch: a late rejection of a re-issue.
                    (1, Some(c)) => (c.access_token.clone(), u64::from(bytes.byte())),
                    _ => (
                        AccessToken::new(format!("{TOKEN}{}", bytes.byte())),
                        u64::from(bytes.byte()),
                    ),
                };
                let errcode = [40001, 40014, 42001, 45011][usize::from(bytes.pick(4))];
                let waiter = (bytes.pick(2) == 0).then(|| checker.waiter(&mut bytes));
                checker.feed(Event::TokenRejected {
                    token,
                    generation,
                    errcode,
                    waiter,
                });
            }
            6 => {
                let waiter = checker.waiter(&mut bytes);
                checker.feed(Event::ForceRefresh { waiter });
            }
            7 => {
                let id = EffectId(u64::from(bytes.byte()));
                let result = Err(TransportFailure::Timeout);
                checker.feed(Event::FetchAnswered { id, result });
            }
            _ => {
                let state = checker.cache.export();
                checker.feed(Event::Imported { state });
            }
        }
        checker.drain();
        checker.world.tick(checker.now);
        checker.world.check_bound();
    }
    checker.settle();
    checker.log
}

/// The Beijing (UTC+8) day `now` falls on.
fn beijing_day(now: OffsetDateTime) -> i64 {
    (now.unix_timestamp() + 8 * 3600).div_euclid(86_400)
}

impl Checker {
    /// A new waiter, or sometimes one that may still be waiting (the cache must refuse it).
    fn waiter(&mut self, bytes: &mut Bytes<'_>) -> WaiterId {
        if bytes.pick(8) != 0 {
            self.next_waiter += 1;
        }
        WaiterId(self.next_waiter)
    }

    fn timeout(&mut self) {
        self.cache.handle_timeout(self.now);
        self.changed = true;
    }

    fn feed_opt(&mut self, event: Option<Event>) {
        if let Some(event) = event {
            self.feed(event);
        }
    }

    fn feed(&mut self, event: Event) {
        let before = self.cache.clone();
        let EventFacts {
            waiter,
            answered,
            rejected,
        } = self.world.before(&event, self.now);
        let result = self.cache.handle(event, self.now);
        match &result {
            Ok(Handled::Applied) => {
                self.changed = true;
                if let Some(waiter) = waiter {
                    assert!(self.waiting.insert(waiter), "{waiter} accepted twice");
                }
                self.world.rejected_pair(rejected);
            }
            Ok(Handled::Late) => assert!(self.cache == before, "a late answer changed the cache"),
            Err(error) => {
                assert_eq!(self.cache, before, "refused ({error}) but changed");
                let debug = format!("{error:?} {error}");
                assert_quiet("an error", &debug);
            }
        }
        if let (Ok(handled), Some((id, granted))) = (&result, answered) {
            self.world.answered(id, handled.is_late(), granted);
        }
    }

    fn drain(&mut self) {
        if std::mem::take(&mut self.changed) {
            let debug = format!("{:?}", self.cache);
            assert_quiet("a Debug", &debug);
        }
        while let Some(command) = self.cache.poll_command() {
            let debug = format!("{command:?}");
            assert_quiet("a Debug", &debug);
            match &command {
                Command::Fetch {
                    id, force, timeout, ..
                } => {
                    self.start(*id);
                    let deadline = self.now.saturating_add(*timeout);
                    self.world.fetch(id.0, deadline, *force, self.now);
                    if *force {
                        let day = self
                            .forced_per_day
                            .entry(beijing_day(self.now))
                            .or_default();
                        *day += 1;
                        assert!(*day <= 20, "{day} forced refreshes in a Beijing day");
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
                Command::LoadShared { id, .. } => self.start(*id),
                Command::Complete {
                    waiters,
                    outcome: Ok(granted),
                } => {
                    let expires_at = &granted.expires_at;
                    assert!(
                        *expires_at > self.now,
                        "an expired token was handed out: {expires_at} at {}",
                        self.now
                    );
                    self.complete(waiters);
                }
                Command::Complete {
                    waiters,
                    outcome: Err(_),
                } => self.complete(waiters),
                Command::Publish { state } => self.held(state),
            }
            self.log.push(debug);
        }
    }

    fn start(&mut self, id: EffectId) {
        if let Some(previous) = self.outstanding.replace(id) {
            assert_late(&self.cache, previous, self.now);
        }
    }

    /// The fetch in a published state, with its refresh instant by the module docs:
    /// `refresh_margin` before expiry, never before half its life, never after expiry.
    fn held(&mut self, state: &AccessTokenState) {
        if let Some(token) = &state.token {
            let half = (token.expires_at - token.fetched_at) / 2;
            let instant = token
                .expires_at
                .saturating_sub(self.margin)
                .max(token.fetched_at.saturating_add(half))
                .min(token.expires_at);
            let pair = (
                token.access_token.expose_secret().to_owned(),
                token.generation,
            );
            self.world.held(pair, instant, false);
        }
    }

    fn complete(&mut self, waiters: &[WaiterId]) {
        for waiter in waiters {
            assert!(
                self.waiting.remove(waiter),
                "{waiter} completed twice or never asked"
            );
        }
    }

    /// An answer to the outstanding fetch, if it is still wanted.
    fn answer(&mut self, bytes: &mut Bytes<'_>, good: bool) -> Option<Event> {
        let id = self.outstanding?;
        self.tokens += 1;
        let expires_in = 300 + u64::from(bytes.u16());
        let token = format!("{TOKEN}{}", self.tokens);
        let result = match if good { 0 } else { bytes.pick(6) } {
            0 | 1 => Ok(token::answer(&token, expires_in)),
            2 => Ok(errcode::answer(-1, "system error")),
            3 => Ok(errcode::answer(40013, "invalid appid")),
            4 => Ok(HttpResponse::json(bytes.u16(), bytes.slice(64).to_vec())),
            _ => Err(TransportFailure::Connection {
                message: format!("POST ?secret={APP_SECRET}"),
            }),
        };
        let event = Event::FetchAnswered { id, result };
        let wanted = self.cache.clone().handle(event.clone(), self.now) == Ok(Handled::Applied);
        wanted.then_some(event)
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
                    self.timeout();
                }
                (None, None) => break,
            }
            self.drain();
        }
        let waiting = &self.waiting;
        assert!(waiting.is_empty(), "waiters never answered: {waiting:?}");
    }
}
