//! Every rule of the [`CodeExchange`](super::CodeExchange) lives in [`transition`]: one
//! exhaustive `match` over (phase, input), deadlines included. Nothing else decides where the
//! exchange goes; the shell around it only numbers effects, tracks the deadline and queues
//! commands.
//!
//! ```text
//! Idle --Received--> Calling --WeChatAnswered(ok)--> CreatingSession --SessionCreated--> Done
//!   |                 |  ^                              |
//!   |                 |  | (deadline)                   +--SessionNotCreated / deadline--> Done
//!   |   (-1, 5xx, transport, deadline)
//!   |                 v  |
//!   |               BackingOff --(retry would pass the code's life, or attempts used up)--> Done
//!   +--(body invalid)--> Done                      Calling --(any other answer)--> Done
//! ```
//!
//! An input the current phase does not expect is a missing entry of that match, reported as
//! [`ExchangeError::UnexpectedEvent`] with the core handed back untouched.

use std::mem;

use time::OffsetDateTime;

use super::command::ExchangeOutcome;
use super::error::{ExchangeError, ExchangeFailure, SessionStoreFailure};
use super::event::{Event, EventKind};
use super::state::{Core, Ctx, Input, Io, Next, Phase};
use crate::RequestId;
use crate::http::{HttpRequest, HttpResponse, TransportFailure};
use crate::secret::{LoginCode, SessionToken};
use crate::server::session::{SessionRecord, whole_seconds_until};
use crate::server::wechat_api::ApiFailure;
use crate::wire::{CODE_LIFETIME, LoginGranted, decode_login_request, validate_token};

/// The core handed back unchanged, with the reason; boxed, as refusals are rare and the core
/// is large.
pub(crate) type Refused = Box<(Core, ExchangeError)>;

/// Applies one input. `Err` hands the core back unchanged with the reason.
pub(crate) fn transition(mut core: Core, input: Input, ctx: &Ctx<'_>) -> Result<Next, Refused> {
    use Event as E;
    use Input::{Begin, Deadline, Event as Ev};
    use Phase as P;
    // Every arm sets the phase, or puts this one back.
    let phase = mem::replace(&mut core.phase, P::Done);
    match (phase, input) {
        // The body carries the code; a body that is not a login request is answered at once.
        (P::Idle, Ev(E::Received { request, body })) => Ok(match decode_login_request(&body) {
            Ok(code) => begin(core, request, code, ctx),
            Err(e) => fail(
                with_request(core, request),
                ExchangeFailure::BadRequest(e),
                ctx,
            ),
        }),
        // The coordinator decoded the body already (it keys exchanges by code).
        (P::Idle, Begin { request, code }) => Ok(begin(core, request, code, ctx)),

        (P::Calling, Ev(E::WeChatAnswered { result, .. })) => Ok(answered(core, result, ctx)),
        // A call past its deadline is a transport timeout; its late answer changes nothing.
        (P::Calling, Deadline) => Ok(answered(core, Err(TransportFailure::Timeout), ctx)),

        // The code is never sent at or after the end of its life.
        (P::BackingOff { last }, Deadline) => Ok(if ctx.now >= core.code_expires_at {
            fail_unavailable(core, last, ctx)
        } else {
            call(core, ctx)
        }),

        (
            P::CreatingSession { openid, unionid },
            Ev(E::SessionCreated {
                token, expires_at, ..
            }),
        ) => created(core, (openid, unionid), token, expires_at, ctx),
        (P::CreatingSession { .. }, Ev(E::SessionNotCreated { failure, .. })) => {
            Ok(fail(core, ExchangeFailure::SessionNotCreated(failure), ctx))
        }
        (P::CreatingSession { .. }, Deadline) => {
            Ok(fail(core, ExchangeFailure::SessionTimeout, ctx))
        }

        // Nothing is outstanding: a deadline here is spurious and changes nothing.
        (phase @ (P::Idle | P::Done), Deadline) => {
            core.phase = phase;
            Ok(Next { core, io: Io::Keep })
        }

        // Missing entries: events the phase does not expect.
        (
            phase @ (P::Calling | P::BackingOff { .. } | P::CreatingSession { .. } | P::Done),
            Ev(event @ E::Received { .. }),
        )
        | (
            phase @ (P::Idle | P::BackingOff { .. } | P::CreatingSession { .. } | P::Done),
            Ev(event @ E::WeChatAnswered { .. }),
        )
        | (
            phase @ (P::Idle | P::Calling | P::BackingOff { .. } | P::Done),
            Ev(event @ (E::SessionCreated { .. } | E::SessionNotCreated { .. })),
        ) => Err(refuse(core, phase, event.kind())),
        // Only a fresh exchange begins: as a second `Received` would be.
        (
            phase @ (P::Calling | P::BackingOff { .. } | P::CreatingSession { .. } | P::Done),
            Begin { .. },
        ) => Err(refuse(core, phase, EventKind::Received)),
    }
}

/// The core as it was, with the refusal of `got` in `phase`.
fn refuse(mut core: Core, phase: Phase, got: EventKind) -> Refused {
    let error = ExchangeError::unexpected(phase.kind(), got);
    core.phase = phase;
    Box::new((core, error))
}

fn with_request(mut core: Core, request: RequestId) -> Core {
    core.request = request;
    core
}

/// The code's life starts when the exchange first sees it; the first call goes out at once.
fn begin(mut core: Core, request: RequestId, code: LoginCode, ctx: &Ctx<'_>) -> Next {
    core.request = request;
    core.code = code;
    core.code_expires_at = crate::time_util::saturating_add(ctx.now, CODE_LIFETIME);
    call(core, ctx)
}

fn call(mut core: Core, ctx: &Ctx<'_>) -> Next {
    let request = code2session_request(&core, ctx);
    core.attempts = core.attempts.saturating_add(1);
    core.phase = Phase::Calling;
    Next {
        core,
        io: Io::Call(request),
    }
}

/// WeChat's answer (or its absence): a session to create, a retry, or the end.
fn answered(core: Core, result: Result<HttpResponse, TransportFailure>, ctx: &Ctx<'_>) -> Next {
    match code2session_parse(&core, &result, ctx) {
        Ok(session) => create_session(core, session, ctx),
        Err(error) if error.is_transient() => retry_or_fail(core, error, ctx),
        Err(ApiFailure::WeChat(wechat)) => fail(core, ExchangeFailure::Refused(wechat), ctx),
        Err(error) => fail_unavailable(core, error, ctx),
    }
}

fn create_session(mut core: Core, session: SessionRecord, ctx: &Ctx<'_>) -> Next {
    // At the end of representable time no session can last a second; proposing one would
    // only have the caller's answer refused as `ExpiryNotInFuture`.
    if session.is_expired(ctx.now) {
        let reason = "no session can last a second at this instant".to_owned();
        let failure = ExchangeFailure::SessionNotCreated(SessionStoreFailure::Failed { reason });
        return fail(core, failure, ctx);
    }
    core.phase = Phase::CreatingSession {
        openid: session.openid.clone(),
        unionid: session.unionid.clone(),
    };
    Next {
        core,
        io: Io::CreateSession(session),
    }
}

/// Transient failures are retried with backoff while attempts remain and the retry would go
/// out within the code's life.
fn retry_or_fail(mut core: Core, last: ApiFailure, ctx: &Ctx<'_>) -> Next {
    let backoff = ctx.config.backoff;
    if core.attempts >= backoff.max_attempts {
        return fail_unavailable(core, last, ctx);
    }
    let delay = backoff.delay(core.attempts, &mut core.rng);
    match ctx.now.checked_add(delay) {
        Some(until) if until < core.code_expires_at => {
            core.phase = Phase::BackingOff { last };
            Next {
                core,
                io: Io::Wait(until),
            }
        }
        Some(_) | None => fail_unavailable(core, last, ctx),
    }
}

/// The caller stored the session: a token the wire can carry and an expiry at least a second
/// away, or the driver broke the contract.
fn created(
    mut core: Core,
    (openid, unionid): (String, Option<String>),
    token: SessionToken,
    expires_at: OffsetDateTime,
    ctx: &Ctx<'_>,
) -> Result<Next, Refused> {
    let checked = validate_token(token.expose_secret())
        .map_err(|_| ExchangeError::MalformedToken)
        .and_then(|()| {
            whole_seconds_until(ctx.now, expires_at).ok_or(ExchangeError::ExpiryNotInFuture)
        });
    let expires_in = match checked {
        Ok(expires_in) => expires_in,
        Err(error) => {
            core.phase = Phase::CreatingSession { openid, unionid };
            return Err(Box::new((core, error)));
        }
    };
    core.phase = Phase::Done;
    let outcome = ExchangeOutcome::Granted {
        openid,
        unionid,
        token: token.clone(),
        expires_at,
    };
    let response = LoginGranted { token, expires_in }.to_response();
    Ok(Next {
        core,
        io: Io::Complete(response, outcome),
    })
}

fn fail_unavailable(core: Core, last: ApiFailure, ctx: &Ctx<'_>) -> Next {
    let attempts = core.attempts;
    fail(core, ExchangeFailure::Unavailable { attempts, last }, ctx)
}

fn fail(mut core: Core, failure: ExchangeFailure, ctx: &Ctx<'_>) -> Next {
    let response = failure.wire_body(ctx.now).to_response();
    core.phase = Phase::Done;
    Next {
        core,
        io: Io::Complete(response, ExchangeOutcome::Failed(failure)),
    }
}

// The exchange's only two calls into the code2Session API: build the request, read the answer.

fn code2session_request(core: &Core, ctx: &Ctx<'_>) -> HttpRequest {
    ctx.config.code2session.request(&core.code)
}

/// The parsed answer, a session record as of `now`, or the failure with the app secret (or the
/// platform token), the code and anything shaped like a credential removed from every world
/// text it keeps, whatever the HTTP status.
fn code2session_parse(
    core: &Core,
    result: &Result<HttpResponse, TransportFailure>,
    ctx: &Ctx<'_>,
) -> Result<SessionRecord, ApiFailure> {
    use crate::server::wechat_api::Scrub;
    match ctx.config.code2session.parse(result) {
        Ok(wechat) => Ok(SessionRecord::new(
            wechat,
            ctx.now,
            ctx.config.session_lifetime,
        )),
        Err(error) => {
            let secrets = [
                ctx.config.code2session.secret_text(),
                core.code.expose_secret(),
            ];
            Err(Scrub::new(secrets).api_error(error))
        }
    }
}
