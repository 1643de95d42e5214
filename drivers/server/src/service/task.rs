//! The one task that owns the [`LoginCoordinator`]: it feeds it every input (a login from a
//! route, an effect's result, a deadline), drains every command after each, and starts the
//! effects as tasks whose results come back through the same inbox.
//!
//! Every use of the coordinator's events and commands is in this file, so that a change of
//! the core's surface is a change here only.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use wxlogin::{EffectId, RequestId};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::SessionToken;
use wxlogin::server::login::{
    self, ExchangeFailure, ExchangeOutcome, LoginCoordinator, SessionStoreFailure,
};
use wxlogin::server::session::SessionRecord;

use super::effects::Effects;
use crate::clock::{sleep_for, sleep_opt};
use crate::redact::fingerprint;
use crate::store::StoreError;

/// What arrives at the login task.
pub(crate) enum Input {
    /// A client's `POST /login` body, and where its answer goes.
    Login {
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
        result: Result<(SessionToken, OffsetDateTime), StoreError>,
    },
}

pub(crate) struct LoginTask {
    coordinator: LoginCoordinator,
    inbox: mpsc::Receiver<Input>,
    /// Effects send their results here.
    outbox: mpsc::Sender<Input>,
    effects: Arc<Effects>,
    replies: HashMap<RequestId, oneshot::Sender<HttpResponse>>,
    next_request: u64,
    store_retry_after: time::Duration,
}

impl LoginTask {
    pub(crate) fn new(
        coordinator: LoginCoordinator,
        inbox: mpsc::Receiver<Input>,
        outbox: mpsc::Sender<Input>,
        effects: Arc<Effects>,
        store_retry_after: time::Duration,
    ) -> Self {
        Self {
            coordinator,
            inbox,
            outbox,
            effects,
            replies: HashMap::new(),
            next_request: 0,
            store_retry_after,
        }
    }

    pub(crate) async fn run(mut self) {
        loop {
            let deadline = self.coordinator.poll_timeout().map(sleep_for);
            tokio::select! {
                input = self.inbox.recv() => {
                    // The task holds a sender itself, so the channel never closes; the
                    // service aborts the task when its last handle is dropped.
                    let Some(input) = input else { return };
                    self.accept(input);
                }
                () = sleep_opt(deadline) => {
                    self.coordinator.handle_timeout(OffsetDateTime::now_utc());
                }
            }
            self.drain();
        }
    }

    /// Feeds one event; `false` when the coordinator did not apply it.
    fn feed(&mut self, event: login::Event) -> bool {
        match self.coordinator.handle(event, OffsetDateTime::now_utc()) {
            Ok(handled) if handled.is_late() => {
                // An answer after its deadline: the coordinator moved on without it.
                info!("late answer ignored (its effect was given up on)");
                false
            }
            Ok(_) => true,
            Err(error) => {
                warn!(%error, "login coordinator refused an event");
                false
            }
        }
    }

    fn accept(&mut self, input: Input) {
        match input {
            Input::Login { body, reply } => {
                let request = RequestId(self.next_request);
                self.next_request = self.next_request.wrapping_add(1);
                debug!(request = request.0, bytes = body.len(), "login received");
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
                let event = login::Event::SessionCreated {
                    id,
                    token: token.clone(),
                    expires_at,
                };
                if !self.feed(event) {
                    // Nobody will ever hold this token: take the session back out.
                    let effects = Arc::clone(&self.effects);
                    tokio::spawn(async move { effects.store.remove(&token).await });
                }
            }
            Input::SessionStored {
                id,
                result: Err(error),
            } => {
                warn!(effect = id.0, %error, "session not stored");
                let failure = self.store_failure(&error);
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
                    debug!(effect = id.0, ?request, "calling code2Session");
                    let effects = Arc::clone(&self.effects);
                    let outbox = self.outbox.clone();
                    let timeout = Duration::try_from(timeout).unwrap_or_default();
                    tokio::spawn(async move {
                        let result = effects.call_wechat(request, timeout).await;
                        let _ = outbox.send(Input::WeChatAnswered { id, result }).await;
                    });
                }
                login::Command::CreateSession { id, session } => self.create_session(id, session),
                login::Command::Complete {
                    waiters,
                    response,
                    outcome,
                } => {
                    for request in waiters {
                        self.respond(request, response.clone(), &outcome);
                    }
                }
            }
        }
    }

    /// Starts the store write. A store that answers without waiting (the memory store) is
    /// answered here, sparing a task and a trip through the inbox; any other is polled once
    /// here and then runs as a task that reports through the inbox.
    fn create_session(&mut self, id: EffectId, session: SessionRecord) {
        let effects = Arc::clone(&self.effects);
        let mut write = Box::pin(async move { effects.create_session(session).await });
        let mut ready = Context::from_waker(Waker::noop());
        if let Poll::Ready(result) = write.as_mut().poll(&mut ready) {
            self.accept(Input::SessionStored { id, result });
            return;
        }
        let outbox = self.outbox.clone();
        tokio::spawn(async move {
            let result = write.await;
            let _ = outbox.send(Input::SessionStored { id, result }).await;
        });
    }

    /// The store's error as the core's typed world failure: a store that is down or full is
    /// `Unavailable` (the client gets `503` with `retry_after`, never `401`), anything else
    /// `Failed` (`500`).
    fn store_failure(&self, error: &StoreError) -> SessionStoreFailure {
        let reason = error.to_string();
        if error.is_transient() {
            SessionStoreFailure::Unavailable {
                reason,
                retry_after: self.store_retry_after,
            }
        } else {
            SessionStoreFailure::Failed { reason }
        }
    }

    fn respond(&mut self, request: RequestId, response: HttpResponse, outcome: &ExchangeOutcome) {
        let response = match outcome {
            ExchangeOutcome::Granted { openid, token, .. } => {
                let token = fingerprint(token.expose_secret());
                info!(request = request.0, %openid, %token, "login granted");
                response
            }
            ExchangeOutcome::Failed(
                failure @ ExchangeFailure::SessionNotCreated(SessionStoreFailure::Unavailable {
                    ..
                }),
            ) => {
                // The core answered `503 upstream_unavailable` with `retry_after`.
                warn!(request = request.0, %failure, "login failed: the session store is down");
                response
            }
            ExchangeOutcome::Failed(failure) => {
                // `ExchangeFailure`'s messages never carry the code, the secret or a token.
                info!(request = request.0, status = response.status, %failure, "login failed");
                response
            }
            // `ExchangeOutcome` may grow; its `Debug` hides tokens.
            other => {
                info!(request = request.0, outcome = ?other, "login answered");
                response
            }
        };
        if let Some(reply) = self.replies.remove(&request) {
            // The client may have gone away; its answer is simply dropped.
            let _ = reply.send(response);
        }
    }
}
