//! The strategies of the access token model test: the configurations and starting states a
//! run is drawn from, and the inputs offered in each model state (about four valid inputs in
//! five, one driver mistake in five).

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

use super::model::Model;
use super::world::{Ans, Bad, Cfg, Dup, Imp, Ledger, SECOND, Snap, Tok, Tr, beijing_day};

/// The configurations of the family tested, and the state each run starts from.
pub(crate) fn init_state() -> BoxedStrategy<Model> {
    let margin =
        prop_oneof![2 => Just(300 * SECOND), 1 => Just(60 * SECOND), 1 => Just(5_000 * SECOND)];
    let attempts = prop_oneof![Just(5u32), Just(2)];
    let max_waiters = prop_oneof![3 => Just(65_536usize), 1 => Just(2)];
    let plain = prop_oneof![3 => Just(false), 1 => Just(true)];
    (plain, margin, attempts, max_waiters, any::<u64>(), start())
        .prop_map(|(plain, margin, attempts, max_waiters, seed, start)| {
            Model::new(Cfg {
                plain,
                margin,
                attempts,
                max_waiters,
                seed,
                start,
            })
        })
        .boxed()
}

/// The states a run may start from (`from_state`), besides an empty cache.
fn start() -> BoxedStrategy<Option<Snap>> {
    let today = beijing_day(0);
    prop_oneof![
        4 => Just(None),
        // One forced refresh left today, the last one 20 s ago.
        1 => Just(Some(Snap {
            token: None,
            ledger: Ledger { day: today, count: 19, last: Some(-20 * SECOND) },
        })),
        // The daily limit reached an hour ago; Beijing midnight is ten minutes away.
        1 => Just(Some(Snap {
            token: None,
            ledger: Ledger { day: today, count: 20, last: Some(-3_600 * SECOND) },
        })),
        // A restarted refresher whose token is already due for its refresh ahead.
        1 => Just(Some(Snap {
            token: Some(Tok {
                text: "restored".into(),
                fetched: -7_000 * SECOND,
                expires: 200 * SECOND,
                generation: 4,
            }),
            ledger: Ledger::default(),
        })),
    ]
    .boxed()
}

/// The inputs offered in state `m`: valid ones and driver mistakes, 4 : 1.
pub(crate) fn transitions(m: &Model) -> BoxedStrategy<Tr> {
    let valid = valid(m);
    let invalid = invalid(m);
    let valid_weight: u32 = valid.iter().map(|(w, _)| w).sum();
    let invalid_weight: u32 = invalid.iter().map(|(w, _)| w).sum();
    // Valid : invalid = 4 : 1, whatever the weights within each group are.
    let valid = valid.into_iter().map(|(w, s)| (4 * w * invalid_weight, s));
    let invalid = invalid.into_iter().map(|(w, s)| (w * valid_weight, s));
    Union::new_weighted(valid.chain(invalid).collect()).boxed()
}

/// How far the clock moves.
fn advance() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..20_000i64,
        Just(30_000),
        Just(61_000),
        Just(600_000),
        Just(3_600_000),
        Just(7_200_000),
        Just(-5_000),
        // Back across the Beijing midnight the runs start ten minutes before.
        Just(-3_600_000)
    ]
}

/// A token rejection: of the cached fetch most, then of any fetch once held (the same text
/// re-issued by several fetches among them), then of one never seen.
fn reject(m: &Model) -> impl Strategy<Value = Tr> + use<> {
    let mut tokens = vec![("nobody".to_owned(), 0)];
    tokens.extend(m.seen.iter().cloned());
    tokens.extend(m.cached.iter().flat_map(|t| [t.pair(), t.pair()]));
    (
        select(tokens),
        select(vec![40001i64, 40014, 42001]),
        any::<bool>(),
    )
        .prop_map(|((token, generation), errcode, waiter)| Tr::Reject {
            token,
            generation,
            errcode,
            waiter,
        })
}

/// Another process's record to import.
fn foreign() -> impl Strategy<Value = Tr> {
    (
        select(vec![0i64, 100, 7_300]),
        select(vec![0u32, 5, 19, 20]),
        select(vec![5i64, 40, 3_600]),
    )
        .prop_map(|(age_s, count, last_ago_s)| {
            Tr::Import(Imp::Foreign {
                age_s,
                count,
                last_ago_s,
            })
        })
}

/// The valid inputs offered in state `m`, weighted.
fn valid(m: &Model) -> Vec<(u32, BoxedStrategy<Tr>)> {
    let now = m.now;
    let instants: Vec<i64> = m
        .instants()
        .into_iter()
        .filter(|&at| at > now - 2 * SECOND)
        .collect();
    let mut valid: Vec<(u32, BoxedStrategy<Tr>)> = vec![
        (10, Just(Tr::Need).boxed()),
        (4, Just(Tr::Force).boxed()),
        (5, advance().prop_map(Tr::Advance).boxed()),
        (2, Just(Tr::Tick).boxed()),
        (if m.seen.is_empty() { 1 } else { 6 }, reject(m).boxed()),
        (2, foreign().boxed()),
    ];
    if !instants.is_empty() {
        let instant = (select(instants), select(vec![-1_000i64, -1, 0, 1]))
            .prop_map(move |(at, off)| Tr::Advance(at + off - now));
        valid.push((6, instant.boxed()));
    }
    if m.poll_timeout().is_some() {
        valid.push((8, Just(Tr::Deadline).boxed()));
    }
    if !m.published.is_empty() {
        let recent = m.published.len().saturating_sub(6)..m.published.len();
        let published = recent.prop_map(|n| Tr::Import(Imp::Published(n)));
        valid.push((3, published.boxed()));
    }
    if let Some(id) = m.outstanding() {
        valid.push((30, answer(id, m.cached.as_ref().map(|t| t.text.clone()))));
    }
    valid
}

/// Driver mistakes offered in state `m`, weighted.
fn invalid(m: &Model) -> Vec<(u32, BoxedStrategy<Tr>)> {
    let mut invalid: Vec<(u32, BoxedStrategy<Tr>)> = vec![
        (4, (0..3u64).prop_map(|ahead| Tr::Unknown { ahead }).boxed()),
        (3, Just(Tr::WrongKind).boxed()),
        (
            4,
            (select(vec![0i64, -1, 40013, 45009, 87009]), any::<bool>())
                .prop_map(|(errcode, waiter)| Tr::NotToken { errcode, waiter })
                .boxed(),
        ),
        (
            3,
            select(vec![Bad::Version, Bad::EmptyToken, Bad::ExpiresFirst])
                .prop_map(Tr::BadImport)
                .boxed(),
        ),
    ];
    let stale: Vec<u64> = (0..m.next_id)
        .filter(|&id| Some(id) != m.outstanding())
        .collect();
    if !stale.is_empty() {
        invalid.push((5, select(stale).prop_map(Tr::Stale).boxed()));
    }
    let waiting = m.all_waiters();
    if !waiting.is_empty() {
        let how = select(vec![Dup::Need, Dup::Force, Dup::Reject]);
        let duplicate =
            (select(waiting), how).prop_map(|(waiter, how)| Tr::Duplicate { waiter, how });
        invalid.push((5, duplicate.boxed()));
    }
    invalid
}

/// WeChat's answer to fetch `id`: mostly a new token (sometimes the cached one again, as the
/// stable endpoint does), with lifetimes around the margins, else its failures.
fn answer(id: u64, cached: Option<String>) -> BoxedStrategy<Tr> {
    let mut names = vec![format!("tok{id}"); 3];
    names.extend(cached);
    let granted = (select(names), select(vec![7_200u64, 7_200, 300, 200, 1, 0]))
        .prop_map(|(token, expires_in)| Ans::Granted { token, expires_in });
    prop_oneof![
        10 => granted,
        3 => select(vec![-1i64, -1, 40013, 45009, 45011]).prop_map(Ans::Errcode),
        1 => Just(Ans::Garbage),
        2 => select(vec![503u16, 404]).prop_map(Ans::Status),
        2 => Just(Ans::Transport),
    ]
    .prop_map(Tr::Answer)
    .boxed()
}
