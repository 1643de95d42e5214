//! What each answer to an effect means for the flow: the storage record (rule 5), WeChat's
//! session check and code (rules 3, 4 and 6), and the developer server's replies (rules 3, 4,
//! 5 and 8).

use time::OffsetDateTime;

use super::flow::{
    allows_retry, check_server, fail, obtain_code, ready, retry_or_fail, reusable, send_code,
    verify,
};
use super::outcome::{Ctx, Next, StorageOp};
use super::reply::{Reply, classify};
use crate::client::command::Session;
use crate::client::error::{LoginFailure, Step};
use crate::client::event::WxFailure;
use crate::client::state::{Flags, HeldCode, Known, Phase, Task, Tries};
use crate::client::stored::{StoredLookup, StoredSession, to_utc};
use crate::http::{HttpResponse, TransportFailure};
use crate::secret::{LoginCode, StorageValue};
use crate::time_util;
use crate::wire::{decode_login_response, decode_session_response, validate_code};

/// Rule 5: what storage holds decides the start; a corrupt record is removed.
pub(super) fn storage_read(value: Option<StorageValue>, f: Flags, ctx: &Ctx<'_>) -> Next {
    match StoredSession::lookup(value.as_ref().map(StorageValue::expose_secret), ctx.now) {
        StoredLookup::Valid(stored) => verify(stored, f, ctx),
        StoredLookup::Corrupt => obtain_code(f, Tries::default(), ctx).storage(StorageOp::Remove),
        StoredLookup::Missing | StoredLookup::OtherVersion(_) | StoredLookup::Expired => {
            obtain_code(f, Tries::default(), ctx)
        }
    }
}

/// Rules 4 and 6: WeChat's session is fine (and never asked again in this launch), or it
/// expired and only a new code helps.
pub(super) fn wx_checked(
    stored: StoredSession,
    result: Result<(), WxFailure>,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    match result {
        Ok(()) => {
            let f = Flags {
                wx_checked: true,
                ..f
            };
            check_server(stored, f, ctx)
        }
        Err(_) => obtain_code(f, Tries::default(), ctx),
    }
}

/// Rule 3: a well-formed code goes out at once. (Once a code is obtained the flow never
/// verifies a stored session again, so `wx_checked` needs no update here.)
pub(super) fn code_obtained(
    result: Result<LoginCode, WxFailure>,
    tries: Tries,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    match result {
        Ok(code) if validate_code(code.expose_secret()).is_ok() => {
            let code = HeldCode {
                code,
                obtained_at: ctx.now,
            };
            send_code(code, tries, f, ctx)
        }
        Ok(_) => {
            let malformed = WxFailure::new("wx.login returned a malformed code");
            wx_failed(malformed, tries, f, ctx)
        }
        Err(error) => wx_failed(error, tries, f, ctx),
    }
}

/// Rules 4 and 8: a failed `wx.login` is retried, then reported with its errMsg and errno.
fn wx_failed(error: WxFailure, mut tries: Tries, f: Flags, ctx: &Ctx<'_>) -> Next {
    tries.wx += 1;
    let failure = LoginFailure::WxLogin {
        err_msg: error.err_msg,
        errno: error.errno,
        attempts: tries.wx,
    };
    let then = Task::ObtainCode { tries };
    retry_or_fail(then, tries.wx, failure, Phase::Idle(Known::Nothing), f, ctx)
}

/// Rules 4 and 8: the server's answer to the session check.
pub(super) fn checked(
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
            let then = Task::CheckServer { stored, failures };
            retry_or_fail(then, failures, failure, rest, f, ctx)
        }
        Reply::CodeRejected(failure) | Reply::Final(failure) => fail(rest(), failure, f),
    }
}

/// Rules 3, 5 and 8: the server's answer to the login request.
pub(super) fn logged_in(
    code: HeldCode,
    mut tries: Tries,
    result: Result<HttpResponse, TransportFailure>,
    f: Flags,
    ctx: &Ctx<'_>,
) -> Next {
    tries.server += 1;
    let failures = tries.server;
    match classify(result, Step::ServerLogin, failures) {
        Reply::Success(response) => granted(&response, f, ctx),
        // The code is spent: only a fresh one can succeed, and it needs no delay.
        Reply::CodeRejected(_) if allows_retry(ctx, failures) => obtain_code(f, tries, ctx),
        Reply::Transient(failure) => {
            let then = reusable(code, tries, ctx);
            retry_or_fail(then, failures, failure, Phase::Idle(Known::Nothing), f, ctx)
        }
        Reply::CodeRejected(failure) | Reply::Expired(failure) | Reply::Final(failure) => {
            fail(Phase::Idle(Known::Nothing), failure, f)
        }
    }
}

/// Rule 5: a 2xx login answer; only a valid one is stored, with exactly the server's token.
fn granted(response: &HttpResponse, f: Flags, ctx: &Ctx<'_>) -> Next {
    let now = ctx.now;
    // The token is validated by the decoder: a bad one is never stored or handed out.
    let granted = decode_login_response(response).map_err(|e| e.to_string());
    let session = granted.and_then(|grant| match expiry(now, grant.expires_in) {
        Some(expires_at) => Ok(Session {
            token: grant.token,
            expires_at,
        }),
        None => Err("the session ends before it starts".to_owned()),
    });
    match session {
        Ok(session) => {
            // Rule 7: a login caused by a rejection guards its token for a while.
            let guard = f
                .after_rejection
                .then(|| time_util::saturating_add(now, ctx.config.relogin_window));
            let stored = StoredSession {
                session,
                issued_at: now,
            };
            let record = StorageValue::new(stored.encode());
            ready(stored, guard, f).storage(StorageOp::Write(record))
        }
        Err(detail) => {
            let failure = malformed(Step::ServerLogin, response, &detail);
            fail(Phase::Idle(Known::Nothing), failure, f)
        }
    }
}

/// When a session granted `now` for `expires_in` seconds ends, if that is after `now`: a zero
/// lifetime, or one that saturates at the end of time, is no session at all.
/// The time is in UTC, as storage keeps it, so memory and the record agree.
fn expiry(now: OffsetDateTime, expires_in: u64) -> Option<OffsetDateTime> {
    let lifetime = crate::time_util::seconds(expires_in);
    Some(to_utc(time_util::saturating_add(now, lifetime))).filter(|&at| at > now)
}

fn malformed(step: Step, response: &HttpResponse, detail: &str) -> LoginFailure {
    LoginFailure::MalformedResponse {
        step,
        status: response.status,
        detail: detail.to_owned(),
    }
}
