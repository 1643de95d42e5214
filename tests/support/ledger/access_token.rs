//! The access token cache seen from the world: a ledger of the fetches WeChat is working on,
//! kept from the commands the cache emits and the answers and clock the driver gives it, never
//! from the cache's own view. Shared by the fuzz harness and the model test (times are
//! `OffsetDateTime` in one and model milliseconds in the other).
//!
//! A fetch is **in the world** from its `Fetch` command until its answer is delivered or the
//! world's clock reaches its deadline, whatever the cache did in between. The invariants:
//!
//! 1. Never two fetches in the world at once, and an answer to the one in the world is never
//!    late.
//! 2. `fetches <= 1 + R + X + E + F`, where R is the number of distinct fetches (text,
//!    generation) named by accepted rejections, X the number of times the world's clock
//!    reached the refresh instant of a fetch the cache was given or granted (the earlier of
//!    its expiry and `refresh_margin` before it, never before half its life; counted again
//!    after the clock went back before it or the fetch came in again through an import), E
//!    the fetches that left the world without granting a token (an error answer or the
//!    deadline), F the forced fetches, and 1 the cold start.
//!
//! Why 2 holds: every fetch is a retry (charged to the failed fetch before it, one retry per
//! failure) or the first of a flight, sent from idle; an idle period holds at most one such
//! start and begins with the cold start, a grant (whose fetch then has to be rejected or reach
//! its refresh instant before a normal flight starts: a usable, non-rejected token is served,
//! not refreshed), a give-up (a failure nothing retried) or a forced fetch. Without
//! compare-and-expire on the fetch, ten rejections of one fetch's text re-issued by the next
//! fetch cost ten fetches against R = 1.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use wxlogin::{EffectId, Handled, WaiterId};

use crate::markers::assert_quiet;
use time::OffsetDateTime;
use wxlogin::http::TransportFailure;

use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::{AccessTokenCache, AccessTokenConfig, Event};
use wxlogin::test_support::TokenApi;

/// One fetch: its text and generation.
pub(crate) type Pair = (String, u64);

/// What the world learns from an event before the cache takes it.
pub(crate) struct EventFacts {
    /// The waiter the event makes wait, if the cache accepts it.
    pub(crate) waiter: Option<WaiterId>,
    /// An answer: the fetch id and whether it grants a token.
    pub(crate) answered: Option<(u64, bool)>,
    /// A rejection: the fetch it names.
    pub(crate) rejected: Option<Pair>,
}

impl EventFacts {
    pub(crate) fn of(event: &Event) -> Self {
        let mut facts = EventFacts {
            waiter: None,
            answered: None,
            rejected: None,
        };
        match event {
            Event::TokenNeeded { waiter } | Event::ForceRefresh { waiter } => {
                facts.waiter = Some(*waiter);
            }
            Event::TokenRejected {
                waiter,
                token,
                generation,
                ..
            } => {
                facts.waiter = *waiter;
                facts.rejected = Some((token.expose_secret().to_owned(), *generation));
            }
            Event::FetchAnswered { id, result } => {
                // Whether it grants depends on the answer alone, not on the appid or secret.
                let config = AccessTokenConfig::new("wx", AppSecret::new("s"), 0);
                let grants = TokenApi::new(&config).parse(result).is_ok();
                facts.answered = Some((id.0, grants));
            }
            _ => {}
        }
        facts
    }
}

pub(crate) struct FetchLedger<T> {
    /// The fetches in the world: id and deadline.
    in_world: Vec<(u64, T)>,
    pub(crate) fetches: u64,
    pub(crate) forced: u64,
    pub(crate) failures: u64,
    rejected: BTreeSet<Pair>,
    /// Every fetch the cache held or was given: its refresh instant and whether the clock
    /// was before it since it was last counted.
    pairs: BTreeMap<Pair, (T, bool)>,
    pub(crate) crossings: u64,
}

impl<T: Ord + Copy + Debug> Default for FetchLedger<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Ord + Copy + Debug> FetchLedger<T> {
    pub(crate) fn new() -> Self {
        Self {
            in_world: Vec::new(),
            fetches: 0,
            forced: 0,
            failures: 0,
            rejected: BTreeSet::new(),
            pairs: BTreeMap::new(),
            crossings: 0,
        }
    }

    /// What the world learns of `event` before the cache takes it at `now`: its facts, and
    /// that its `Debug` shows no secret; the clock is read first.
    pub(crate) fn before(&mut self, event: &Event, now: T) -> EventFacts {
        assert_quiet("an event's Debug", &format!("{event:?}"));
        self.tick(now);
        EventFacts::of(event)
    }

    /// The world's clock reads `now`: fetches past their deadline leave the world (failed),
    /// and refresh instants reached are counted.
    pub(crate) fn tick(&mut self, now: T) {
        let before = self.in_world.len();
        self.in_world.retain(|&(_, deadline)| now < deadline);
        self.failures += (before - self.in_world.len()) as u64;
        for (instant, armed) in self.pairs.values_mut() {
            if now < *instant {
                *armed = true;
            } else if *armed {
                *armed = false;
                self.crossings += 1;
            }
        }
    }

    /// The cache sent fetch `id` at `now`: nothing else may be in the world.
    pub(crate) fn fetch(&mut self, id: u64, deadline: T, force: bool, now: T) {
        self.tick(now);
        assert!(
            self.in_world.is_empty(),
            "fetch #{id} sent while {:?} is in the world",
            self.in_world
        );
        self.in_world.push((id, deadline));
        self.fetches += 1;
        self.forced += u64::from(force);
    }

    /// The driver delivered an answer to `id`; `late` is what the cache said of it, `granted`
    /// whether the answer carries a token by the documented parser.
    pub(crate) fn answered(&mut self, id: u64, late: bool, granted: bool) {
        let Some(at) = self.in_world.iter().position(|&(out, _)| out == id) else {
            return;
        };
        assert!(!late, "the answer to #{id}, in the world, was called late");
        self.in_world.remove(at);
        self.failures += u64::from(!granted);
    }

    /// The fetch an accepted event named, if it was a rejection.
    pub(crate) fn rejected_pair(&mut self, pair: Option<Pair>) {
        self.rejected.extend(pair);
    }

    /// The cache was granted or given this fetch, refreshed at `instant`; `again` counts a
    /// fetch that came in before as new (an import may bring an old fetch back).
    pub(crate) fn held(&mut self, pair: Pair, instant: T, again: bool) {
        match self.pairs.get_mut(&pair) {
            Some(entry) if !again => entry.0 = instant,
            _ => {
                self.pairs.insert(pair, (instant, true));
            }
        }
    }

    /// Invariant 2.
    pub(crate) fn check_bound(&self) {
        let bound = 1 + self.rejected.len() as u64 + self.crossings + self.failures + self.forced;
        assert!(
            self.fetches <= bound,
            "{} fetches > 1 + {} rejected fetches + {} refresh instants + {} failures + {} forced",
            self.fetches,
            self.rejected.len(),
            self.crossings,
            self.failures,
            self.forced
        );
    }
}

/// Invariant 1 as the cache sees it: when it starts a fetch, the answer to the `previous` one
/// is already late (`Ok(Handled::Late)` on a clone, which it leaves unchanged).
pub(crate) fn assert_late(cache: &AccessTokenCache, previous: EffectId, now: OffsetDateTime) {
    let mut probe = cache.clone();
    let late = Event::FetchAnswered {
        id: previous,
        result: Err(TransportFailure::Timeout),
    };
    assert_eq!(
        probe.handle(late, now),
        Ok(Handled::Late),
        "a fetch started while {previous} was outstanding"
    );
    assert!(probe == *cache, "a late answer changed the cache");
}
