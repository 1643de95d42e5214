//! The vocabulary of the access token model test: the configuration, the inputs (`Tr`, with
//! WeChat's answers) and the predicted outputs (`Exp`, `Fail`, `Refusal`), as plain data.
//! Times are milliseconds after `T0_S`; tokens are their text.

use crate::model_support::Unexpected;
use wxlogin::server::access_token::{EventKind, StateKind};

/// The model clock's origin, in unix seconds (see `model_support::ORIGIN`).
pub(crate) const T0_S: i64 = crate::model_support::ORIGIN;
pub(crate) const SECOND: i64 = 1_000;
pub(crate) const CALL_TIMEOUT: i64 = 10 * SECOND;
pub(crate) const COOLDOWN: i64 = 60 * SECOND;
pub(crate) const BACKOFF_INITIAL: i64 = 250;
pub(crate) const BACKOFF_MAX: i64 = 4 * SECOND;
/// docs/protocol.md §3: forced refreshes at least 30 s apart, at most 20 per Beijing day.
pub(crate) const FORCE_SPACING: i64 = 30 * SECOND;
pub(crate) const DAILY_LIMIT: u32 = 20;
pub(crate) const DAY: i64 = 86_400 * SECOND;
pub(crate) const BEIJING_OFFSET: i64 = 8 * 3_600 * SECOND;

/// The configuration of one run, and the state it starts from.
#[derive(Clone, Debug)]
pub(crate) struct Cfg {
    /// `TokenEndpoint::Plain` when true, else `Stable`.
    pub(crate) plain: bool,
    pub(crate) margin: i64,
    /// `Backoff::max_attempts`.
    pub(crate) attempts: u32,
    pub(crate) max_waiters: usize,
    pub(crate) seed: u64,
    /// `AccessTokenCache::from_state` with this, else `new`.
    pub(crate) start: Option<Snap>,
}

/// A cached token as the model knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tok {
    pub(crate) text: String,
    pub(crate) fetched: i64,
    pub(crate) expires: i64,
    /// Which fetch granted it (`CachedToken::generation`).
    pub(crate) generation: u64,
}

impl Tok {
    /// The order of fetches: later grant first, then the higher generation.
    pub(crate) fn key(&self) -> (i64, u64) {
        (self.fetched, self.generation)
    }

    /// The fetch it names: text and generation.
    pub(crate) fn pair(&self) -> (String, u64) {
        (self.text.clone(), self.generation)
    }
}

/// The forced-refresh ledger: Beijing day number, count that day, last send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    pub(crate) day: i64,
    pub(crate) count: u32,
    pub(crate) last: Option<i64>,
}

/// `AccessTokenState` (version 1) as the model knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Snap {
    pub(crate) token: Option<Tok>,
    pub(crate) ledger: Ledger,
}

impl Snap {
    /// The state after a trip through its JSON form: times in whole unix seconds.
    pub(crate) fn through_json(&self) -> Snap {
        let whole = |ms: i64| ms.div_euclid(SECOND) * SECOND;
        Snap {
            token: self.token.as_ref().map(|t| Tok {
                text: t.text.clone(),
                fetched: whole(t.fetched),
                expires: whole(t.expires),
                generation: t.generation,
            }),
            ledger: Ledger {
                last: self.ledger.last.map(whole),
                ..self.ledger
            },
        }
    }
}

/// The Beijing (UTC+8) day of model time `ms`, as days since 1970-01-01.
pub(crate) fn beijing_day(ms: i64) -> i64 {
    (T0_S * SECOND + ms + BEIJING_OFFSET).div_euclid(DAY)
}

/// The next Beijing midnight after model time `ms`.
pub(crate) fn next_midnight(ms: i64) -> i64 {
    (beijing_day(ms) + 1) * DAY - BEIJING_OFFSET - T0_S * SECOND
}

/// The next whole minute (UTC) after model time `ms`.
pub(crate) fn next_minute(ms: i64) -> i64 {
    let abs_s = T0_S + ms.div_euclid(SECOND);
    ((abs_s.div_euclid(60) + 1) * 60 - T0_S) * SECOND
}

/// WeChat's answer to the outstanding fetch.
#[derive(Clone, Debug)]
pub(crate) enum Ans {
    /// 200 `{"access_token": token, "expires_in": expires_in}` (0 is malformed).
    Granted { token: String, expires_in: u64 },
    /// 200 `{"errcode": code, "errmsg": ...}`.
    Errcode(i64),
    /// 200 with a body that is not JSON.
    Garbage,
    /// This status and an empty body.
    Status(u16),
    /// The driver's HTTP client failed.
    Transport,
}

/// Which state an `Imported` carries.
#[derive(Clone, Debug)]
pub(crate) enum Imp {
    /// The `n`-th state the cache published, through JSON (a late or repeated notification).
    Published(usize),
    /// Another process's state: a token granted `age_s` ago (7200 s life), and its ledger.
    Foreign {
        age_s: i64,
        count: u32,
        last_ago_s: i64,
    },
}

/// The state another process publishes: its `n`-th foreign token, granted `age_s` before
/// `now` (whole seconds, as JSON carries it) for 7200 s, and its forced-refresh counts.
pub(crate) fn foreign_snap(n: u64, now: i64, age_s: i64, count: u32, last_ago_s: i64) -> Snap {
    let now = now.div_euclid(SECOND) * SECOND;
    let fetched = now - age_s * SECOND;
    Snap {
        token: Some(Tok {
            text: format!("foreign{n}"),
            fetched,
            expires: fetched + 7_200 * SECOND,
            generation: n,
        }),
        ledger: Ledger {
            day: beijing_day(now),
            count,
            last: Some(now - last_ago_s * SECOND),
        },
    }
}

/// An `Imported` state the cache must refuse.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Bad {
    Version,
    EmptyToken,
    ExpiresFirst,
}

impl Bad {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Bad::Version => "unsupported version",
            Bad::EmptyToken => "empty token",
            Bad::ExpiresFirst => "token expires before it was granted",
        }
    }
}

/// How a reused waiter id arrives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Dup {
    Need,
    Force,
    Reject,
}

/// One input of a run. The first group is valid (`Stale` is a late answer, which is valid
/// and ignored); the last five are the driver's mistakes.
#[derive(Clone, Debug)]
pub(crate) enum Tr {
    Need,
    Force,
    Answer(Ans),
    /// Jump to `poll_timeout()` and fire it.
    Deadline,
    /// `handle_timeout` now: fires only what is due.
    Tick,
    Advance(i64),
    /// A rejection of the fetch `generation` that granted `token`.
    Reject {
        token: String,
        generation: u64,
        errcode: i64,
        waiter: bool,
    },
    Import(Imp),
    /// An answer to an id given out before, not the outstanding one: late, ignored.
    Stale(u64),
    /// An answer to an id never given out.
    Unknown {
        ahead: u64,
    },
    /// `SharedLoaded` (a `TokenSource::Shared` answer) to this WeChat-sourced cache.
    WrongKind,
    Duplicate {
        waiter: u64,
        how: Dup,
    },
    /// `TokenRejected` with an errcode that is no token error (a fresh waiter, if any).
    NotToken {
        errcode: i64,
        waiter: bool,
    },
    BadImport(Bad),
}

/// A command the cache must emit, in an abstract form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Exp {
    Fetch {
        id: u64,
        force: bool,
    },
    Ready {
        waiters: Vec<u64>,
        token: String,
        expires: i64,
        generation: u64,
    },
    Failed {
        waiters: Vec<u64>,
        fail: Fail,
    },
    Publish(Snap),
}

/// What went wrong with one fetch (`ApiFailure` without its free text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    Timeout,
    Transport,
    Status(u16),
    WeChat(i64),
    Malformed,
}

impl Api {
    /// docs/protocol.md §3 and the module docs: `-1`, 5xx, transport failures and timeouts are
    /// retried; everything else is not.
    pub(crate) fn transient(self) -> bool {
        match self {
            Api::Timeout | Api::Transport => true,
            Api::Status(status) => (500..600).contains(&status),
            Api::WeChat(code) => code == -1,
            Api::Malformed => false,
        }
    }
}

/// `TokenFailure`, abstracted as above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fail {
    Unavailable { attempts: u32, last: Api },
    TooSoon { retry_at: i64 },
    DailyLimit { retry_at: i64 },
    Busy,
}

/// `AccessTokenError`, as the model predicts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Unknown(u64),
    Unexpected(Unexpected<StateKind, EventKind>),
    Duplicate(u64),
    NotToken(i64),
    Invalid(&'static str),
}
