//! Which task runs next, how it starts, and how a flow ends: in a session for every waiter, in
//! a failure for every waiter, or in a backoff before the task runs again (rule 4).

use crate::WaiterId;
use time::OffsetDateTime;

use super::outcome::{Completion, Ctx, Effect, Io, Next};
use crate::client::config::{CodeReuse, VerifyPolicy};
use crate::client::error::LoginFailure;
use crate::client::state::{Core, EffectKind, Flags, Held, HeldCode, Known, Phase, Task, Tries};
use crate::client::stored::StoredSession;

pub(super) fn go(phase: Phase, flags: Flags, io: Io) -> Next {
    Next {
        core: Core {
            phase,
            flags,
            refused: None,
        },
        join: None,
        storage: None,
        complete: None,
        io,
    }
}

pub(super) fn stay(phase: Phase, flags: Flags) -> Next {
    go(phase, flags, Io::Keep)
}

/// Rule 6: a verified session is served from memory until it expires; then a new code.
#[inline(always)]
pub(super) fn serve(held: Held, f: Flags, waiter: WaiterId, ctx: &Ctx<'_>) -> Next {
    if ctx.now < held.stored.session.expires_at {
        let session = held.stored.session.clone();
        // Built whole, not through `stay(…).complete(…)`: this is the hot path, and each
        // builder step moved the whole `Next`.
        Next {
            core: Core {
                phase: Phase::Ready(held),
                flags: f,
                refused: None,
            },
            join: None,
            storage: None,
            complete: Some(Completion::One(waiter, Ok(session))),
            io: Io::Keep,
        }
    } else {
        obtain_code(f, Tries::default(), ctx).join(waiter)
    }
}

/// Starts a flow from what is known of storage.
pub(super) fn begin(known: Known, f: Flags, ctx: &Ctx<'_>) -> Next {
    match known {
        Known::Unread => run(Task::ReadStorage { failures: 0 }, f, ctx),
        Known::Stored(stored) if ctx.now < stored.session.expires_at => verify(stored, f, ctx),
        Known::Stored(_) | Known::Nothing => obtain_code(f, Tries::default(), ctx),
    }
}

/// Rule 6: the verify policy decides whether a stored session is confirmed.
pub(super) fn verify(stored: StoredSession, f: Flags, ctx: &Ctx<'_>) -> Next {
    let confirm = match ctx.config.verify {
        VerifyPolicy::ConfirmWithServer => true,
        VerifyPolicy::TrustUntilExpiry => false,
        // A clock that went backwards makes the record look young: its expiry still holds.
        VerifyPolicy::ConfirmIfOlderThan(age) => ctx.now - stored.issued_at >= age,
    };
    match (confirm, f.wx_checked) {
        (false, _) => ready(stored, None, f),
        (true, true) => check_server(stored, f, ctx),
        (true, false) => run(
            Task::CheckWx {
                stored,
                failures: 0,
            },
            f,
            ctx,
        ),
    }
}

pub(super) fn check_server(stored: StoredSession, f: Flags, ctx: &Ctx<'_>) -> Next {
    let failures = 0;
    run(Task::CheckServer { stored, failures }, f, ctx)
}

pub(super) fn obtain_code(f: Flags, tries: Tries, ctx: &Ctx<'_>) -> Next {
    run(Task::ObtainCode { tries }, f, ctx)
}

/// Rule 2: starts `task` unless an abandoned effect is still in the world. A flow that needs
/// `wx.login` adopts an abandoned one (its code is unused): it keeps its id and deadline. Any
/// other task waits for the abandoned effect's answer or deadline.
pub(super) fn run(task: Task, f: Flags, ctx: &Ctx<'_>) -> Next {
    match (f.in_world, task) {
        (None, task) => start(task, f, ctx),
        (Some(EffectKind::WxLogin), Task::ObtainCode { tries }) => go(
            Phase::Running(Task::ObtainCode { tries }),
            f.world_ended(),
            Io::Adopt,
        ),
        (Some(_), then) => go(Phase::BackingOff { then }, f, Io::Idle),
    }
}

/// Starts the effect of `task`; nothing is in the world.
fn start(task: Task, f: Flags, ctx: &Ctx<'_>) -> Next {
    let effect = match &task {
        Task::ReadStorage { .. } => Effect::ReadStorage,
        Task::CheckWx { .. } => Effect::CheckWxSession,
        Task::CheckServer { stored, .. } => {
            Effect::Request(ctx.config.session_request(&stored.session.token))
        }
        // Rule 3: a code past its life is never sent.
        Task::LogIn { code, .. } if code_is_fresh(code, ctx) => {
            Effect::Request(ctx.config.login_request(&code.code))
        }
        Task::LogIn { tries, .. } => return obtain_code(f, *tries, ctx),
        Task::ObtainCode { .. } => Effect::WxLogin,
    };
    go(Phase::Running(task), f, Io::Start(effect))
}

/// Sends a code obtained just now.
pub(super) fn send_code(code: HeldCode, tries: Tries, f: Flags, ctx: &Ctx<'_>) -> Next {
    let request = ctx.config.login_request(&code.code);
    go(
        Phase::Running(Task::LogIn { code, tries }),
        f,
        Io::Start(Effect::Request(request)),
    )
}

/// The flow ends with a session for every waiter.
pub(super) fn ready(stored: StoredSession, guard_until: Option<OffsetDateTime>, f: Flags) -> Next {
    let session = stored.session.clone();
    let held = Held {
        stored,
        guard_until,
    };
    go(Phase::Ready(held), f.flow_ended(), Io::Idle).complete(Completion::All(Ok(session)))
}

/// The flow ends with `failure` for every waiter; the machine rests in `rest`.
pub(super) fn fail(rest: Phase, failure: LoginFailure, f: Flags) -> Next {
    go(rest, f.flow_ended(), Io::Idle).complete(Completion::All(Err(failure)))
}

/// Rule 4: transient failures back off and run `then` again within the budget, then fail.
pub(super) fn retry_or_fail(
    then: Task,
    failures: u32,
    failure: LoginFailure,
    rest: Phase,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    if allows_retry(ctx, failures) {
        go(Phase::BackingOff { then }, f, Io::Wait { failures })
    } else {
        fail(rest, failure, f)
    }
}

/// Whether a step that has failed `failures` times may run again: `max_attempts` counts the
/// first try, and zero still allows that one.
pub(super) fn allows_retry(ctx: &Ctx<'_>, failures: u32) -> bool {
    failures < ctx.config.backoff.max_attempts.max(1)
}

/// Rule 3: what runs after a login answer was lost: the same code if the config allows it,
/// else a fresh one.
pub(super) fn reusable(code: HeldCode, tries: Tries, ctx: &Ctx<'_>) -> Task {
    match ctx.config.code_reuse {
        CodeReuse::Never => Task::ObtainCode { tries },
        CodeReuse::WithinCodeLife => Task::LogIn { code, tries },
    }
}

/// A code obtained in the future (the clock went back) counts as stale: its age is unknown.
fn code_is_fresh(code: &HeldCode, ctx: &Ctx<'_>) -> bool {
    ctx.now >= code.obtained_at && ctx.now - code.obtained_at < ctx.config.code_max_age
}
