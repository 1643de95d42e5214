//! What one transition takes ([`Input`], [`Ctx`]) and gives ([`Next`]): the only words the
//! machine's shell and its rules share.

use crate::WaiterId;
use time::OffsetDateTime;

use crate::client::command::Session;
use crate::client::config::LoginConfig;
use crate::client::error::LoginFailure;
use crate::client::event::Event;
use crate::client::state::Core;
use crate::http::HttpRequest;
use crate::secret::{SessionToken, StorageValue};

pub(crate) enum Input {
    Event(Event),
    /// A deadline the shell tracks passed; only `handle_timeout` gives this input.
    Deadline(Timer),
    /// The abandoned effect was answered (late): it has left the world (rule 2).
    AbandonedAnswered,
}

/// Which deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The flow's outstanding effect took too long, or its backoff delay ended.
    Flow,
    /// The abandoned effect still in the world passed its deadline: it has left the world.
    Abandoned,
}

pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a LoginConfig,
    pub(crate) now: OffsetDateTime,
}

/// The outcome of one transition, applied by the machine in this order: join, storage,
/// complete, io.
pub(crate) struct Next {
    pub(crate) core: Core,
    pub(crate) join: Option<WaiterId>,
    pub(crate) storage: Option<StorageOp>,
    pub(crate) complete: Option<Completion>,
    pub(crate) io: Io,
}

pub(crate) enum StorageOp {
    Write(StorageValue),
    Remove,
}

pub(crate) enum Completion {
    All(Result<Session, LoginFailure>),
    One(WaiterId, Result<Session, LoginFailure>),
}

pub(crate) enum Io {
    /// The outstanding effect or backoff, if any, stays.
    Keep,
    /// Nothing outstanding for the flow; an effect in flight is abandoned, and stays in the
    /// world until its answer or its deadline.
    Idle,
    Start(Effect),
    /// The abandoned `wx.login` becomes the flow's own again, with its id and deadline.
    Adopt,
    /// A backoff after the `failures`-th failure.
    Wait {
        failures: u32,
    },
}

pub(crate) enum Effect {
    ReadStorage,
    CheckWxSession,
    WxLogin,
    Request(HttpRequest),
}

impl Next {
    pub(crate) fn join(mut self, waiter: WaiterId) -> Self {
        self.join = Some(waiter);
        self
    }

    pub(crate) fn storage(mut self, op: StorageOp) -> Self {
        self.storage = Some(op);
        self
    }

    pub(crate) fn complete(mut self, completion: Completion) -> Self {
        self.complete = Some(completion);
        self
    }

    /// Rule 7: `token` was reported as rejected after its re-login.
    pub(crate) fn refuse(mut self, token: SessionToken) -> Self {
        self.core.refused = Some(token);
        self
    }
}
