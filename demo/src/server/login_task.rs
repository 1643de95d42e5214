//! The one task that owns the [`LoginCoordinator`]: it feeds it every input (a request from a
//! handler, an effect's result, a deadline), drains every command after each, and carries the
//! commands out. Effects run as their own tasks and come back through the same channel.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wxlogin::{EffectId, RequestId};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::SessionToken;
use wxlogin::server::login::{self, ExchangeOutcome, LoginCoordinator, SessionStoreFailure};
use wxlogin::server::session::SessionRecord;
use wxlogin::wire::{ErrorBody, ErrorKind};

use super::{DevServer, SessionStore};
use crate::clock::sleep_until;
use crate::http_client::HttpClient;
use crate::random;
use crate::trace::fingerprint;

/// What arrives at the login task.
#[derive(Debug)]
pub(super) enum Input {
    /// A client's `POST /login` body, and where to send the answer.
    Received {
        body: Vec<u8>,
        reply: oneshot::Sender<HttpResponse>,
    },
    /// A code2Session call finished.
    WeChatAnswered {
        id: EffectId,
        result: Result<HttpResponse, TransportFailure>,
    },
    /// The store took (or refused) a session.
    SessionStored {
        id: EffectId,
        result: Result<(SessionToken, OffsetDateTime), String>,
    },
}

pub(super) struct LoginTask<S> {
    pub(super) coordinator: LoginCoordinator,
    pub(super) inbox: mpsc::Receiver<Input>,
    /// Effects send their results here.
    pub(super) outbox: mpsc::Sender<Input>,
    pub(super) server: Arc<DevServer<S>>,
    pub(super) http: HttpClient,
    pub(super) call_grace: Duration,
    pub(super) replies: HashMap<RequestId, oneshot::Sender<HttpResponse>>,
    pub(super) next_request: u64,
}

/// The answer when the login task cannot give one (it never happens while the task runs).
pub(super) fn unavailable() -> HttpResponse {
    ErrorBody::new(ErrorKind::Internal, "the login service is unavailable").to_response()
}

impl<S: SessionStore> LoginTask<S> {
    pub(super) async fn run(mut self) {
        loop {
            let clock = self.server.clock;
            let deadline = self
                .coordinator
                .poll_timeout()
                .map(|at| clock.instant_at(at));
            tokio::select! {
                input = self.inbox.recv() => {
                    // The task holds a sender itself, so the channel never closes.
                    let Some(input) = input else { return };
                    self.accept(input);
                }
                () = sleep_until(deadline) => self.coordinator.handle_timeout(clock.now()),
            }
            self.drain();
        }
    }

    fn feed(&mut self, event: login::Event) {
        let now = self.server.clock.now();
        match self.coordinator.handle(event, now) {
            Ok(Handled::Applied) => {}
            // A result that arrives after its deadline: the coordinator moved on without it.
            Ok(Handled::Late) => self.log("late answer ignored (its deadline had passed)".into()),
            Err(error) => self.log(format!("driver error: {error}")),
        }
    }

    fn accept(&mut self, input: Input) {
        match input {
            Input::Received { body, reply } => {
                let request = RequestId(self.next_request);
                self.next_request += 1;
                self.replies.insert(request, reply);
                self.feed(login::Event::Received { request, body });
            }
            Input::WeChatAnswered { id, result } => {
                self.feed(login::Event::WeChatAnswered { id, result });
            }
            Input::SessionStored {
                id,
                result: Ok((token, expires_at)),
            } => {
                let now = self.server.clock.now();
                let event = login::Event::SessionCreated {
                    id,
                    token: token.clone(),
                    expires_at,
                };
                if let Err(error) = self.coordinator.handle(event, now) {
                    // Nobody will ever hold this token: take the session back out.
                    self.log(format!("session for {id} not used ({error}); removed"));
                    let store = Arc::clone(&self.server.store);
                    tokio::spawn(async move { store.remove(&token).await });
                }
            }
            Input::SessionStored {
                id,
                result: Err(reason),
            } => {
                // The demo's stores fail only for good (a full store, no randomness).
                let failure = SessionStoreFailure::Failed { reason };
                self.feed(login::Event::SessionNotCreated { id, failure });
            }
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.coordinator.poll_command() {
            match command {
                login::Command::CallWeChat {
                    id,
                    request,
                    timeout,
                } => {
                    // `Debug` of the request hides the secret and the code.
                    self.log(format!("-> CallWeChat {id}: {request:?}"));
                    let http = self.http.clone();
                    let outbox = self.outbox.clone();
                    let timeout = Duration::try_from(timeout).unwrap_or_default() + self.call_grace;
                    tokio::spawn(async move {
                        let result = http.send(&request, timeout).await;
                        let _ = outbox.send(Input::WeChatAnswered { id, result }).await;
                    });
                }
                login::Command::CreateSession { id, session } => {
                    self.log(format!(
                        "-> CreateSession {id} for openid {}",
                        session.openid
                    ));
                    let store = Arc::clone(&self.server.store);
                    let outbox = self.outbox.clone();
                    let server = Arc::clone(&self.server);
                    tokio::spawn(async move {
                        let result = create_session(store.as_ref(), session).await;
                        if result.is_ok() {
                            server.stats.session_created();
                        }
                        let _ = outbox.send(Input::SessionStored { id, result }).await;
                    });
                }
                login::Command::Complete {
                    waiters,
                    response,
                    outcome,
                } => {
                    let granted = matches!(outcome, ExchangeOutcome::Granted { .. });
                    for request in waiters {
                        self.server.stats.answered(granted);
                        self.log(format!(
                            "-> Complete {request}: {} {}",
                            response.status,
                            describe(&outcome)
                        ));
                        if let Some(reply) = self.replies.remove(&request) {
                            // The client may have gone away; its answer is simply dropped.
                            let _ = reply.send(response.clone());
                        }
                    }
                }
            }
        }
    }

    fn log(&self, text: String) {
        self.server.trace.log("server", text);
    }
}

/// Stores `session` under a fresh token from the operating system's generator.
async fn create_session<S: SessionStore>(
    store: &S,
    session: SessionRecord,
) -> Result<(SessionToken, OffsetDateTime), String> {
    let token = random::session_token().map_err(|e| e.to_string())?;
    let expires_at = session.expires_at;
    store
        .insert(token.clone(), session)
        .await
        .map_err(|e| e.to_string())?;
    Ok((token, expires_at))
}

/// The outcome for the log: who got which session (as a fingerprint), or why not.
fn describe(outcome: &ExchangeOutcome) -> String {
    match outcome {
        ExchangeOutcome::Granted { openid, token, .. } => {
            format!("granted {} to {openid}", fingerprint(token))
        }
        ExchangeOutcome::Failed(failure) => format!("failed: {failure}"),
        // `ExchangeOutcome` may grow; its `Debug` hides tokens.
        other => format!("{other:?}"),
    }
}
