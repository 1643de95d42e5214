//! Where a code's exchange is: the public [`StateKind`] with the table of
//! the events each state expects, and the core the [`transition`](super::transition) rewrites.

use std::fmt;

use time::OffsetDateTime;

use super::command::ExchangeOutcome;
use super::config::ExchangeConfig;
use super::event::{Event, EventKind};
use crate::RequestId;
use crate::http::{HttpRequest, HttpResponse};
use crate::rng::SplitMix64;
use crate::secret::LoginCode;
use crate::server::session::SessionRecord;
use crate::server::wechat_api::ApiFailure;

/// Where the exchange of one code is: the state an
/// [`ExchangeError::UnexpectedEvent`](super::ExchangeError::UnexpectedEvent) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateKind {
    /// Waiting for the request.
    Idle,
    /// A code2Session call is out.
    Calling,
    /// Waiting before the next call.
    BackingOff,
    /// The caller is creating the session.
    CreatingSession,
    /// The answer was given.
    Done,
}

impl StateKind {
    /// Every state, for tables.
    pub const ALL: [StateKind; 5] = [
        StateKind::Idle,
        StateKind::Calling,
        StateKind::BackingOff,
        StateKind::CreatingSession,
        StateKind::Done,
    ];

    /// The events this state accepts (a deadline is not an event: only
    /// `handle_timeout` fires it).
    pub fn expected(self) -> &'static [EventKind] {
        match self {
            StateKind::Idle => &[EventKind::Received],
            StateKind::Calling => &[EventKind::WeChatAnswered],
            StateKind::CreatingSession => {
                &[EventKind::SessionCreated, EventKind::SessionNotCreated]
            }
            StateKind::BackingOff | StateKind::Done => &[],
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateKind::Idle => "idle",
            StateKind::Calling => "calling wechat",
            StateKind::BackingOff => "backing off",
            StateKind::CreatingSession => "creating the session",
            StateKind::Done => "done",
        })
    }
}

/// The phase of the flow, with what each phase must keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle,
    Calling,
    /// The last transient failure is kept for the answer if no retry goes out.
    BackingOff {
        last: ApiFailure,
    },
    CreatingSession {
        openid: String,
        unionid: Option<String>,
    },
    Done,
}

impl Phase {
    pub(crate) fn kind(&self) -> StateKind {
        match self {
            Phase::Idle => StateKind::Idle,
            Phase::Calling => StateKind::Calling,
            Phase::BackingOff { .. } => StateKind::BackingOff,
            Phase::CreatingSession { .. } => StateKind::CreatingSession,
            Phase::Done => StateKind::Done,
        }
    }
}

/// Everything the transition reads and rewrites. The shell keeps only ids, deadlines and the
/// command queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Core {
    pub(crate) phase: Phase,
    /// The request the answer goes to.
    pub(crate) request: RequestId,
    /// The code being exchanged; empty until `Received` carries one.
    pub(crate) code: LoginCode,
    pub(crate) code_expires_at: OffsetDateTime,
    /// The WeChat calls made so far.
    pub(crate) attempts: u32,
    /// The backoff jitter: part of the core, so a refused input leaves it untouched.
    pub(crate) rng: SplitMix64,
}

impl Core {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            phase: Phase::Idle,
            request: RequestId(0),
            code: LoginCode::new(""),
            code_expires_at: OffsetDateTime::UNIX_EPOCH,
            attempts: 0,
            rng: SplitMix64::new(seed),
        }
    }
}

/// One input of the transition. The shell has already matched an answer's id against the
/// outstanding effect: an `Event` that answers an effect is the answer awaited.
pub(crate) enum Input {
    Event(Event),
    /// The coordinator's start: a `Received` whose body it has decoded already (it keys
    /// exchanges by code), so the body is not parsed twice.
    Begin {
        request: RequestId,
        code: LoginCode,
    },
    /// The deadline of the outstanding call, backoff or session creation passed.
    Deadline,
}

pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a ExchangeConfig,
    pub(crate) now: OffsetDateTime,
}

/// The outcome of one transition: the new core and what the shell does next.
pub(crate) struct Next {
    pub(crate) core: Core,
    pub(crate) io: Io,
}

/// What the shell does after a transition. Every io but `Keep` replaces the outstanding effect
/// or backoff.
pub(crate) enum Io {
    /// Nothing changes (a deadline in a phase without one).
    Keep,
    /// Send this code2Session request, with the configured call timeout.
    Call(HttpRequest),
    /// Ask the caller to store this record, with the configured timeout.
    CreateSession(SessionRecord),
    /// Wait until this instant, then the deadline input comes.
    Wait(OffsetDateTime),
    /// The flow ends: this answer goes to the request.
    Complete(HttpResponse, ExchangeOutcome),
}
