//! What a developer server's reply means for the flow (rules 4 and 8): success, an expired
//! session, a spent code, a transient failure worth retrying, or a final one.

use crate::client::error::{LoginFailure, Step};
use crate::http::{HttpResponse, TransportFailure};
use crate::wire::{ErrorBody, ErrorKind, parse_json};

/// What a server answer means for the flow.
pub(super) enum Reply {
    Success(HttpResponse),
    /// The server's session has ended (session check only).
    Expired(LoginFailure),
    /// The login code was invalid or used (login only).
    CodeRejected(LoginFailure),
    /// Worth retrying: transport errors, 408 and 5xx.
    Transient(LoginFailure),
    Final(LoginFailure),
}

/// Classes the `attempts`-th reply to `step`, keeping what the server said (rule 8).
pub(super) fn classify(
    result: Result<HttpResponse, TransportFailure>,
    step: Step,
    attempts: u32,
) -> Reply {
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
