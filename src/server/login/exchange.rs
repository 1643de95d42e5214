//! The [`CodeExchange`] shell: it numbers effects, tracks the one deadline and queues
//! commands. Where the exchange goes is decided in [`transition`](super::transition).
//!
//! Crate-internal: a server runs the [`LoginCoordinator`](super::LoginCoordinator), which
//! drives one exchange per code. The `test-support` feature re-exports [`CodeExchange`] for
//! this workspace's tests and benches, which is why its items are written `pub`; the methods
//! only a driver of one exchange calls (`new`, `handle`, `poll_command`, …) exist only with
//! that feature.
#![cfg_attr(not(feature = "test-support"), allow(unreachable_pub))]

use std::collections::VecDeque;
use std::mem;
use std::sync::Arc;

use time::OffsetDateTime;

use super::command::Command;
use super::config::ExchangeConfig;
use super::error::ExchangeError;
use super::event::Event;
#[cfg(feature = "test-support")]
use super::state::StateKind;
use super::state::{Core, Ctx, Input, Io, Next};
use super::transition::transition;
use crate::secret::LoginCode;
use crate::{EffectId, Handled, RequestId};

/// The exchange of one login code for a session, as a sans-IO machine: the client's body in,
/// code2Session out (retried on `-1` within the code's life), a session created by the caller,
/// the wire answer back.
///
/// One server process normally runs a [`LoginCoordinator`](super::LoginCoordinator), which
/// joins requests carrying the same code and drives one `CodeExchange` per code with the same
/// events and commands.
///
/// # Contract
/// - Inputs: [`handle`](Self::handle) (an event and `now`) and
///   [`handle_timeout`](Self::handle_timeout) (when [`poll_timeout`](Self::poll_timeout)'s
///   instant has come; spurious calls are harmless no-ops).
/// - Outputs: after **every** input, drain [`poll_command`](Self::poll_command) and read
///   [`poll_timeout`](Self::poll_timeout) again.
/// - `handle` returns `Ok(Handled::Late)` for an answer to an effect the exchange gave out and
///   no longer waits for (past its deadline, already answered, or the flow has ended); the
///   exchange is then unchanged. A late `SessionCreated` means a session was stored that no
///   client got the token of: the driver may delete it.
/// - `Err` from `handle` means the driver broke the contract (an id never given out, an event
///   the state does not expect, a malformed token or an expiry not in the future in
///   `SessionCreated`); the exchange is then exactly as before (`==` a clone taken before).
///   What the world does (WeChat says `-1`, a 5xx, a garbage body) is never an `Err`: it comes
///   out as commands.
/// - Exactly one [`Command::Complete`] comes out per `Received`, in a bounded number of steps,
///   whether or not the driver answers its effects (each has a deadline).
///
/// # Methods
/// - inputs: [`handle`](Self::handle), [`handle_timeout`](Self::handle_timeout)
/// - outputs: [`poll_command`](Self::poll_command), [`poll_timeout`](Self::poll_timeout)
/// - getters: [`state`](Self::state), [`is_done`](Self::is_done),
///   [`outstanding`](Self::outstanding), [`code_expires_at`](Self::code_expires_at),
///   [`attempts`](Self::attempts)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeExchange {
    config: Arc<ExchangeConfig>,
    core: Core,
    /// The outstanding effect (with its id) or backoff (without), and when it is due.
    pending: Option<Pending>,
    next_id: u64,
    commands: VecDeque<Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    id: Option<EffectId>,
    deadline: OffsetDateTime,
}

impl CodeExchange {
    /// An exchange waiting for [`Event::Received`]. Its jitter comes from `config.seed`.
    #[cfg(feature = "test-support")]
    pub fn new(config: ExchangeConfig) -> Self {
        let seed = config.seed;
        Self::with_shared_config(Arc::new(config), seed)
    }

    /// An exchange sharing `config` with others, its jitter drawn from `seed`.
    pub fn with_shared_config(config: Arc<ExchangeConfig>, seed: u64) -> Self {
        Self {
            config,
            core: Core::new(seed),
            pending: None,
            next_id: 0,
            commands: VecDeque::new(),
        }
    }

    /// Feeds one event. See the type's contract.
    ///
    /// # Errors
    /// [`ExchangeError`] when the event breaks the contract; the exchange is unchanged.
    #[cfg(feature = "test-support")]
    pub fn handle(&mut self, event: Event, now: OffsetDateTime) -> Result<Handled, ExchangeError> {
        let mut ids = self.next_id;
        let mut out = mem::take(&mut self.commands);
        let handled = self.step(event, now, &mut ids, &mut out);
        self.commands = out;
        self.next_id = ids;
        self.name_the_request();
        handled
    }

    /// Fires what is due at `now`: an effect past its deadline, the end of a backoff. Calling
    /// it early, late or repeatedly is harmless.
    #[cfg(feature = "test-support")]
    pub fn handle_timeout(&mut self, now: OffsetDateTime) {
        let mut ids = self.next_id;
        let mut out = mem::take(&mut self.commands);
        self.step_timeout(now, &mut ids, &mut out);
        self.commands = out;
        self.next_id = ids;
        self.name_the_request();
    }

    /// A lone exchange answers its one request: the `Complete` it queued names it.
    #[cfg(feature = "test-support")]
    fn name_the_request(&mut self) {
        for command in &mut self.commands {
            if let Command::Complete { waiters, .. } = command {
                if waiters.is_empty() {
                    waiters.push(self.core.request);
                }
            }
        }
    }

    /// The next command to carry out, in order.
    #[cfg(feature = "test-support")]
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The instant [`handle_timeout`](Self::handle_timeout) should be called, if any.
    pub fn poll_timeout(&self) -> Option<OffsetDateTime> {
        self.pending.map(|p| p.deadline)
    }

    /// Where the flow is.
    #[cfg(feature = "test-support")]
    pub fn state(&self) -> StateKind {
        self.core.phase.kind()
    }

    /// Whether the answer has been given.
    #[cfg(feature = "test-support")]
    pub fn is_done(&self) -> bool {
        self.state() == StateKind::Done
    }

    /// The id of the effect the exchange waits for, if any.
    pub fn outstanding(&self) -> Option<EffectId> {
        self.pending.and_then(|p| p.id)
    }

    /// When the code stops being sent: when the exchange first saw it plus
    /// [`CODE_LIFETIME`](crate::wire::CODE_LIFETIME).
    pub fn code_expires_at(&self) -> OffsetDateTime {
        self.core.code_expires_at
    }

    /// The WeChat calls made so far.
    #[cfg(feature = "test-support")]
    pub fn attempts(&self) -> u32 {
        self.core.attempts
    }

    /// Starts the flow for a code already decoded (the coordinator's entry point): as if
    /// `Received` had carried it for `request`.
    pub(crate) fn begin(
        &mut self,
        request: RequestId,
        code: LoginCode,
        now: OffsetDateTime,
        ids: &mut u64,
        out: &mut VecDeque<Command>,
    ) {
        // A fresh exchange is idle, where `Begin` is always accepted.
        let _ = self.run(Input::Begin { request, code }, now, ids, out);
    }

    /// Feeds one event with effect ids drawn from `ids` (the coordinator shares one counter:
    /// an id below it was given out) and commands pushed onto `out` (the coordinator's
    /// exchanges keep no queue of their own, so none holds a buffer while in flight). Nothing
    /// changes before an `Err` or a `Late`.
    pub(crate) fn step(
        &mut self,
        event: Event,
        now: OffsetDateTime,
        ids: &mut u64,
        out: &mut VecDeque<Command>,
    ) -> Result<Handled, ExchangeError> {
        if let Some(id) = event.effect_id() {
            if self.outstanding() != Some(id) {
                return if id.0 < *ids {
                    Ok(Handled::Late)
                } else {
                    Err(ExchangeError::UnknownId { id })
                };
            }
        }
        self.run(Input::Event(event), now, ids, out)?;
        Ok(Handled::Applied)
    }

    /// Fires the deadline if it is due at `now`.
    pub(crate) fn step_timeout(
        &mut self,
        now: OffsetDateTime,
        ids: &mut u64,
        out: &mut VecDeque<Command>,
    ) {
        if self.pending.is_some_and(|p| p.deadline <= now) {
            // A deadline is accepted in every phase, so this cannot be refused.
            let _ = self.run(Input::Deadline, now, ids, out);
        }
    }

    /// Runs one transition and applies its outcome; a refusal puts the core back untouched.
    fn run(
        &mut self,
        input: Input,
        now: OffsetDateTime,
        ids: &mut u64,
        out: &mut VecDeque<Command>,
    ) -> Result<(), ExchangeError> {
        // The placeholder holds no allocation and is replaced before the call returns.
        let core = mem::replace(&mut self.core, Core::new(0));
        let ctx = Ctx {
            config: &self.config,
            now,
        };
        match transition(core, input, &ctx) {
            Ok(next) => {
                self.apply(next, now, ids, out);
                Ok(())
            }
            Err(refused) => {
                let (core, error) = *refused;
                self.core = core;
                Err(error)
            }
        }
    }

    fn apply(
        &mut self,
        Next { core, io }: Next,
        now: OffsetDateTime,
        ids: &mut u64,
        out: &mut VecDeque<Command>,
    ) {
        self.core = core;
        let (call_timeout, create_timeout) =
            (self.config.call_timeout, self.config.create_session_timeout);
        match io {
            Io::Keep => {}
            Io::Call(request) => {
                let id = self.start(now, call_timeout, ids);
                out.push_back(Command::CallWeChat {
                    id,
                    request,
                    timeout: call_timeout,
                });
            }
            Io::CreateSession(session) => {
                let id = self.start(now, create_timeout, ids);
                out.push_back(Command::CreateSession { id, session });
            }
            Io::Wait(until) => {
                self.pending = Some(Pending {
                    id: None,
                    deadline: until,
                });
            }
            Io::Complete(response, outcome) => {
                self.pending = None;
                // The coordinator names every waiter of the code; a lone exchange's `handle`
                // names its request (`name_the_request`). No list is built to be dropped.
                out.push_back(Command::Complete {
                    waiters: Vec::new(),
                    response,
                    outcome,
                });
            }
        }
    }

    /// Numbers a new effect and sets its deadline.
    fn start(&mut self, now: OffsetDateTime, timeout: time::Duration, ids: &mut u64) -> EffectId {
        let id = EffectId(*ids);
        *ids = ids.wrapping_add(1);
        self.pending = Some(Pending {
            id: Some(id),
            deadline: crate::time_util::saturating_add(now, timeout),
        });
        id
    }
}
