//! A session ended from outside: rejected by a business request (rule 7), or logged out. The
//! effect in flight is then abandoned, not forgotten: it stays in the world until its answer
//! or its deadline (rule 2).

use crate::WaiterId;

use super::flow::{begin, go, obtain_code, stay};
use super::outcome::{Completion, Ctx, Io, Next, StorageOp};
use crate::client::error::LoginFailure;
use crate::client::state::{Flags, Held, Known, Phase, Task, Tries};
use crate::secret::SessionToken;

/// Rule 7: a token already reported as rejected after its re-login is reported again at once.
pub(super) fn rejected_twice(phase: Phase, f: Flags, waiter: WaiterId) -> Next {
    let failure = Err(LoginFailure::RejectedAfterRelogin);
    stay(phase, f).complete(Completion::One(waiter, failure))
}

/// Rule 7 while a session is held: an old token gets the current session; the current one is
/// replaced once, unless it comes from a re-login within the guard window.
pub(super) fn rejected_in_ready(
    held: Held,
    f: Flags,
    waiter: WaiterId,
    token: SessionToken,
    ctx: &Ctx<'_>,
) -> Next {
    let now = ctx.now;
    let current = held.stored.session.token == token;
    let guarded = held.guard_until.is_some_and(|until| now < until);
    if !current && now < held.stored.session.expires_at {
        let session = held.stored.session.clone();
        stay(Phase::Ready(held), f).complete(Completion::One(waiter, Ok(session)))
    } else if current && guarded {
        let failure = Err(LoginFailure::RejectedAfterRelogin);
        go(Phase::Idle(Known::Nothing), f, Io::Idle)
            .storage(StorageOp::Remove)
            .complete(Completion::One(waiter, failure))
            .refuse(token)
    } else {
        relogin(current, f, waiter, ctx)
    }
}

/// Rule 7 while idle: a rejection of another token than the one stored starts a flow as a
/// request would; otherwise the session is cleared and a new one obtained.
pub(super) fn rejected_in_idle(
    known: Known,
    f: Flags,
    waiter: WaiterId,
    token: SessionToken,
    ctx: &Ctx<'_>,
) -> Next {
    match known {
        Known::Stored(stored) if stored.session.token != token => {
            begin(Known::Stored(stored), f, ctx).join(waiter)
        }
        Known::Stored(_) | Known::Unread | Known::Nothing => relogin(true, f, waiter, ctx),
    }
}

/// Rules 2 and 7 during a flow: the check of the rejected token is abandoned (it stays in the
/// world) for a new login; any other flow is joined, and its login is guarded as one that
/// serves a rejection.
pub(super) fn rejected_in_flow(
    busy: Phase,
    f: Flags,
    waiter: WaiterId,
    token: &SessionToken,
    ctx: &Ctx<'_>,
) -> Next {
    if checks(&busy, token) {
        relogin(true, abandon(&busy, f), waiter, ctx)
    } else {
        stay(busy, f.rejected()).join(waiter)
    }
}

/// Clears a rejected session (removing its record if `remove`) and logs in again for
/// `waiter`.
fn relogin(remove: bool, f: Flags, waiter: WaiterId, ctx: &Ctx<'_>) -> Next {
    let next = obtain_code(f.rejected(), Tries::default(), ctx).join(waiter);
    if remove {
        next.storage(StorageOp::Remove)
    } else {
        next
    }
}

/// Whether `phase` is checking the stored session of `token`.
fn checks(phase: &Phase, token: &SessionToken) -> bool {
    match phase {
        Phase::Running(Task::CheckWx { stored, .. } | Task::CheckServer { stored, .. })
        | Phase::BackingOff {
            then: Task::CheckWx { stored, .. } | Task::CheckServer { stored, .. },
        } => stored.session.token == *token,
        _ => false,
    }
}

/// Rule 2: the effect `phase` waits for is abandoned; it stays in the world.
fn abandon(phase: &Phase, f: Flags) -> Flags {
    Flags {
        in_world: phase.effect().or(f.in_world),
        ..f
    }
}

/// Logout ends the flow, removes the record and fails every waiter.
pub(super) fn logged_out(phase: &Phase, f: Flags) -> Next {
    go(
        Phase::Idle(Known::Nothing),
        abandon(phase, f).flow_ended(),
        Io::Idle,
    )
    .storage(StorageOp::Remove)
    .complete(Completion::All(Err(LoginFailure::LoggedOut)))
}
