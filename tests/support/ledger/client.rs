//! The world as the client harness sees it, whatever the machine did: which effects are in the
//! world, whether the world has said there is no usable session (the only reason for
//! `wx.login`), and which token was refused after its re-login.

use std::collections::HashMap;

use time::OffsetDateTime;
use wxlogin::client::{Command, Event, LoginConfig};
use wxlogin::http::HttpResponse;
use wxlogin::test_support::{StoredLookup, StoredSession};
use wxlogin::wire::{ErrorBody, ErrorKind};

#[derive(Default)]
pub(crate) struct Ledger {
    /// Effects in the world: id, deadline, and the command (from it until its answer or its
    /// deadline, whatever the machine did in between).
    in_world: Vec<(u64, OffsetDateTime, bool)>,
    /// The latest time seen: a deadline once passed stays passed when the clock goes back.
    latest: Option<OffsetDateTime>,
    /// Every effect command, by id, to know what an answer answers.
    effects: HashMap<u64, Command>,
    /// Effects answered (by an answer the machine took), to recognise doubled answers.
    answered: Vec<u64>,
    /// The world said there is no usable session: a miss in storage, an expiry answer, a
    /// rejection, a logout, or a session past its expiry. Only then may `wx.login` start;
    /// transient failures never grant it.
    licensed: bool,
    /// When the last valid stored record expires (the machine may keep it after a failed
    /// check and log in once it has expired).
    stored_expiry: Option<OffsetDateTime>,
    pub(crate) wx_logins: u64,
}

impl Ledger {
    pub(crate) fn seen(&mut self, now: OffsetDateTime) {
        self.latest = Some(self.latest.map_or(now, |t| t.max(now)));
    }

    /// Whether `id` was answered before.
    pub(crate) fn was_answered(&self, id: u64) -> bool {
        self.answered.contains(&id)
    }

    /// An answer the machine took (applied or late): the effect has left the world.
    pub(crate) fn answered(&mut self, id: u64) {
        self.in_world.retain(|(effect, ..)| *effect != id);
        self.answered.push(id);
    }

    /// The effect command `id` was, if any.
    pub(crate) fn effect(&self, id: u64) -> Option<&Command> {
        self.effects.get(&id)
    }

    /// Rule 2 in the world: a new effect starts only when every earlier one was answered or
    /// passed its deadline, and `wx.login` only when the world said there is no session.
    pub(crate) fn enter(&mut self, command: &Command, now: OffsetDateTime, config: &LoginConfig) {
        let Some(id) = command.id() else { return };
        self.seen(now);
        let latest = self.latest.unwrap_or(now);
        self.in_world.retain(|&(_, deadline, _)| deadline > latest);
        assert!(
            self.in_world.is_empty(),
            "{command:?} started while {:?} is still in the world",
            self.in_world
        );
        let timeouts = config.timeouts;
        let (timeout, wx) = match command {
            Command::ReadStorage { .. } => (timeouts.storage, false),
            Command::CheckWxSession { .. } => (timeouts.check_session, false),
            Command::WxLogin { .. } => (timeouts.wx_login, true),
            _ => (timeouts.request, false),
        };
        if wx {
            assert!(
                self.licensed,
                "wx.login without an expiry, a miss, a rejection or a logout"
            );
            self.wx_logins += 1;
        }
        // Saturating like the machine: a deadline past the end of time is the end of time.
        self.in_world.push((id.0, now.saturating_add(timeout), wx));
        self.effects.insert(id.0, command.clone());
    }

    /// What an applied event tells of the session: `held` is the machine's session before it.
    pub(crate) fn learn(&mut self, event: &Event, now: OffsetDateTime, held_expired: bool) {
        let stored_expired = self.stored_expiry.is_some_and(|at| now >= at);
        let license = match event {
            Event::LoginRequested { .. } => held_expired || stored_expired,
            Event::SessionRejected { .. } | Event::Logout => true,
            Event::StorageRead { value, .. } => {
                let text = value.as_ref().map(|v| v.expose_secret());
                match StoredSession::lookup(text, now) {
                    StoredLookup::Valid(stored) => {
                        self.stored_expiry = Some(stored.session.expires_at);
                        false
                    }
                    _ => true,
                }
            }
            Event::CheckSessionResult { result, .. } => result.is_err(),
            Event::CodeObtained { .. } => false,
            Event::ServerResponse { id, result } => match (self.effect(id.0), result) {
                (Some(Command::SendRequest { request, .. }), Ok(response))
                    if !request.url.ends_with("/login") =>
                {
                    check_says_expired(response)
                }
                _ => false,
            },
        };
        self.licensed |= license;
    }

    /// The machine holds a verified session: the next `wx.login` needs a new reason.
    pub(crate) fn verified(&mut self) {
        self.licensed = false;
        self.stored_expiry = None;
    }
}

/// A session-check answer after which the machine may log in: 401, `session_expired`, or a
/// 2xx (whose lifetime may be zero).
fn check_says_expired(response: &HttpResponse) -> bool {
    let kind = serde_json::from_slice::<ErrorBody>(&response.body)
        .ok()
        .map(|body| body.error);
    response.is_success() || response.status == 401 || kind == Some(ErrorKind::SessionExpired)
}
