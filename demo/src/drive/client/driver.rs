//! The driver loop: one task that owns a `LoginMachine`, carries out its commands over real
//! HTTP, files and the fake `wx`, and honours its deadlines.
//!
//! Each turn: drain every command (effects start as tasks in a `JoinSet`, storage writes and
//! completions happen in order), then wait for whichever comes first: a request from the app,
//! an effect's answer, or the machine's deadline (`sleep_until(poll_timeout)`). An answer that
//! arrives after its deadline is `Ok(Handled::Late)`: expected, ignored, counted.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wxlogin::WaiterId;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use wxlogin::Handled;
use wxlogin::client::{Command, Event, LoginMachine};
use wxlogin::secret::StorageValue;

use super::storage::FileStorage;
use super::wx::FakeWx;
use super::{AppRequest, ClientError, DriverReport, LoginReply};
use crate::drive::clock::{Clock, sleep_until};
use crate::drive::http_client::HttpClient;
use crate::drive::log::Log;

pub(super) struct Driver {
    pub(super) name: String,
    pub(super) machine: LoginMachine,
    pub(super) wx: FakeWx,
    pub(super) storage: FileStorage,
    pub(super) http: HttpClient,
    pub(super) clock: Clock,
    pub(super) trace: Arc<dyn Log>,
    /// Extra time given to the HTTP client beyond the machine's timeout, so that the machine's
    /// deadline decides and a late answer shows up as stale.
    pub(super) grace: Duration,
    pub(super) replies: HashMap<WaiterId, LoginReply>,
    pub(super) next_waiter: u64,
    pub(super) effects: JoinSet<Event>,
    pub(super) report: DriverReport,
}

impl Driver {
    pub(super) async fn run(
        mut self,
        mut inbox: mpsc::UnboundedReceiver<AppRequest>,
    ) -> DriverReport {
        let mut closing = false;
        loop {
            self.drain().await;
            if closing && self.replies.is_empty() {
                // Effects still running were abandoned by the machine; dropping the set
                // cancels them.
                return self.report;
            }
            let deadline = self.machine.poll_timeout();
            if closing && deadline.is_none() && self.effects.is_empty() {
                self.report
                    .contract_errors
                    .push("waiters left with nothing pending".into());
                return self.report;
            }
            let wake_at = deadline.map(|at| self.clock.instant_at(at));
            tokio::select! {
                request = inbox.recv(), if !closing => match request {
                    Some(AppRequest::Shutdown) | None => closing = true,
                    Some(request) => self.accept(request),
                },
                Some(joined) = self.effects.join_next() => match joined {
                    Ok(event) => self.answer(event),
                    Err(error) => self.log(format!("an effect task failed: {error}")),
                },
                () = sleep_until(wake_at) => {
                    self.log("deadline reached: handle_timeout".into());
                    self.machine.handle_timeout(self.clock.now());
                }
            }
        }
    }

    fn accept(&mut self, request: AppRequest) {
        let event = match request {
            AppRequest::Login { reply } => Event::LoginRequested {
                waiter: self.waiter(reply),
            },
            AppRequest::Rejected { token, reply } => Event::SessionRejected {
                waiter: self.waiter(reply),
                token,
            },
            AppRequest::Logout => Event::Logout,
            AppRequest::Shutdown => return,
        };
        self.answer(event);
    }

    fn waiter(&mut self, reply: LoginReply) -> WaiterId {
        let waiter = WaiterId(self.next_waiter);
        self.next_waiter += 1;
        self.replies.insert(waiter, reply);
        waiter
    }

    /// Feeds one event; a refusal is the driver's mistake, a late answer is not.
    fn answer(&mut self, event: Event) {
        let line = super::describe::event(&event);
        match self.machine.handle(event, self.clock.now()) {
            Ok(Handled::Applied) => self.log(format!("<- {line}")),
            Ok(Handled::Late) => {
                self.report.stale_answers += 1;
                self.log(format!("<- {line}: stale, ignored (no longer awaited)"));
            }
            Err(error) => {
                self.log(format!("<- {line}: refused: {error}"));
                self.report.contract_errors.push(error.to_string());
            }
        }
    }

    /// Carries out every queued command, in order.
    async fn drain(&mut self) {
        while let Some(command) = self.machine.poll_command() {
            self.log(format!("-> {}", super::describe::command(&command)));
            match command {
                Command::ReadStorage { id, key } => {
                    let storage = self.storage.clone();
                    self.effects.spawn(async move {
                        // Unreadable storage counts as empty: logging in again is always safe.
                        let value = storage.read(&key).await.ok().flatten();
                        let value = value.map(StorageValue::new);
                        Event::StorageRead { id, value }
                    });
                }
                Command::CheckWxSession { id } => {
                    let wx = self.wx.clone();
                    self.effects.spawn(async move {
                        let result = wx.check_session().await;
                        Event::CheckSessionResult { id, result }
                    });
                }
                Command::WxLogin { id, timeout_ms } => {
                    self.report.wx_login_calls += 1;
                    let wx = self.wx.clone();
                    let timeout = Duration::from_millis(timeout_ms) + self.grace;
                    self.effects.spawn(async move {
                        let result = wx.login(timeout).await;
                        Event::CodeObtained { id, result }
                    });
                }
                Command::SendRequest {
                    id,
                    request,
                    timeout_ms,
                } => {
                    self.report.requests_sent += 1;
                    let http = self.http.clone();
                    let timeout = Duration::from_millis(timeout_ms) + self.grace;
                    self.effects.spawn(async move {
                        let result = http.send(&request, timeout).await;
                        Event::ServerResponse { id, result }
                    });
                }
                Command::WriteStorage { key, value } => {
                    if let Err(e) = self.storage.write(&key, value.expose_secret()).await {
                        // No answer is expected: the next launch simply logs in again.
                        self.log(format!("storage write failed: {e}"));
                    }
                }
                Command::RemoveStorage { key } => {
                    if let Err(e) = self.storage.remove(&key).await {
                        self.log(format!("storage remove failed: {e}"));
                    }
                }
                Command::Complete { waiters, outcome } => {
                    for waiter in waiters {
                        if let Some(reply) = self.replies.remove(&waiter) {
                            // The caller may have stopped waiting; that is its business.
                            let _ = reply.send(outcome.clone().map_err(ClientError::Login));
                        }
                    }
                }
            }
        }
    }

    fn log(&self, text: String) {
        self.trace.log(&self.name, text);
    }
}
