//! Every rule of the [`LoginMachine`](super::LoginMachine) is an arm of the one exhaustive
//! `match` in [`transition`], over (phase, input), deadlines included: nothing else decides
//! where the machine goes. The machine around it only numbers effects, tracks deadlines and
//! queues commands. Long arms call named helpers, in files named for what they decide:
//! [`flow`] (which task runs next, and how a flow ends), [`answers`] (what an answer means),
//! [`reply`] (how a server reply is classed), [`timeouts`] (what a passed deadline leads to)
//! and [`rejection`] (a session ended from outside: rule 7 and logout).
//!
//! An input the current phase does not expect is a missing entry of that match, reported as
//! [`LoginError::UnexpectedEvent`] with the core handed back untouched.

mod answers;
mod flow;
mod outcome;
mod rejection;
mod reply;
mod timeouts;

pub(crate) use outcome::{Completion, Ctx, Effect, Input, Io, Next, StorageOp, Timer};

use super::error::LoginError;
use super::event::Event as E;
use super::state::{Core, Flags, Phase as P, Phase, Task as T};
use crate::secret::SessionToken;
use Input::{AbandonedAnswered, Deadline, Event as Ev};
use Timer::{Abandoned, Flow};
use answers::{checked, code_obtained, logged_in, storage_read, wx_checked};
use flow::{begin, run, serve, stay};
use rejection::{
    logged_out, rejected_in_flow, rejected_in_idle, rejected_in_ready, rejected_twice,
};

/// The core handed back unchanged, with the reason; boxed, as refusals are rare and the core
/// is large.
pub(crate) type Refused = Box<(Core, LoginError)>;

/// Applies one input. `Err` hands the core back unchanged with the reason.
/// Inlined into the shell's one caller: the `Next` it returns is then built where the shell
/// reads it, one copy of it fewer per input.
#[inline(always)]
pub(crate) fn transition(core: Core, input: Input, ctx: &Ctx<'_>) -> Result<Next, Refused> {
    let Core {
        phase,
        flags: f,
        refused,
    } = core;
    let mut next = match (phase, input) {
        // Rule 7: a token already reported as rejected after its re-login is reported again
        // at once, however many callers it was rejected for.
        (phase, Ev(E::SessionRejected { waiter, token })) if refused.as_ref() == Some(&token) => {
            rejected_twice(phase, f, waiter)
        }
        // Rule 6: a verified session is served from memory until it expires.
        (P::Ready(held), Ev(E::LoginRequested { waiter })) => serve(held, f, waiter, ctx),
        (P::Idle(known), Ev(E::LoginRequested { waiter })) => begin(known, f, ctx).join(waiter),
        // Rule 2: a request during a flow joins it.
        (busy @ (P::Running(_) | P::BackingOff { .. }), Ev(E::LoginRequested { waiter })) => {
            stay(busy, f).join(waiter)
        }
        // Rule 5: what storage holds decides the start.
        (P::Running(T::ReadStorage { .. }), Ev(E::StorageRead { value, .. })) => {
            storage_read(value, f, ctx)
        }
        // Rules 4 and 6: only WeChat's "expired" leads to wx.login; once it succeeds,
        // wx.checkSession is not asked again in this launch.
        (P::Running(T::CheckWx { stored, .. }), Ev(E::CheckSessionResult { result, .. })) => {
            wx_checked(stored, result, f, ctx)
        }
        // Rules 4 and 8: the server check; only 401 / session_expired means expired.
        (P::Running(T::CheckServer { stored, failures }), Ev(E::ServerResponse { result, .. })) => {
            checked(stored, failures + 1, result, f, ctx)
        }
        // Rules 3 and 8: a fresh code goes out at once; a failed wx.login is retried.
        (P::Running(T::ObtainCode { tries }), Ev(E::CodeObtained { result, .. })) => {
            code_obtained(result, tries, f, ctx)
        }
        // Rules 3, 5 and 8: the login answer.
        (P::Running(T::LogIn { code, tries }), Ev(E::ServerResponse { result, .. })) => {
            logged_in(code, tries, result, f, ctx)
        }
        // Rules 3 and 4: an effect past its deadline is retried like any transient failure,
        // then reported; storage that does not answer never leads to wx.login.
        (P::Running(task), Deadline(Flow)) => timeouts::expired(task, f, ctx),
        // A backoff ended: run the task again.
        (P::BackingOff { then }, Deadline(Flow)) => run(then, f, ctx),
        // Spurious: nothing is outstanding.
        (idle @ (P::Idle(_) | P::Ready(_)), Deadline(Flow)) => stay(idle, f),
        // Rule 2: the abandoned effect left the world (answered or past its deadline); the
        // task that waited for it starts.
        (P::BackingOff { then }, Deadline(Abandoned) | AbandonedAnswered) => {
            run(then, f.world_ended(), ctx)
        }
        (
            phase @ (P::Idle(_) | P::Ready(_) | P::Running(_)),
            Deadline(Abandoned) | AbandonedAnswered,
        ) => stay(phase, f.world_ended()),
        // Rule 7: a rejected token is replaced once; a fresh one rejected again is reported.
        (P::Ready(held), Ev(E::SessionRejected { waiter, token })) => {
            rejected_in_ready(held, f, waiter, token, ctx)
        }
        (P::Idle(known), Ev(E::SessionRejected { waiter, token })) => {
            rejected_in_idle(known, f, waiter, token, ctx)
        }
        // Rule 2: the check of the rejected token is abandoned, not forgotten; any other
        // flow is joined and remembered to serve a rejection.
        (
            busy @ (P::Running(_) | P::BackingOff { .. }),
            Ev(E::SessionRejected { waiter, token }),
        ) => rejected_in_flow(busy, f, waiter, &token, ctx),

        // Logout ends the flow and tells its waiters; an effect in flight is abandoned but
        // stays in the world until its answer or its deadline (rule 2).
        (
            phase @ (P::Idle(_) | P::Ready(_) | P::Running(_) | P::BackingOff { .. }),
            Ev(E::Logout),
        ) => logged_out(&phase, f),
        // Answers the phase is not waiting for (the arms above hold every expected one).
        (
            phase @ (P::Idle(_) | P::Ready(_) | P::Running(_) | P::BackingOff { .. }),
            Ev(
                event @ (E::StorageRead { .. }
                | E::CheckSessionResult { .. }
                | E::CodeObtained { .. }
                | E::ServerResponse { .. }),
            ),
        ) => return Err(unexpected(phase, f, refused, &event)),
    };
    settle_refusal(&mut next, refused);
    Ok(next)
}

/// The refusal of `event`, which `phase` does not expect; the core goes back unchanged.
fn unexpected(phase: Phase, flags: Flags, refused: Option<SessionToken>, event: &E) -> Refused {
    let state = phase.kind();
    let core = Core {
        phase,
        flags,
        refused,
    };
    let error = LoginError::UnexpectedEvent {
        state,
        expected: state.expected(),
        got: event.kind(),
    };
    Box::new((core, error))
}

/// Rule 7: a verified session means a new token exists, so the refusal ends; otherwise the
/// refusal the arm set, or the one before, holds.
#[inline(always)]
fn settle_refusal(next: &mut Next, before: Option<SessionToken>) {
    next.core.refused = match next.core.phase {
        Phase::Ready(_) => None,
        _ => next.core.refused.take().or(before),
    };
}
