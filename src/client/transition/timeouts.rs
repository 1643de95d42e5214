//! Rules 3 and 4 for deadlines: an effect that runs past its deadline is abandoned (its late answer
//! is ignored) and its task retried like any transient failure, then reported as a timeout.
//! Where the machine rests after the last failure depends on what it knew before.

use super::flow::{retry_or_fail, reusable};
use super::outcome::{Ctx, Next};
use crate::client::error::{LoginFailure, Step};
use crate::client::state::{Flags, HeldCode, Known, Phase, Task, Tries};
use crate::client::stored::StoredSession;

/// The deadline of `task`'s effect passed: what each task's timeout leads to.
pub(super) fn expired(task: Task, f: Flags, ctx: &Ctx<'_>) -> Next {
    match task {
        Task::ReadStorage { failures } => storage(failures, f, ctx),
        Task::CheckWx { stored, failures } => wx_check(stored, failures, f, ctx),
        Task::CheckServer { stored, failures } => server_check(stored, failures, f, ctx),
        Task::ObtainCode { tries } => wx_login(tries, f, ctx),
        // Rule 3: the code of a lost answer is sent again only if the config allows it.
        Task::LogIn { code, tries } => login(code, tries, f, ctx),
    }
}

/// Storage did not answer; it never leads to wx.login, and the next request reads again.
fn storage(failures: u32, f: Flags, ctx: &Ctx<'_>) -> Next {
    let failures = failures + 1;
    let then = Task::ReadStorage { failures };
    timed_out(then, failures, Step::ReadStorage, Known::Unread, f, ctx)
}

/// `wx.checkSession` did not answer; the stored session is checked again on the next request.
fn wx_check(stored: StoredSession, failures: u32, f: Flags, ctx: &Ctx<'_>) -> Next {
    let (failures, known) = (failures + 1, Known::Stored(stored.clone()));
    let then = Task::CheckWx { stored, failures };
    timed_out(then, failures, Step::CheckSession, known, f, ctx)
}

/// The server's session check did not answer; as for `wx.checkSession`.
fn server_check(stored: StoredSession, failures: u32, f: Flags, ctx: &Ctx<'_>) -> Next {
    let (failures, known) = (failures + 1, Known::Stored(stored.clone()));
    let then = Task::CheckServer { stored, failures };
    timed_out(then, failures, Step::ServerCheck, known, f, ctx)
}

/// `wx.login` did not answer.
fn wx_login(mut tries: Tries, f: Flags, ctx: &Ctx<'_>) -> Next {
    tries.wx += 1;
    let then = Task::ObtainCode { tries };
    timed_out(then, tries.wx, Step::WxLogin, Known::Nothing, f, ctx)
}

/// The login request got no answer: rule 3 decides whether its code may go again.
fn login(code: HeldCode, mut tries: Tries, f: Flags, ctx: &Ctx<'_>) -> Next {
    tries.server += 1;
    let then = reusable(code, tries, ctx);
    timed_out(
        then,
        tries.server,
        Step::ServerLogin,
        Known::Nothing,
        f,
        ctx,
    )
}

/// The `failures`-th deadline of `step` passed: back off and run `then`, or fail and rest
/// idle knowing `known`.
fn timed_out(then: Task, failures: u32, step: Step, known: Known, f: Flags, ctx: &Ctx<'_>) -> Next {
    let failure = LoginFailure::Timeout {
        step,
        attempts: failures,
    };
    retry_or_fail(then, failures, failure, Phase::Idle(known), f, ctx)
}
