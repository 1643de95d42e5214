//! Model-based test of the `AccessTokenCache` (issue 6, item 3, server half): a reference
//! model that restates the cache's rules from the README, docs/protocol.md §3 and the module docs
//! (`model_based/`: `world.rs` the inputs and predicted outputs, `model.rs` the state,
//! the force guard and the backoff, `rules.rs` the rules, `strategies.rs` the inputs drawn in
//! each state; `driver.rs` the fake WeChat around the real cache) generates about four valid
//! inputs in five and one driver mistake in five; the real cache is driven with the same inputs, and its
//! commands (fetch ids and forced flags, `Complete` waiters, tokens and failures,
//! published states), refusals, deadlines and state must be exactly what the model predicts.
//! After every step:
//!
//! - `state()`, the waiters, `waiting()`, `token(now)`, `poll_timeout()`, `outstanding()`,
//!   `last_failure()` and `export()` equal the model's;
//! - a refused input leaves the cache `==` its clone and emits nothing;
//! - at most one fetch is outstanding (a new one makes the previous id unknown);
//! - every waiter is completed at most once, and, once every deadline is let pass, exactly once;
//! - no expired token is handed out; forced refreshes are sent at least 30 s apart and at most
//!   20 per Beijing day; a storm of rejections of one token (without waiters) makes at most one
//!   refresh, and a rejection of a token no longer cached makes none.
//!
//! The model found that an imported token *older* than one just rejected was adopted again
//! (docs/protocol.md §5 item 5: an old token written over a new one); the cache now refuses any
//! token fetched no later than the rejected one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

mod driver;
mod model;
mod rules;
mod strategies;
mod world;

use crate::markers::{APP_SECRET, assert_quiet};
use crate::model_support;
use std::collections::{BTreeSet, HashMap};
use wxlogin::{EffectId, WaiterId};

use crate::token_ledger;
use crate::wechat::app::BASE_URL;
use driver::{Driver, at, fail, late_answer, ms, refusal, rejection, snap_of, state_of};
use model::{Model, Phase};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use time::Duration;
use token_ledger::FetchLedger;
use world::{
    BACKOFF_INITIAL, BACKOFF_MAX, CALL_TIMEOUT, COOLDOWN, Dup, Imp, Tok, Tr, foreign_snap,
};
use wxlogin::Handled;
use wxlogin::backoff::Backoff;
use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenConfig, AccessTokenError, AccessTokenState, Command, Event,
    TokenEndpoint,
};

// 1024 cases of up to 50 inputs take about 3 s in debug; `PROPTEST_CASES` may ask for more.
prop_state_machine! {
    #![proptest_config(model_support::config(1024))]

    #[test]
    fn access_token_cache_agrees_with_the_model(sequential 1..50 => Driver);
}

pub(crate) struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Tr;

    fn init_state() -> BoxedStrategy<Model> {
        strategies::init_state()
    }

    fn transitions(m: &Model) -> BoxedStrategy<Tr> {
        strategies::transitions(m)
    }

    fn apply(m: Model, tr: &Tr) -> Model {
        m.apply(tr)
    }

    fn preconditions(m: &Model, tr: &Tr) -> bool {
        m.allows(tr)
    }
}

impl StateMachineTest for Driver {
    type SystemUnderTest = Self;
    type Reference = Reference;

    fn init_test(m: &Model) -> Self {
        let mut config =
            AccessTokenConfig::new("wxMODEL0001", AppSecret::new(APP_SECRET), m.cfg.seed);
        config.base_url = BASE_URL.to_owned();
        config.refresh_margin = Duration::milliseconds(m.cfg.margin);
        if m.cfg.plain {
            config.endpoint = TokenEndpoint::Plain;
        }
        config.call_timeout = Duration::milliseconds(CALL_TIMEOUT);
        config.failure_cooldown = Duration::milliseconds(COOLDOWN);
        config.max_waiters = m.cfg.max_waiters;
        config.backoff = Backoff {
            initial: Duration::milliseconds(BACKOFF_INITIAL),
            max: Duration::milliseconds(BACKOFF_MAX),
            max_attempts: m.cfg.attempts,
        };
        let start = m.cfg.start.clone().unwrap_or_default();
        let cache = match &m.cfg.start {
            Some(snap) => AccessTokenCache::from_state(config, state_of(snap, 1)).unwrap(),
            None => AccessTokenCache::new(config),
        };
        let mut d = Driver {
            cache,
            now: at(0),
            plain: m.cfg.plain,
            last_fetch: None,
            issued: 0,
            next_waiter: 0,
            waiting: BTreeSet::new(),
            completed: BTreeSet::new(),
            published: Vec::new(),
            forced: start.ledger.last.into_iter().collect(),
            forced_per_day: HashMap::from([(start.ledger.day, start.ledger.count)]),
            storms: HashMap::new(),
            world: FetchLedger::new(),
            margin: m.cfg.margin,
        };
        d.held(&start, false);
        d
    }

    fn apply(mut d: Self, m: &Model, tr: Tr) -> Self {
        let before = d.cache.clone();
        let cached = before
            .export()
            .token
            .map(|t| (t.access_token.expose_secret().to_owned(), t.generation));
        let due = before.poll_timeout().is_some_and(|t| t <= d.now);
        let result = d.input(m, &tr, cached.clone());
        let commands: Vec<Command> = std::iter::from_fn(|| d.cache.poll_command()).collect();
        d.check_outcome(m, &before, &result, &commands);
        d.check_debug(&commands, &m.seen);
        let got: Vec<_> = commands.iter().map(|c| d.observe(c)).collect();
        assert_eq!(got, m.expect, "commands: cache (left) vs model (right)");
        if let (
            Tr::Reject {
                token,
                generation,
                waiter: false,
                ..
            },
            Ok(_),
        ) = (&tr, &result)
        {
            let pair = (token.clone(), *generation);
            d.check_storm(&pair, cached.as_ref() == Some(&pair), due, &commands);
        }
        d.world.tick(ms(d.now));
        d.world.check_bound();
        d
    }

    fn check_invariants(d: &Self, m: &Model) {
        assert_eq!(ms(d.now), m.now, "clock");
        assert_eq!(d.cache.state(), m.phase_name(), "phase()");
        let waiters: BTreeSet<u64> = m.all_waiters().into_iter().collect();
        assert_eq!(d.waiting, waiters, "pending waiters");
        assert_eq!(d.cache.waiting(), m.waiting(), "waiting()");
        let token = d.cache.token(d.now).map(|t| Tok {
            text: t.access_token.expose_secret().to_owned(),
            fetched: ms(t.fetched_at),
            expires: ms(t.expires_at),
            generation: t.generation,
        });
        assert_eq!(token.as_ref(), m.usable(), "token(now)");
        assert_eq!(
            d.cache.poll_timeout().map(ms),
            m.poll_timeout(),
            "poll_timeout()"
        );
        assert_eq!(
            d.cache.outstanding().map(|id| id.0),
            m.outstanding(),
            "outstanding()"
        );
        assert_eq!(d.issued, m.next_id, "fetches started");
        let last = match &m.phase {
            Phase::Backoff { last, .. } => Some(last.clone()),
            Phase::Idle | Phase::Fetching { .. } => None,
        };
        assert_eq!(d.cache.last_failure().map(fail), last, "last_failure()");
        assert_eq!(snap_of(&d.cache.export()), m.export(), "export()");
    }

    /// Every waiter is completed once every deadline is let pass, in bounded steps.
    fn teardown(mut d: Self, _: Model) {
        for _ in 0..60 {
            if d.waiting.is_empty() {
                break;
            }
            let deadline = d.cache.poll_timeout().expect("waiters wait on a deadline");
            d.now = d.now.max(deadline);
            d.cache.handle_timeout(d.now);
            while let Some(command) = d.cache.poll_command() {
                d.observe(&command);
            }
        }
        assert!(d.waiting.is_empty(), "never completed: {:?}", d.waiting);
    }
}

impl Driver {
    /// Hands `tr` to the cache (or moves the clock); `cached` is the fetch the cache held.
    fn input(
        &mut self,
        m: &Model,
        tr: &Tr,
        cached: Option<(String, u64)>,
    ) -> Result<Handled, AccessTokenError> {
        match tr {
            Tr::Need => {
                let waiter = self.new_waiter();
                self.feed(Event::TokenNeeded { waiter })
            }
            Tr::Force => {
                let waiter = self.new_waiter();
                self.feed(Event::ForceRefresh { waiter })
            }
            Tr::Answer(ans) => {
                let id = self.outstanding();
                let result = Driver::response(ans);
                self.feed(Event::FetchAnswered { id, result })
            }
            Tr::Reject {
                token,
                generation,
                errcode,
                waiter,
            } => {
                let waiter = waiter.then(|| self.new_waiter());
                self.feed(rejection(token, *generation, *errcode, waiter))
            }
            Tr::Import(imp) => self.import(m, imp),
            Tr::Deadline | Tr::Tick | Tr::Advance(_) => {
                self.clock(tr);
                Ok(Handled::Applied)
            }
            Tr::Stale(id) => self.feed(late_answer(EffectId(*id))),
            Tr::Unknown { ahead } => self.feed(late_answer(EffectId(self.issued + ahead))),
            Tr::WrongKind => {
                let id = EffectId(self.issued.saturating_sub(1));
                self.feed(Event::SharedLoaded { id, state: None })
            }
            Tr::Duplicate { waiter, how } => {
                let waiter = WaiterId(*waiter);
                self.feed(match how {
                    Dup::Need => Event::TokenNeeded { waiter },
                    Dup::Force => Event::ForceRefresh { waiter },
                    Dup::Reject => rejection("nobody", 0, 40001, Some(waiter)),
                })
            }
            Tr::NotToken { errcode, waiter } => {
                let waiter = waiter.then(|| self.new_waiter());
                let (token, generation) = cached.clone().unwrap_or_else(|| ("nobody".into(), 0));
                self.feed(rejection(&token, generation, *errcode, waiter))
            }
            Tr::BadImport(bad) => {
                let (v, snap) = rules::bad_snap(*bad, ms(self.now));
                self.feed(Event::Imported {
                    state: state_of(&snap, v),
                })
            }
        }
    }

    /// A record imported: one this run published, or another process's.
    fn import(&mut self, m: &Model, imp: &Imp) -> Result<Handled, AccessTokenError> {
        let state = match imp {
            Imp::Published(n) => {
                let json = serde_json::to_vec(&self.published[*n]).unwrap();
                serde_json::from_slice::<AccessTokenState>(&json).unwrap()
            }
            Imp::Foreign {
                age_s,
                count,
                last_ago_s,
            } => state_of(
                &foreign_snap(m.foreign, ms(self.now), *age_s, *count, *last_ago_s),
                1,
            ),
        };
        let snap = snap_of(&state);
        let result = self.feed(Event::Imported { state });
        self.held(&snap, true);
        result
    }

    /// The clock: to the next deadline, a tick now, or a step.
    fn clock(&mut self, tr: &Tr) {
        match tr {
            Tr::Deadline => {
                let deadline = self.cache.poll_timeout().expect("a deadline to jump to");
                self.now = self.now.max(deadline);
                self.world.tick(ms(self.now));
                self.cache.handle_timeout(self.now);
            }
            Tr::Tick => {
                self.world.tick(ms(self.now));
                self.cache.handle_timeout(self.now);
            }
            Tr::Advance(step) => {
                self.now += Duration::milliseconds(*step);
            }
            _ => unreachable!("not a clock input: {tr:?}"),
        }
    }

    /// The cache took or refused the input as the model says, and a refusal or a late answer
    /// left it as it was.
    fn check_outcome(
        &self,
        m: &Model,
        before: &AccessTokenCache,
        result: &Result<Handled, AccessTokenError>,
        commands: &[Command],
    ) {
        match result {
            Ok(handled) => {
                assert_eq!(None, m.refusal, "accepted what the model refuses");
                assert_eq!(
                    handled.is_late(),
                    m.late,
                    "late: cache (left) vs model (right)"
                );
                if handled.is_late() {
                    assert!(self.cache == *before, "a late answer changed the cache");
                }
            }
            Err(error) => {
                assert_eq!(Some(refusal(error)), m.refusal, "refused: {error}");
                assert_eq!(self.cache, *before, "refused ({error}) but changed");
                assert!(commands.is_empty(), "refused but emitted {commands:?}");
                let debug = format!("{error:?} {error}");
                assert_quiet("an error", &debug);
            }
        }
    }
}
