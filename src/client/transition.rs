//! Every rule of the [`LoginMachine`](super::LoginMachine) lives in [`transition`]: one
//! exhaustive `match` over (phase, input). Nothing else decides where the machine goes; the
//! machine around it only numbers effects, tracks deadlines and queues commands.
//!
//! An input the current phase does not expect is a missing entry of that match, reported as
//! [`LoginError::UnexpectedEvent`] with the core handed back untouched.

use crate::WaiterId;
use time::OffsetDateTime;

use super::command::Session;
use super::config::{CodeReuse, VerifyPolicy};
use super::error::{LoginError, LoginFailure, Step};
use super::event::{Event, WxFailure};
use super::state::{
    Completion, Core, Ctx, Effect, EffectKind, Flags, Held, HeldCode, Input, Io, Known, Next,
    Phase, Retry, StorageOp, Tries,
};
use super::stored::{StoredLookup, StoredSession, to_utc};
use crate::http::{HttpResponse, TransportFailure};
use crate::secret::{SessionToken, StorageValue};
use crate::wire::{
    ErrorBody, ErrorKind, decode_login_response, decode_session_response, parse_json, validate_code,
};

/// The core handed back unchanged, with the reason; boxed, as refusals are rare and the core
/// is large.
pub(crate) type Refused = Box<(Core, LoginError)>;

/// Applies one input. `Err` hands the core back unchanged with the reason.
pub(crate) fn transition(core: Core, input: Input, ctx: &Ctx<'_>) -> Result<Next, Refused> {
    use Event as E;
    use Input::{Deadline, Event as Ev, WorldEnded};
    use Phase as P;
    let Core {
        phase,
        flags: f,
        refused,
    } = core;
    let now = ctx.now;
    let next = match (phase, input) {
        // Rule 7: a token already reported as rejected after its re-login is reported again
        // at once, however many callers it was rejected for.
        (phase, Ev(E::SessionRejected { waiter, token })) if refused.as_ref() == Some(&token) => {
            let failure = Err(LoginFailure::RejectedAfterRelogin);
            stay(phase, f).complete(Completion::One(waiter, failure))
        }
        // Rule 6: a verified session is served from memory until it expires.
        (P::Ready(held), Ev(E::LoginRequested { waiter })) => {
            if now < held.stored.session.expires_at {
                let session = held.stored.session.clone();
                stay(P::Ready(held), f).complete(Completion::One(waiter, Ok(session)))
            } else {
                obtain_code(f, Tries::default(), ctx).join(waiter)
            }
        }
        (P::Idle(known), Ev(E::LoginRequested { waiter })) => begin(known, f, ctx).join(waiter),
        // Rule 2: a request during a flow joins it.
        (
            busy @ (P::ReadingStorage { .. }
            | P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::ObtainingCode { .. }
            | P::LoggingIn { .. }
            | P::Backoff(_)),
            Ev(E::LoginRequested { waiter }),
        ) => stay(busy, f).join(waiter),

        // Rule 5: what storage holds decides the start.
        (P::ReadingStorage { .. }, Ev(E::StorageRead { value, .. })) => {
            match StoredSession::lookup(value.as_ref().map(StorageValue::expose_secret), now) {
                StoredLookup::Valid(stored) => verify(stored, f, ctx),
                StoredLookup::Corrupt => {
                    obtain_code(f, Tries::default(), ctx).storage(StorageOp::Remove)
                }
                StoredLookup::Missing | StoredLookup::OtherVersion(_) | StoredLookup::Expired => {
                    obtain_code(f, Tries::default(), ctx)
                }
            }
        }
        // Rule 4: storage that does not answer is retried like any transient effect, then the
        // waiters fail; it never leads to wx.login. The next request reads again.
        (P::ReadingStorage { failures }, Deadline) => {
            let failures = failures + 1;
            let failure = LoginFailure::Timeout {
                step: Step::ReadStorage,
                attempts: failures,
            };
            let retry = Retry::ReadStorage { failures };
            retry_or_fail(retry, failures, failure, P::Idle(Known::Unread), f, ctx)
        }

        // Rule 4: only WeChat's "expired" leads to wx.login; a timeout is retried.
        // Rule 6: once it succeeds, wx.checkSession is not asked again in this launch.
        (P::CheckingWx { stored, .. }, Ev(E::CheckSessionResult { result, .. })) => match result {
            Ok(()) => check_server(
                stored,
                0,
                Flags {
                    wx_checked: true,
                    ..f
                },
                ctx,
            ),
            Err(_) => obtain_code(f, Tries::default(), ctx),
        },
        (P::CheckingWx { stored, failures }, Deadline) => {
            let failures = failures + 1;
            let failure = LoginFailure::Timeout {
                step: Step::CheckSession,
                attempts: failures,
            };
            let rest = P::Idle(Known::Stored(stored.clone()));
            retry_or_fail(
                Retry::CheckWx { stored, failures },
                failures,
                failure,
                rest,
                f,
                ctx,
            )
        }

        // Rules 4 and 8: the server check; only 401 / session_expired means expired.
        (P::CheckingServer { stored, failures }, Ev(E::ServerResponse { result, .. })) => {
            checked(stored, failures + 1, result, f, ctx)
        }
        (P::CheckingServer { stored, failures }, Deadline) => {
            let failures = failures + 1;
            let failure = LoginFailure::Timeout {
                step: Step::ServerCheck,
                attempts: failures,
            };
            let rest = P::Idle(Known::Stored(stored.clone()));
            retry_or_fail(
                Retry::CheckServer { stored, failures },
                failures,
                failure,
                rest,
                f,
                ctx,
            )
        }

        // Rule 3: a fresh code goes out at once; a failed wx.login is retried, then reported
        // with its errMsg and errno (rule 8).
        // (Once a code is obtained the flow never verifies a stored session again, so
        // `wx_checked` needs no update here.)
        (P::ObtainingCode { tries }, Ev(E::CodeObtained { result, .. })) => match result {
            Ok(code) if validate_code(code.expose_secret()).is_ok() => send_code(
                HeldCode {
                    code,
                    obtained_at: now,
                },
                tries,
                f,
                ctx,
            ),
            Ok(_) => wx_failed(
                WxFailure::new("wx.login returned a malformed code"),
                tries,
                f,
                ctx,
            ),
            Err(error) => wx_failed(error, tries, f, ctx),
        },
        (P::ObtainingCode { tries }, Deadline) => {
            let failures = tries.wx + 1;
            let failure = LoginFailure::Timeout {
                step: Step::WxLogin,
                attempts: failures,
            };
            let retry = Retry::WxLogin {
                tries: Tries {
                    wx: failures,
                    ..tries
                },
            };
            retry_or_fail(retry, failures, failure, P::Idle(Known::Nothing), f, ctx)
        }

        // Rules 3, 5 and 8: the login answer.
        (P::LoggingIn { code, tries }, Ev(E::ServerResponse { result, .. })) => {
            logged_in(code, tries, result, f, ctx)
        }
        (P::LoggingIn { code, tries }, Deadline) => {
            let failures = tries.server + 1;
            let tries = Tries {
                server: failures,
                ..tries
            };
            let failure = LoginFailure::Timeout {
                step: Step::ServerLogin,
                attempts: failures,
            };
            let code = reusable(code, ctx);
            retry_or_fail(
                Retry::Login { code, tries },
                failures,
                failure,
                P::Idle(Known::Nothing),
                f,
                ctx,
            )
        }

        // A backoff ended: run the step again.
        (P::Backoff(retry), Deadline) => run(retry, f, ctx),
        // Spurious: nothing is outstanding.
        (idle @ (P::Idle(_) | P::Ready(_)), Deadline) => stay(idle, f),
        // Rule 2: the abandoned effect left the world; the step that waited for it starts.
        (P::Backoff(retry), WorldEnded) => run(
            retry,
            Flags {
                in_world: None,
                ..f
            },
            ctx,
        ),
        (
            phase @ (P::Idle(_)
            | P::Ready(_)
            | P::ReadingStorage { .. }
            | P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::ObtainingCode { .. }
            | P::LoggingIn { .. }),
            WorldEnded,
        ) => stay(
            phase,
            Flags {
                in_world: None,
                ..f
            },
        ),

        // Rule 7: a rejected token is replaced once; a fresh one rejected again is reported.
        (P::Ready(held), Ev(E::SessionRejected { waiter, token })) => {
            let current = held.stored.session.token == token;
            let guarded = held.guard_until.is_some_and(|until| now < until);
            if !current && now < held.stored.session.expires_at {
                let session = held.stored.session.clone();
                stay(P::Ready(held), f).complete(Completion::One(waiter, Ok(session)))
            } else if current && guarded {
                let failure = Err(LoginFailure::RejectedAfterRelogin);
                go(P::Idle(Known::Nothing), f, Io::Idle)
                    .storage(StorageOp::Remove)
                    .complete(Completion::One(waiter, failure))
                    .refuse(token)
            } else {
                relogin(current, f, waiter, ctx)
            }
        }
        (P::Idle(Known::Stored(stored)), Ev(E::SessionRejected { waiter, token }))
            if stored.session.token != token =>
        {
            begin(Known::Stored(stored), f, ctx).join(waiter)
        }
        (P::Idle(_), Ev(E::SessionRejected { waiter, .. })) => relogin(true, f, waiter, ctx),
        // Rule 2: the check of the rejected token is abandoned, not forgotten.
        (
            phase @ (P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::Backoff(Retry::CheckWx { .. } | Retry::CheckServer { .. })),
            Ev(E::SessionRejected { waiter, token }),
        ) if checks(&phase, &token) => relogin(true, abandon(&phase, f), waiter, ctx),
        (
            busy @ (P::ReadingStorage { .. }
            | P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::ObtainingCode { .. }
            | P::LoggingIn { .. }
            | P::Backoff(_)),
            Ev(E::SessionRejected { waiter, .. }),
        ) => stay(
            busy,
            Flags {
                after_rejection: true,
                ..f
            },
        )
        .join(waiter),

        // Logout ends the flow and tells its waiters; an effect in flight is abandoned but
        // stays in the world until its answer or its deadline (rule 2).
        (
            phase @ (P::Idle(_)
            | P::Ready(_)
            | P::ReadingStorage { .. }
            | P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::ObtainingCode { .. }
            | P::LoggingIn { .. }
            | P::Backoff(_)),
            Ev(E::Logout),
        ) => go(
            P::Idle(Known::Nothing),
            Flags {
                after_rejection: false,
                ..abandon(&phase, f)
            },
            Io::Idle,
        )
        .storage(StorageOp::Remove)
        .complete(Completion::All(Err(LoginFailure::LoggedOut))),

        // Answers the phase is not waiting for.
        (
            phase @ (P::Idle(_)
            | P::Ready(_)
            | P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::ObtainingCode { .. }
            | P::LoggingIn { .. }
            | P::Backoff(_)),
            Ev(event @ E::StorageRead { .. }),
        )
        | (
            phase @ (P::Idle(_)
            | P::Ready(_)
            | P::ReadingStorage { .. }
            | P::CheckingServer { .. }
            | P::ObtainingCode { .. }
            | P::LoggingIn { .. }
            | P::Backoff(_)),
            Ev(event @ E::CheckSessionResult { .. }),
        )
        | (
            phase @ (P::Idle(_)
            | P::Ready(_)
            | P::ReadingStorage { .. }
            | P::CheckingWx { .. }
            | P::CheckingServer { .. }
            | P::LoggingIn { .. }
            | P::Backoff(_)),
            Ev(event @ E::CodeObtained { .. }),
        )
        | (
            phase @ (P::Idle(_)
            | P::Ready(_)
            | P::ReadingStorage { .. }
            | P::CheckingWx { .. }
            | P::ObtainingCode { .. }
            | P::Backoff(_)),
            Ev(event @ E::ServerResponse { .. }),
        ) => {
            let state = phase.kind();
            let error = LoginError::UnexpectedEvent {
                state,
                expected: state.expected(),
                got: event.kind(),
            };
            let core = Core {
                phase,
                flags: f,
                refused,
            };
            return Err(Box::new((core, error)));
        }
    };
    Ok(settle_refusal(next, refused))
}

/// Rule 7: a verified session means a new token exists, so the refusal ends; otherwise the
/// refusal the arm set, or the one before, holds.
fn settle_refusal(mut next: Next, before: Option<SessionToken>) -> Next {
    next.core.refused = match next.core.phase {
        Phase::Ready(_) => None,
        _ => next.core.refused.take().or(before),
    };
    next
}

/// Whether `phase` is checking the stored session of `token`.
fn checks(phase: &Phase, token: &SessionToken) -> bool {
    match phase {
        Phase::CheckingWx { stored, .. }
        | Phase::CheckingServer { stored, .. }
        | Phase::Backoff(Retry::CheckWx { stored, .. } | Retry::CheckServer { stored, .. }) => {
            stored.session.token == *token
        }
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

/// Rules 4 and 8: the server's answer to the session check.
fn checked(
    stored: StoredSession,
    failures: u32,
    result: Result<HttpResponse, TransportFailure>,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    let rest = || Phase::Idle(Known::Stored(stored.clone()));
    match classify(result, Step::ServerCheck, failures) {
        Reply::Success(response) => match decode_session_response(&response) {
            Ok(valid) => match expiry(ctx.now, valid.expires_in) {
                Some(expires_at) => {
                    let mut stored = stored;
                    stored.session.expires_at = expires_at;
                    ready(stored, None, f)
                }
                None => obtain_code(f, Tries::default(), ctx).storage(StorageOp::Remove),
            },
            Err(error) => {
                let failure = malformed(Step::ServerCheck, &response, &error.to_string());
                fail(rest(), failure, f)
            }
        },
        Reply::Expired(_) => obtain_code(f, Tries::default(), ctx).storage(StorageOp::Remove),
        Reply::Transient(failure) => {
            let rest = rest();
            let retry = Retry::CheckServer { stored, failures };
            retry_or_fail(retry, failures, failure, rest, f, ctx)
        }
        Reply::CodeRejected(failure) | Reply::Final(failure) => fail(rest(), failure, f),
    }
}

/// Rules 3, 5 and 8: the server's answer to the login request.
fn logged_in(
    code: HeldCode,
    tries: Tries,
    result: Result<HttpResponse, TransportFailure>,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    let now = ctx.now;
    let failures = tries.server + 1;
    let tries = Tries {
        server: failures,
        ..tries
    };
    match classify(result, Step::ServerLogin, failures) {
        Reply::Success(response) => {
            // The token is validated by the decoder: a bad one is never stored or handed out.
            let granted = decode_login_response(&response).map_err(|e| e.to_string());
            let session = granted.and_then(|grant| match expiry(now, grant.expires_in) {
                Some(expires_at) => Ok(Session {
                    token: grant.token,
                    expires_at,
                }),
                None => Err("the session ends before it starts".to_owned()),
            });
            match session {
                Ok(session) => {
                    let guard = f
                        .after_rejection
                        .then(|| now.saturating_add(ctx.config.relogin_window));
                    let stored = StoredSession {
                        session,
                        issued_at: now,
                    };
                    ready(stored.clone(), guard, f)
                        .storage(StorageOp::Write(StorageValue::new(stored.encode())))
                }
                Err(detail) => {
                    let failure = malformed(Step::ServerLogin, &response, &detail);
                    fail(Phase::Idle(Known::Nothing), failure, f)
                }
            }
        }
        // The code is spent: only a fresh one can succeed, and it needs no delay.
        Reply::CodeRejected(_) if ctx.config.retry.allows_retry(failures) => {
            obtain_code(f, tries, ctx)
        }
        Reply::Transient(failure) => {
            let code = reusable(code, ctx);
            let rest = Phase::Idle(Known::Nothing);
            retry_or_fail(
                Retry::Login { code, tries },
                failures,
                failure,
                rest,
                f,
                ctx,
            )
        }
        Reply::CodeRejected(failure) | Reply::Expired(failure) | Reply::Final(failure) => {
            fail(Phase::Idle(Known::Nothing), failure, f)
        }
    }
}

fn go(phase: Phase, flags: Flags, io: Io) -> Next {
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

fn stay(phase: Phase, flags: Flags) -> Next {
    go(phase, flags, Io::Keep)
}

/// Starts a flow from what is known of storage.
fn begin(known: Known, f: Flags, ctx: &Ctx<'_>) -> Next {
    match known {
        Known::Unread => run(Retry::ReadStorage { failures: 0 }, f, ctx),
        Known::Stored(stored) if ctx.now < stored.session.expires_at => verify(stored, f, ctx),
        Known::Stored(_) | Known::Nothing => obtain_code(f, Tries::default(), ctx),
    }
}

/// Rule 6: the verify policy decides whether a stored session is confirmed.
fn verify(stored: StoredSession, f: Flags, ctx: &Ctx<'_>) -> Next {
    let confirm = match ctx.config.verify {
        VerifyPolicy::ConfirmWithServer => true,
        VerifyPolicy::TrustUntilExpiry => false,
        // A clock that went backwards makes the record look young: its expiry still holds.
        VerifyPolicy::ConfirmIfOlderThan(age) => ctx.now - stored.issued_at >= age,
    };
    match (confirm, f.wx_checked) {
        (false, _) => ready(stored, None, f),
        (true, true) => check_server(stored, 0, f, ctx),
        (true, false) => run(
            Retry::CheckWx {
                stored,
                failures: 0,
            },
            f,
            ctx,
        ),
    }
}

fn check_server(stored: StoredSession, failures: u32, f: Flags, ctx: &Ctx<'_>) -> Next {
    run(Retry::CheckServer { stored, failures }, f, ctx)
}

fn obtain_code(f: Flags, tries: Tries, ctx: &Ctx<'_>) -> Next {
    run(Retry::WxLogin { tries }, f, ctx)
}

/// Rule 2: starts `step` unless an abandoned effect is still in the world. A flow that needs
/// `wx.login` adopts an abandoned one (its code is unused): it keeps its id and deadline. Any
/// other step waits for the abandoned effect's answer or deadline.
fn run(step: Retry, f: Flags, ctx: &Ctx<'_>) -> Next {
    match (f.in_world, step) {
        (None, step) => start(step, f, ctx),
        (Some(EffectKind::WxLogin), Retry::WxLogin { tries }) => go(
            Phase::ObtainingCode { tries },
            Flags {
                in_world: None,
                ..f
            },
            Io::Adopt,
        ),
        (Some(_), step) => go(Phase::Backoff(step), f, Io::Idle),
    }
}

/// Starts the effect of `step`; nothing is in the world.
fn start(step: Retry, f: Flags, ctx: &Ctx<'_>) -> Next {
    match step {
        Retry::ReadStorage { failures } => go(
            Phase::ReadingStorage { failures },
            f,
            Io::Start(Effect::ReadStorage),
        ),
        Retry::CheckWx { stored, failures } => go(
            Phase::CheckingWx { stored, failures },
            f,
            Io::Start(Effect::CheckWxSession),
        ),
        Retry::CheckServer { stored, failures } => {
            let request = ctx.config.session_request(&stored.session.token);
            go(
                Phase::CheckingServer { stored, failures },
                f,
                Io::Start(Effect::Request(request)),
            )
        }
        // Rule 3: a code past its life is never sent.
        Retry::Login {
            code: Some(code),
            tries,
        } if code_is_fresh(&code, ctx) => send_code(code, tries, f, ctx),
        Retry::WxLogin { tries } | Retry::Login { tries, .. } => go(
            Phase::ObtainingCode { tries },
            f,
            Io::Start(Effect::WxLogin),
        ),
    }
}

fn send_code(code: HeldCode, tries: Tries, f: Flags, ctx: &Ctx<'_>) -> Next {
    let request = ctx.config.login_request(&code.code);
    go(
        Phase::LoggingIn { code, tries },
        f,
        Io::Start(Effect::Request(request)),
    )
}

fn wx_failed(error: WxFailure, tries: Tries, f: Flags, ctx: &Ctx<'_>) -> Next {
    let failures = tries.wx + 1;
    let failure = LoginFailure::WxLogin {
        err_msg: error.err_msg,
        errno: error.errno,
        attempts: failures,
    };
    let retry = Retry::WxLogin {
        tries: Tries {
            wx: failures,
            ..tries
        },
    };
    retry_or_fail(
        retry,
        failures,
        failure,
        Phase::Idle(Known::Nothing),
        f,
        ctx,
    )
}

/// Clears a rejected session and logs in again for `waiter`.
fn relogin(remove: bool, f: Flags, waiter: WaiterId, ctx: &Ctx<'_>) -> Next {
    let next = obtain_code(
        Flags {
            after_rejection: true,
            ..f
        },
        Tries::default(),
        ctx,
    )
    .join(waiter);
    if remove {
        next.storage(StorageOp::Remove)
    } else {
        next
    }
}

fn ready(stored: StoredSession, guard_until: Option<OffsetDateTime>, f: Flags) -> Next {
    let session = stored.session.clone();
    let held = Held {
        stored,
        guard_until,
    };
    go(
        Phase::Ready(held),
        Flags {
            after_rejection: false,
            ..f
        },
        Io::Idle,
    )
    .complete(Completion::All(Ok(session)))
}

fn fail(rest: Phase, failure: LoginFailure, f: Flags) -> Next {
    go(
        rest,
        Flags {
            after_rejection: false,
            ..f
        },
        Io::Idle,
    )
    .complete(Completion::All(Err(failure)))
}

/// Rule 4: transient failures back off and retry within the budget, then fail.
fn retry_or_fail(
    retry: Retry,
    failures: u32,
    failure: LoginFailure,
    rest: Phase,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    if ctx.config.retry.allows_retry(failures) {
        go(Phase::Backoff(retry), f, Io::Wait { failures })
    } else {
        fail(rest, failure, f)
    }
}

/// The code to send again after a lost answer, if the configuration allows it.
fn reusable(code: HeldCode, ctx: &Ctx<'_>) -> Option<HeldCode> {
    match ctx.config.code_reuse {
        CodeReuse::Never => None,
        CodeReuse::WithinCodeLife => Some(code),
    }
}

/// A code obtained in the future (the clock went back) counts as stale: its age is unknown.
fn code_is_fresh(code: &HeldCode, ctx: &Ctx<'_>) -> bool {
    ctx.now >= code.obtained_at && ctx.now - code.obtained_at < ctx.config.code_max_age
}

/// When a session granted `now` for `expires_in` seconds ends, if that is after `now`: a zero
/// lifetime, or one that saturates at the end of time, is no session at all.
/// The time is in UTC, as storage keeps it, so memory and the record agree.
fn expiry(now: OffsetDateTime, expires_in: u64) -> Option<OffsetDateTime> {
    let lifetime = crate::time_util::seconds(expires_in);
    Some(to_utc(now.saturating_add(lifetime))).filter(|&at| at > now)
}

fn malformed(step: Step, response: &HttpResponse, detail: &str) -> LoginFailure {
    LoginFailure::MalformedResponse {
        step,
        status: response.status,
        detail: detail.to_owned(),
    }
}

/// What a server answer means for the flow.
enum Reply {
    Success(HttpResponse),
    /// The server's session has ended (session check only).
    Expired(LoginFailure),
    /// The login code was invalid or used (login only).
    CodeRejected(LoginFailure),
    /// Worth retrying: transport errors, 408 and 5xx.
    Transient(LoginFailure),
    Final(LoginFailure),
}

fn classify(result: Result<HttpResponse, TransportFailure>, step: Step, attempts: u32) -> Reply {
    let response = match result {
        Ok(response) if response.is_success() => return Reply::Success(response),
        Ok(response) => response,
        Err(error) => {
            return Reply::Transient(LoginFailure::Transport {
                step,
                error,
                attempts,
            });
        }
    };
    let status = response.status;
    let error: Option<ErrorBody> = parse_json(&response.body).ok();
    let kind = error.as_ref().map(|body| body.error);
    let failure = LoginFailure::Server {
        step,
        status,
        error,
        attempts,
    };
    match (step, status, kind) {
        (Step::ServerCheck, 401, _) | (Step::ServerCheck, _, Some(ErrorKind::SessionExpired)) => {
            Reply::Expired(failure)
        }
        (Step::ServerLogin, _, Some(ErrorKind::InvalidCode | ErrorKind::CodeUsed)) => {
            Reply::CodeRejected(failure)
        }
        (_, 408 | 500..=599, _) => Reply::Transient(failure),
        _ => Reply::Final(failure),
    }
}
