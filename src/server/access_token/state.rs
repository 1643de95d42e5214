//! The cache's state: what it is doing ([`StateKind`], the events each state accepts), the
//! state it shares with other processes ([`AccessTokenState`], [`CachedToken`]), and the core
//! that [`transition`](super::transition) moves, with the shape of one transition's outcome.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::command::Command;
use super::config::AccessTokenConfig;
use super::error::{AccessTokenError, TokenFailure};
use super::event::{Event, EventKind};
use super::guard::ForceLedger;
use crate::WaiterId;
use crate::rng::SplitMix64;
use crate::secret::AccessToken;

/// What an [`AccessTokenCache`](super::AccessTokenCache) is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum StateKind {
    /// No effect outstanding.
    Idle,
    /// A [`Command::Fetch`] is out.
    Fetching,
    /// A [`Command::LoadShared`] is out.
    Loading,
    /// Waiting before the next attempt.
    BackingOff,
}

impl StateKind {
    /// Every state, for exhaustive tests and documentation.
    pub const ALL: [StateKind; 4] = [
        StateKind::Idle,
        StateKind::Fetching,
        StateKind::Loading,
        StateKind::BackingOff,
    ];

    /// The events this state accepts; any other is
    /// [`AccessTokenError::UnexpectedEvent`]. (An answer to an effect the cache no longer
    /// waits for is [`Handled::Late`](crate::Handled::Late) in every state.)
    pub fn expected(self) -> &'static [EventKind] {
        use EventKind as K;
        match self {
            StateKind::Idle | StateKind::BackingOff => &[
                K::TokenNeeded,
                K::TokenRejected,
                K::ForceRefresh,
                K::Imported,
            ],
            StateKind::Fetching => &[
                K::TokenNeeded,
                K::FetchAnswered,
                K::TokenRejected,
                K::ForceRefresh,
                K::Imported,
            ],
            StateKind::Loading => &[
                K::TokenNeeded,
                K::SharedLoaded,
                K::TokenRejected,
                K::ForceRefresh,
                K::Imported,
            ],
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateKind::Idle => "idle",
            StateKind::Fetching => "fetching",
            StateKind::Loading => "loading the shared token",
            StateKind::BackingOff => "backing off",
        })
    }
}

/// A token and its lifetime, as cached, exported and shared. `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    /// The token.
    pub access_token: AccessToken,
    /// When WeChat granted it (unix seconds in JSON).
    #[serde(with = "time::serde::timestamp")]
    pub fetched_at: OffsetDateTime,
    /// When it stops being valid (unix seconds in JSON).
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// Which fetch granted it: the refreshing cache numbers its grants 1, 2, 3, … (0 in a
    /// state written before the field existed). The stable endpoint re-issues the same text,
    /// so the text alone cannot tell a rejection of this fetch from a late rejection of an
    /// earlier one; compare-and-expire compares the text and this number.
    #[serde(default)]
    pub generation: u64,
}

impl CachedToken {
    /// Whether it may still be handed out at `now`.
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }

    /// The order of fetches: the later grant, and at the same instant the higher generation.
    pub(crate) fn fetch_key(&self) -> (OffsetDateTime, u64) {
        (self.fetched_at, self.generation)
    }
}

/// The version of [`AccessTokenState`] this crate writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The state several processes share through a store of their choosing (see the module docs):
/// the current token and the forced refreshes sent today.
///
/// JSON form: `{"v":1,"token":{"access_token":"…","fetched_at":1704067200,"expires_at":1704074400,"generation":1},"forced":{"day":19723,"count":0,"last":null}}`.
/// It carries the token: store it where only your servers can read it. `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenState {
    /// The format version, [`STATE_VERSION`].
    pub v: u32,
    /// The current token, if any.
    pub token: Option<CachedToken>,
    /// The forced refreshes WeChat counted.
    #[serde(default)]
    pub forced: ForceLedger,
}

/// Everything the rules read and change; the shell around it keeps only ids, deadlines and
/// the command queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Core {
    pub(crate) phase: Phase,
    pub(crate) cached: Option<CachedToken>,
    /// The latest fetch compare-and-expire dropped, as its [`CachedToken::fetch_key`]:
    /// neither it nor any fetch before it is adopted from a store (a token older than a
    /// rejected one was invalidated too).
    pub(crate) rejected: Option<(OffsetDateTime, u64)>,
    /// The highest generation granted or adopted; the next grant is numbered one more.
    pub(crate) generation: u64,
    pub(crate) ledger: ForceLedger,
    /// Waiting for any good token, in arrival order.
    pub(crate) waiters: Vec<WaiterId>,
    /// Waiting for a forced refresh, in arrival order.
    pub(crate) force_waiters: Vec<WaiterId>,
    /// Every waiter of both lists, for the duplicate check.
    pub(crate) waiting: BTreeSet<WaiterId>,
    /// No refresh ahead before this instant (after a refresh failed for good).
    pub(crate) cooldown_until: Option<OffsetDateTime>,
    /// The backoff jitter: part of the core, so a retry's delay is a rule's decision.
    pub(crate) rng: SplitMix64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle,
    Fetching {
        force: bool,
        attempts: u32,
    },
    Loading {
        attempts: u32,
    },
    BackingOff {
        until: OffsetDateTime,
        attempts: u32,
        last: TokenFailure,
    },
}

impl Core {
    pub(crate) fn new(seed: u64) -> Self {
        Core {
            phase: Phase::Idle,
            cached: None,
            rejected: None,
            generation: 0,
            ledger: ForceLedger::default(),
            waiters: Vec::new(),
            force_waiters: Vec::new(),
            waiting: BTreeSet::new(),
            cooldown_until: None,
            rng: SplitMix64::new(seed),
        }
    }

    pub(crate) fn kind(&self) -> StateKind {
        match self.phase {
            Phase::Idle => StateKind::Idle,
            Phase::Fetching { .. } => StateKind::Fetching,
            Phase::Loading { .. } => StateKind::Loading,
            Phase::BackingOff { .. } => StateKind::BackingOff,
        }
    }

    /// The cached token, if it is usable at `now`.
    pub(crate) fn token(&self, now: OffsetDateTime) -> Option<&CachedToken> {
        self.cached.as_ref().filter(|t| t.is_usable(now))
    }

    /// The state to share: the cached token and the forced-refresh counts.
    pub(crate) fn export(&self) -> AccessTokenState {
        AccessTokenState {
            v: STATE_VERSION,
            token: self.cached.clone(),
            forced: self.ledger,
        }
    }
}

/// One input of [`transition`](super::transition::transition).
pub(crate) enum Input {
    Event(Event),
    /// The shell's deadline passed: the outstanding effect's, the backoff's end, or the
    /// refresh ahead (the rules know which from the phase).
    Deadline,
}

/// What the rules read besides the core.
pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a AccessTokenConfig,
    pub(crate) now: OffsetDateTime,
}

/// An effect to start; the shell gives it an id and a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Fetch { force: bool },
    Load,
}

/// One output of a transition, in order.
pub(crate) enum Output {
    Command(Command),
    Start(Effect),
}

/// Where one transition leads: the new core, its outputs in order, and the instant the shell
/// wakes up for when no effect is outstanding (a backoff's end or the refresh ahead).
pub(crate) struct Next {
    pub(crate) core: Core,
    pub(crate) out: Vec<Output>,
    pub(crate) timer: Option<OffsetDateTime>,
}

/// Checks an imported or loaded state: known version, a non-empty token that expires after it
/// was granted.
pub(crate) fn validate(state: &AccessTokenState) -> Result<(), AccessTokenError> {
    let invalid = |reason| Err(AccessTokenError::InvalidState { reason });
    if state.v != STATE_VERSION {
        return invalid("unsupported version");
    }
    if let Some(token) = &state.token {
        if token.access_token.expose_secret().is_empty() {
            return invalid("empty token");
        }
        if token.expires_at <= token.fetched_at {
            return invalid("token expires before it was granted");
        }
    }
    Ok(())
}
