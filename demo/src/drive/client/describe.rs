//! One short, redacted line per event and command for the trace. Codes, tokens and the
//! storage record never appear; a token shows as its fingerprint.

use wxlogin::client::{Command, Event, LoginFailure};
use wxlogin::wire::ErrorBody;

use crate::drive::log::fingerprint;

/// The command as a trace line.
pub(super) fn command(command: &Command) -> String {
    match command {
        Command::ReadStorage { id, key } => format!("ReadStorage #{} {key:?}", id.0),
        Command::CheckWxSession { id } => format!("CheckWxSession #{}", id.0),
        Command::WxLogin { id, timeout_ms } => {
            format!("WxLogin #{} (timeout {timeout_ms} ms)", id.0)
        }
        Command::SendRequest {
            id,
            request,
            timeout_ms,
        } => format!(
            "SendRequest #{} {} {} (timeout {timeout_ms} ms)",
            id.0,
            request.method.as_str(),
            request.url
        ),
        Command::WriteStorage { key, .. } => format!("WriteStorage {key:?} (record not shown)"),
        Command::RemoveStorage { key } => format!("RemoveStorage {key:?}"),
        Command::Complete { waiters, outcome } => {
            let waiters: Vec<u64> = waiters.iter().map(|w| w.0).collect();
            let outcome = match outcome {
                Ok(session) => format!("logged in with {}", fingerprint(&session.token)),
                Err(failure) => format!("failed: {}", self::failure(failure)),
            };
            format!("Complete {waiters:?} {outcome}")
        }
    }
}

/// The event as a trace line.
pub(super) fn event(event: &Event) -> String {
    match event {
        Event::LoginRequested { waiter } => format!("LoginRequested waiter {}", waiter.0),
        Event::StorageRead { id, value } => {
            let found = if value.is_some() {
                "a record"
            } else {
                "nothing"
            };
            format!("StorageRead #{} {found}", id.0)
        }
        Event::CheckSessionResult { id, result } => match result {
            Ok(()) => format!("CheckSessionResult #{} ok", id.0),
            Err(e) => format!("CheckSessionResult #{} {:?}", id.0, e.err_msg),
        },
        Event::CodeObtained { id, result } => match result {
            Ok(_) => format!("CodeObtained #{} a code (not shown)", id.0),
            Err(e) => format!("CodeObtained #{} {:?}", id.0, e.err_msg),
        },
        Event::ServerResponse { id, result } => match result {
            Ok(response) => format!("ServerResponse #{} {}", id.0, response.status),
            Err(error) => format!("ServerResponse #{} {error}", id.0),
        },
        Event::SessionRejected { waiter, token } => {
            format!("SessionRejected waiter {} {}", waiter.0, fingerprint(token))
        }
        Event::Logout => "Logout".into(),
    }
}

/// A failure with what the server's error body said, when it sent one.
pub fn failure(failure: &LoginFailure) -> String {
    match failure {
        LoginFailure::Server {
            error: Some(body), ..
        } => format!("{failure} ({})", error_body(body)),
        other => other.to_string(),
    }
}

fn error_body(body: &ErrorBody) -> String {
    let mut text = format!("{:?}", body.error);
    if let Some(errcode) = body.errcode {
        text.push_str(&format!(", errcode {errcode}"));
    }
    if let Some(retry_after) = body.retry_after {
        text.push_str(&format!(", retry after {retry_after} s"));
    }
    if let Some(rid) = &body.rid {
        text.push_str(&format!(", rid {rid}"));
    }
    text
}
