//! The [`LoginMachine`] shell: it numbers effects, tracks the one deadline, keeps the waiters
//! and queues commands. Where the machine goes is decided in [`transition`](super::transition).

use crate::{EffectId, WaiterId, Waiters};
use std::collections::VecDeque;
use std::mem;

use time::{Duration, OffsetDateTime};

use super::command::{Command, Session};
use super::config::LoginConfig;
use super::error::LoginError;
use super::event::Event;
use super::kind::StateKind;
use super::state::{Core, Phase};
use super::transition::{Completion, Ctx, Effect, Input, Io, Next, StorageOp, Timer, transition};
use crate::Handled;
use crate::rng::SplitMix64;
use crate::time_util;

/// The client's login lifecycle as a sans-IO state machine: one per app.
///
/// It replaces the tutorial's `USER.login()` promise chain. It never performs I/O, reads the
/// clock or draws random numbers: the driver passes time in, carries out the commands and
/// answers them with events.
///
/// # The calling contract
/// 1. Feed one input: [`handle`](Self::handle) with an [`Event`] and the current time.
/// 2. **Drain every command** with [`poll_command`](Self::poll_command) and carry each out, in
///    order. Commands with an id expect exactly one answering event with that id.
/// 3. Ask [`poll_timeout`](Self::poll_timeout) when to wake up, and at that time call
///    [`handle_timeout`](Self::handle_timeout) (then drain again). Spurious or early calls are
///    harmless no-ops.
///
/// # Guarantees
/// - Every [`Event::LoginRequested`] waiter is named in exactly one [`Command::Complete`], within
///   a bounded number of steps, as long as the driver answers each effect or lets its deadline
///   pass.
/// - **At most one effect is in the world at once** (rule 2). An effect is in the world from
///   its command until its answer or its deadline, whatever the machine did in between: one it
///   abandoned (a logout, a rejection of the token it was checking) still counts. A flow that
///   needs `wx.login` while an abandoned `wx.login` runs **adopts** it (its code is unused; it
///   keeps its id and deadline, no new command); a flow that needs any other effect **waits**
///   until the abandoned one is answered (that answer is `Ok(Handled::Late)`) or passes its
///   deadline. So `wx.login` never runs twice at once.
/// - `wx.checkSession` succeeds at most once per launch (rule 6): once it has, it is never
///   asked again; one that times out is retried like any transient effect (never two at once),
///   and a later request asks again. A storage read that times out is retried the same way and
///   never leads to `wx.login` (rule 4).
/// - One re-login per rejected token (rule 7): after
///   [`RejectedAfterRelogin`](super::LoginFailure::RejectedAfterRelogin) for a token, every
///   later rejection of it is reported at once, with no `wx.login`, until a new token exists.
/// - `handle` returns `Ok(`[`Handled::Late`]`)` for an answer the machine no longer waits for
///   (an unavoidable race, not an error) and `Err` only for the driver's mistakes (an id never
///   given out, an event no state expects, a reused waiter id); the machine is then exactly as
///   before the call. The world's failures come out as commands: retries, or a `Complete`
///   carrying a [`LoginFailure`](super::LoginFailure).
/// - No input time, however absurd, panics; time going backwards is tolerated.
///
/// # Methods
/// - inputs: [`handle`](Self::handle), [`handle_timeout`](Self::handle_timeout)
/// - outputs: [`poll_command`](Self::poll_command), [`poll_timeout`](Self::poll_timeout)
/// - getters: [`state`](Self::state), [`valid_session`](Self::valid_session),
///   [`session`](Self::session), [`waiting`](Self::waiting), [`config`](Self::config)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginMachine {
    config: LoginConfig,
    core: Core,
    waiters: Vec<WaiterId>,
    /// The largest id in `waiters`: a new id above it cannot be a duplicate, so joining with
    /// increasing ids costs no scan (1,000 joins were 0.5 ms of quadratic scanning).
    waiter_max: Option<WaiterId>,
    queue: VecDeque<Command>,
    /// The outstanding effect (with its id) or backoff (without), and when it times out.
    pending: Option<Pending>,
    /// An effect the flow abandoned that still runs in the world (rule 2), and its deadline.
    /// The core knows its kind; the shell only keeps its id and deadline.
    abandoned: Option<Pending>,
    next_id: u64,
    rng: SplitMix64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    id: Option<EffectId>,
    deadline: OffsetDateTime,
}

impl LoginMachine {
    /// A machine that has done nothing yet: it reads storage on the first request.
    pub fn new(config: LoginConfig) -> Self {
        Self {
            rng: SplitMix64::new(config.seed),
            config,
            core: Core::default(),
            waiters: Vec::new(),
            waiter_max: None,
            queue: VecDeque::new(),
            pending: None,
            abandoned: None,
            next_id: 0,
        }
    }

    /// Feeds one event at time `now`. Drain [`poll_command`](Self::poll_command) afterwards,
    /// whatever it returns.
    ///
    /// `Ok(Handled::Late)` is an answer the machine no longer waits for: its effect passed its
    /// deadline, was answered already, or was abandoned (a logout, a rejection). Its content is
    /// ignored. An answer to an abandoned effect still tells the machine that the effect has
    /// left the world, which may start a step that waited for it (rule 2); any other late
    /// answer changes nothing.
    ///
    /// # Errors
    /// [`LoginError`] when the event breaks the contract; the machine is unchanged.
    pub fn handle(&mut self, event: Event, now: OffsetDateTime) -> Result<Handled, LoginError> {
        let answers = event.answers();
        if let Some(id) = answers {
            if self.abandoned.is_some_and(|a| a.id == Some(id)) {
                self.abandoned = None;
                // The end of an abandoned effect is accepted in every phase.
                let _ = self.step(Input::AbandonedAnswered, now, false);
                return Ok(Handled::Late);
            }
            if self.pending.and_then(|p| p.id) != Some(id) {
                // An id given out before is late; one never given out is the driver's mistake
                // where the state expects that kind, and left to the table elsewhere.
                let got = event.kind();
                if id.0 < self.next_id {
                    return Ok(Handled::Late);
                }
                if self.state().expected().contains(&got) {
                    return Err(LoginError::UnknownId { id, got });
                }
            }
        }
        if let Some(waiter) = event.waiter() {
            let above = self.waiter_max.is_none_or(|max| waiter > max);
            if !above && self.waiters.contains(&waiter) {
                return Err(LoginError::DuplicateWaiter(waiter));
            }
        }
        self.step(Input::Event(event), now, answers.is_some())?;
        Ok(Handled::Applied)
    }

    /// Fires what is due at `now`: an abandoned effect whose deadline passed leaves the world
    /// (rule 2), then an effect that took too long is abandoned (its late answer is ignored),
    /// or a backoff ends. Anything not yet due is left alone, so spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: OffsetDateTime) {
        // Deadline inputs are accepted in every phase, so neither step can be refused.
        if self.abandoned.is_some_and(|a| a.deadline <= now) {
            self.abandoned = None;
            let _ = self.step(Input::Deadline(Timer::Abandoned), now, false);
        }
        if self.pending.is_some_and(|p| p.deadline <= now) {
            let _ = self.step(Input::Deadline(Timer::Flow), now, true);
        }
    }

    /// The next command to carry out, if any.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.queue.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called, if ever: the
    /// earlier of the flow's deadline and that of an abandoned effect still in the world.
    pub fn poll_timeout(&self) -> Option<OffsetDateTime> {
        let deadlines = [self.pending, self.abandoned];
        deadlines.into_iter().flatten().map(|p| p.deadline).min()
    }

    /// What the machine is doing.
    pub fn state(&self) -> StateKind {
        self.core.phase.kind()
    }

    /// A verified session that is still valid at `now`: what a synchronous `getToken()` serves
    /// without an event, a command or an allocation. `None` means: send
    /// [`Event::LoginRequested`] and wait for its `Complete`.
    pub fn valid_session(&self, now: OffsetDateTime) -> Option<&Session> {
        self.session().filter(|session| now < session.expires_at)
    }

    /// The verified session held in memory, if any (it may have expired since).
    pub fn session(&self) -> Option<&Session> {
        match &self.core.phase {
            Phase::Ready(held) => Some(&held.stored.session),
            _ => None,
        }
    }

    /// How many requests wait for the running flow.
    pub fn waiting(&self) -> usize {
        self.waiters.len()
    }

    /// The configuration.
    pub fn config(&self) -> &LoginConfig {
        &self.config
    }

    /// Runs one transition; `consumes` clears the outstanding effect or backoff it answers.
    fn step(
        &mut self,
        input: Input,
        now: OffsetDateTime,
        consumes: bool,
    ) -> Result<(), LoginError> {
        let core = mem::take(&mut self.core);
        let ctx = Ctx {
            config: &self.config,
            now,
        };
        // The `Next` is read where `transition` wrote it: moving it out of the `Result`
        // copied it twice (296 bytes each, through `memcpy`).
        let mut result = transition(core, input, &ctx);
        if let Ok(next) = &mut result {
            if consumes {
                self.pending = None;
            }
            self.apply(next, now);
            // `apply` took every field `next` owned and left it `step`'s placeholder core,
            // which owns nothing: forgetting it skips a drop that would only inspect it.
            mem::forget(result);
            return Ok(());
        }
        result.map(drop).map_err(|refused| {
            let (core, error) = *refused;
            self.core = core;
            error
        })
    }

    /// Inlined into `step`, its one caller, so the `Next` is read where it was built.
    #[inline(always)]
    fn apply(&mut self, next: &mut Next, now: OffsetDateTime) {
        // Named field by field, with no `..`: a field added to `Next` must be taken here, or
        // `step`'s forgetting of what is left would leak it.
        let Next {
            core,
            join,
            storage,
            complete,
            io,
        } = next;
        // `step` left `Core::default()` here; it goes back into `next`.
        mem::swap(&mut self.core, core);
        if let Some(waiter) = *join {
            self.waiters.push(waiter);
            self.waiter_max = self.waiter_max.max(Some(waiter));
        }
        let key = || self.config.storage_key.clone();
        match storage.take() {
            Some(StorageOp::Write(value)) => self
                .queue
                .push_back(Command::WriteStorage { key: key(), value }),
            Some(StorageOp::Remove) => self.queue.push_back(Command::RemoveStorage { key: key() }),
            None => {}
        }
        match complete.take() {
            Some(Completion::All(outcome)) if !self.waiters.is_empty() => {
                let waiters = Waiters::from(mem::take(&mut self.waiters));
                self.waiter_max = None;
                self.queue.push_back(Command::Complete { waiters, outcome });
            }
            Some(Completion::One(waiter, outcome)) => {
                let waiters = Waiters::from(waiter);
                self.queue.push_back(Command::Complete { waiters, outcome });
            }
            Some(Completion::All(_)) | None => {}
        }
        match mem::replace(io, Io::Keep) {
            Io::Keep => {}
            // Rule 2: an effect still in flight is abandoned, not gone: it stays in the world
            // until its answer or its deadline.
            Io::Idle => match self.pending.take() {
                Some(pending) if pending.id.is_some() => self.abandoned = Some(pending),
                Some(_) | None => {}
            },
            Io::Adopt => self.pending = self.abandoned.take(),
            Io::Start(effect) => self.start(effect, now),
            Io::Wait { failures } => {
                let delay = self.config.backoff.delay(failures, &mut self.rng);
                let deadline = time_util::saturating_add(now, delay);
                self.pending = Some(Pending { id: None, deadline });
            }
        }
    }

    fn start(&mut self, effect: Effect, now: OffsetDateTime) {
        let id = EffectId(self.next_id);
        // Ids are never reused; 2^64 effects outlive any app.
        self.next_id = self.next_id.saturating_add(1);
        let timeouts = &self.config.timeouts;
        let (timeout, command) = match effect {
            Effect::ReadStorage => {
                let key = self.config.storage_key.clone();
                (timeouts.storage, Command::ReadStorage { id, key })
            }
            Effect::CheckWxSession => (timeouts.check_session, Command::CheckWxSession { id }),
            Effect::WxLogin => {
                let timeout_ms = millis(timeouts.wx_login);
                (timeouts.wx_login, Command::WxLogin { id, timeout_ms })
            }
            Effect::Request(request) => {
                let timeout_ms = millis(timeouts.request);
                (
                    timeouts.request,
                    Command::SendRequest {
                        id,
                        request,
                        timeout_ms,
                    },
                )
            }
        };
        let deadline = time_util::saturating_add(now, timeout);
        self.pending = Some(Pending {
            id: Some(id),
            deadline,
        });
        self.queue.push_back(command);
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.whole_milliseconds().max(0)).unwrap_or(u64::MAX)
}
