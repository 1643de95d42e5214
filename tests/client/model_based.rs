//! Model-based test of the client `LoginMachine` (issue 6, item 3): a reference model that
//! restates the README's rules (`model_based/`: `world.rs` the inputs and predicted outputs,
//! `model.rs` the state, `rules.rs` the rules) generates about four valid inputs in five and
//! one driver mistake in five; the real machine is driven with the same inputs, its
//! commands, refusals, deadlines, storage and state must be exactly what the model predicts,
//! and the invariants of the issue hold after every step:
//!
//! - `state()`, the waiters, the served session, storage and `poll_timeout()` equal the model's;
//! - a refused input leaves the machine `==` its clone and emits nothing;
//! - a ledger of effects in the world (from their command until their answer or their
//!   deadline, whatever the machine did in between): never two at once, so never two
//!   `wx.login`; late answers are `Ok(Handled::Late)` and change nothing but the ledger;
//! - every waiter is completed at most once, and, once every deadline is let pass, exactly once;
//! - no expired session is handed out; a code is never sent twice (`CodeReuse::Never`) and
//!   never past its life (`WithinCodeLife`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

mod driver;
mod input;
mod model;
mod rules;
mod world;

use crate::model_support;
use std::collections::{BTreeSet, HashMap};
use wxlogin::EffectId;

use crate::client_ledger::Ledger;
use driver::{Driver, at, ms};
use model::{Model, Phase, Then};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use time::Duration;
use world::{
    ANSWERS, BASE_DELAY, CHECK_TIMEOUT, CODE_LIFE, CONFIRM_AGE, Cfg, CodeAns, Content, Exp,
    MAX_DELAY, RELOGIN_WINDOW, REQUEST_TIMEOUT, STORAGE_TIMEOUT, ServerAns, Sess, StorageAns, Tr,
    Verify, WX_TIMEOUT,
};
use wxlogin::backoff::Backoff;
use wxlogin::client::{CodeReuse, Command, EventKind, LoginConfig, LoginMachine, VerifyPolicy};
use wxlogin::wire::ErrorKind;

// 512 cases of up to 40 inputs take about a second in debug; `PROPTEST_CASES` may ask for more.
prop_state_machine! {
    #![proptest_config(model_support::config(512))]

    #[test]
    fn login_machine_agrees_with_the_model(sequential 1..40 => Driver);
}

pub(crate) struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Tr;

    fn init_state() -> BoxedStrategy<Model> {
        let attempts = prop_oneof![2 => Just(2u32), 1 => Just(1), 1 => Just(3)];
        let verify = prop_oneof![
            2 => Just(Verify::Confirm),
            1 => Just(Verify::Trust),
            1 => Just(Verify::IfOlder)
        ];
        let reuse = any::<bool>();
        let storage = prop_oneof![
            1 => Just(StorageAns::Missing),
            3 => Just(StorageAns::Valid {
                ttl_s: 3600,
                age_s: 0
            }),
            3 => Just(StorageAns::Valid {
                ttl_s: 7200,
                age_s: 900
            }),
            1 => Just(StorageAns::Expired),
            1 => Just(StorageAns::Corrupt),
        ];
        (attempts, verify, reuse, any::<u64>(), storage)
            .prop_map(|(attempts, verify, reuse, seed, storage)| {
                let cfg = Cfg {
                    attempts,
                    verify,
                    reuse,
                    seed,
                };
                Model::new(cfg, storage.content(0, None))
            })
            .boxed()
    }

    fn transitions(m: &Model) -> BoxedStrategy<Tr> {
        let mut tokens = vec!["nobody".to_owned()];
        tokens.extend(m.phase_token());
        tokens.extend(m.phase_token());
        tokens.extend(m.served.clone());
        // A rejection needs a token the driver could hold; before any, it is rare.
        let reject = if m.phase_token().is_some() || m.served.is_some() {
            8
        } else {
            1
        };
        let mut valid: Vec<(u32, BoxedStrategy<Tr>)> = vec![
            (12, Just(Tr::Request).boxed()),
            (reject, select(tokens).prop_map(Tr::Reject).boxed()),
            (6, advance().prop_map(Tr::Advance).boxed()),
            (2, Just(Tr::Logout).boxed()),
            (2, Just(Tr::Tick).boxed()),
        ];
        // Deadlines matter most where a stored session is being checked.
        let checking = m.phase_token().is_some() && m.awaited().is_some();
        if m.deadline().is_some() {
            valid.push((if checking { 16 } else { 7 }, Just(Tr::Deadline).boxed()));
        }
        let instants = m.instants();
        if !instants.is_empty() {
            let now = m.now;
            let instant = (select(instants), -1..=1i64)
                .prop_map(move |(at, off)| Tr::Advance(at + off - now));
            // Most of all where a held code waits to be resent: its life may end meanwhile.
            let resend = matches!(m.phase, Phase::Wait(Then::Login { code: Some(_), .. }));
            valid.push((if resend { 16 } else { 4 }, instant.boxed()));
        }
        match m.awaited() {
            Some(EventKind::StorageRead) => valid.push((40, storage_answer())),
            Some(EventKind::CheckSessionResult) => {
                let ok = prop_oneof![3 => Just(true), 1 => Just(false)];
                valid.push((40, ok.prop_map(Tr::WxCheck).boxed()));
            }
            Some(EventKind::CodeObtained) => valid.push((40, code_answer())),
            Some(EventKind::ServerResponse) => valid.push((40, server_answer(checking))),
            _ => {}
        }
        let valid_weight: u32 = valid.iter().map(|(w, _)| w).sum();
        // Driver mistakes: a quarter of the valid weight, one in five of all inputs.
        let mut invalid: Vec<(u32, BoxedStrategy<Tr>)> = vec![(
            5,
            (0..3u64, select(ANSWERS.to_vec()))
                .prop_map(|(ahead, kind)| Tr::Unknown { ahead, kind })
                .boxed(),
        )];
        let stale: Vec<u64> = (0..m.next_io)
            .filter(|&id| Some(id) != m.outstanding())
            .collect();
        // Late answers are valid inputs; the one to an abandoned effect matters most (rule 2).
        if let Some(world) = m.world {
            let kinds = select(ANSWERS.to_vec());
            let id = world.id;
            let answer = kinds.prop_map(move |kind| Tr::Stale { id, kind });
            valid.push((12, answer.boxed()));
        }
        if !stale.is_empty() {
            let kinds = select(ANSWERS.to_vec());
            let stale = (select(stale), kinds).prop_map(|(id, kind)| Tr::Stale { id, kind });
            invalid.push((6, stale.boxed()));
        }
        if let Some(awaited) = m.awaited() {
            let wrong: Vec<EventKind> = ANSWERS.into_iter().filter(|&k| k != awaited).collect();
            invalid.push((5, select(wrong).prop_map(Tr::WrongKind).boxed()));
        }
        if !m.waiters.is_empty() {
            let duplicate = (select(m.waiters.clone()), any::<bool>())
                .prop_map(|(waiter, reject)| Tr::Duplicate { waiter, reject });
            invalid.push((4, duplicate.boxed()));
        }
        let invalid_weight: u32 = invalid.iter().map(|(w, _)| w).sum();
        // Valid : invalid = 4 : 1, whatever the weights within each group are.
        let valid = valid.into_iter().map(|(w, s)| (4 * w * invalid_weight, s));
        let invalid = invalid.into_iter().map(|(w, s)| (w * valid_weight, s));
        Union::new_weighted(valid.chain(invalid).collect()).boxed()
    }

    fn apply(m: Model, tr: &Tr) -> Model {
        m.apply(tr)
    }

    fn preconditions(m: &Model, tr: &Tr) -> bool {
        m.allows(tr)
    }
}

fn storage_answer() -> BoxedStrategy<Tr> {
    prop_oneof![
        8 => Just(StorageAns::Keep),
        1 => Just(StorageAns::Missing),
        1 => Just(StorageAns::Empty),
        1 => Just(StorageAns::Corrupt),
        1 => Just(StorageAns::OtherVersion),
        1 => Just(StorageAns::BadToken),
        2 => (prop_oneof![Just(1i64), Just(90), Just(3600)], prop_oneof![Just(0i64), Just(900)])
            .prop_map(|(ttl_s, age_s)| StorageAns::Valid { ttl_s, age_s }),
        1 => Just(StorageAns::Expired),
    ]
    .prop_map(Tr::Storage)
    .boxed()
}

fn code_answer() -> BoxedStrategy<Tr> {
    prop_oneof![
        8 => Just(CodeAns::Fresh),
        2 => proptest::option::of(-2i64..100).prop_map(|errno| CodeAns::Fail { errno }),
        1 => Just(CodeAns::Malformed),
    ]
    .prop_map(Tr::WxCode)
    .boxed()
}

fn server_answer(checking: bool) -> BoxedStrategy<Tr> {
    let kind = select(vec![
        ErrorKind::CodeUsed,
        ErrorKind::InvalidCode,
        ErrorKind::SessionExpired,
        ErrorKind::UpstreamUnavailable,
        ErrorKind::UserBlocked,
        ErrorKind::RateLimited,
        ErrorKind::Internal,
    ]);
    // Mostly the status that goes with the kind, sometimes another one.
    let error = (
        kind,
        prop_oneof![4 => Just(None), 1 => select(vec![400u16, 401, 500, 503]).prop_map(Some)],
    )
        .prop_map(|(kind, status)| ServerAns::Error {
            kind,
            status: status.unwrap_or(kind.status()),
        });
    prop_oneof![
        if checking { 7 } else { 14 } => select(vec![0u64, 1, 90, 3600, 7200]).prop_map(|expires_in| ServerAns::Ok { expires_in }),
        1 => Just(ServerAns::Garbage),
        3 => select(vec![401u16, 404, 408, 500, 502]).prop_map(ServerAns::Status),
        5 => error,
        2 => Just(ServerAns::Transport),
    ]
    .prop_map(Tr::Server)
    .boxed()
}

/// How far the clock moves.
fn advance() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..20_000i64,
        Just(45_000),
        Just(61_000),
        Just(301_000),
        Just(3_600_000),
        Just(7_201_000),
        Just(-30_000)
    ]
}

impl StateMachineTest for Driver {
    type SystemUnderTest = Self;
    type Reference = Reference;

    fn init_test(m: &Model) -> Self {
        let mut config = LoginConfig::new("https://api.example.com");
        let t = &mut config.timeouts;
        t.storage = Duration::milliseconds(STORAGE_TIMEOUT);
        t.check_session = Duration::milliseconds(CHECK_TIMEOUT);
        t.wx_login = Duration::milliseconds(WX_TIMEOUT);
        t.request = Duration::milliseconds(REQUEST_TIMEOUT);
        config.backoff = Backoff {
            initial: Duration::milliseconds(BASE_DELAY),
            max: Duration::milliseconds(MAX_DELAY),
            max_attempts: m.cfg.attempts,
        };
        config.seed = m.cfg.seed;
        config.verify = match m.cfg.verify {
            Verify::Confirm => VerifyPolicy::ConfirmWithServer,
            Verify::Trust => VerifyPolicy::TrustUntilExpiry,
            Verify::IfOlder => {
                VerifyPolicy::ConfirmIfOlderThan(Duration::milliseconds(CONFIRM_AGE))
            }
        };
        config.code_reuse = if m.cfg.reuse {
            CodeReuse::WithinCodeLife
        } else {
            CodeReuse::Never
        };
        config.code_max_age = Duration::milliseconds(CODE_LIFE);
        config.relogin_window = Duration::milliseconds(RELOGIN_WINDOW);
        Driver {
            machine: LoginMachine::new(config),
            now: at(0),
            storage: m.storage.as_ref().map(Content::render),
            effect: None,
            issued: 0,
            next_waiter: 0,
            waiting: BTreeSet::new(),
            completed: BTreeSet::new(),
            codes: HashMap::new(),
            codes_sent: BTreeSet::new(),
            ledger: Ledger::default(),
        }
    }

    fn apply(mut d: Self, m: &Model, tr: Tr) -> Self {
        let before = d.machine.clone();
        let result = d.input(tr);
        d.ledger.seen(d.now);
        let mut commands = Vec::new();
        while let Some(command) = d.machine.poll_command() {
            commands.push(command);
        }
        d.check_outcome(m, &before, &result, &commands);
        let got: Vec<Exp> = commands.iter().map(|c| d.observe(c)).collect();
        d.settled();
        assert_eq!(got, m.expect, "commands: machine (left) vs model (right)");
        d
    }

    fn check_invariants(d: &Self, m: &Model) {
        assert_eq!(d.machine.state(), m.kind(), "state");
        assert_eq!(ms(d.now), m.now, "clock");
        let waiters: BTreeSet<u64> = m.waiters.iter().copied().collect();
        assert_eq!(d.waiting, waiters, "pending waiters");
        assert_eq!(d.machine.waiting(), m.waiters.len(), "waiting()");
        let session = d.machine.session().map(|s| Sess {
            token: s.token.expose_secret().to_owned(),
            expires: ms(s.expires_at),
        });
        let held = match &m.phase {
            model::Phase::Ready { rec, .. } => Some(Sess {
                token: rec.token.clone(),
                expires: rec.expires,
            }),
            _ => None,
        };
        assert_eq!(session, held, "session()");
        assert_eq!(
            d.storage,
            m.storage.as_ref().map(Content::render),
            "storage"
        );
        let deadline = m.deadline().map(at);
        assert_eq!(d.machine.poll_timeout(), deadline, "poll_timeout()");
        assert_eq!(d.issued, m.next_io, "effects started");
        if let Some(id) = m.outstanding() {
            assert_eq!(d.effect.as_ref().and_then(Command::id), Some(EffectId(id)));
        }
    }

    /// Rule 1: once every deadline is let pass, every waiter is completed in bounded steps.
    fn teardown(mut d: Self, _: Model) {
        for _ in 0..50 {
            let Some(deadline) = d.machine.poll_timeout() else {
                break;
            };
            d.now = d.now.max(deadline);
            d.machine.handle_timeout(d.now);
            while let Some(command) = d.machine.poll_command() {
                d.observe(&command);
            }
        }
        assert_eq!(
            d.machine.poll_timeout(),
            None,
            "still waiting after 50 deadlines"
        );
        assert!(d.waiting.is_empty(), "never completed: {:?}", d.waiting);
    }
}
