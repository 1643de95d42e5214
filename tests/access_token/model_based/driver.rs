//! The fake world of the access token model test: the real `AccessTokenCache`, a fake WeChat
//! that answers its fetches, and the checks made on every command it emits.

use std::collections::{BTreeSet, HashMap};
use wxlogin::{EffectId, WaiterId};

use crate::model_support::{self, Unexpected};
use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, Method, TransportFailure};
use wxlogin::secret::AccessToken;
use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenError, AccessTokenState, CachedToken, Command, Event, ForceLedger,
    ForceRefused, TokenFailure,
};
use wxlogin::server::wechat_api::ApiFailure;

use super::world::{
    Ans, Api, CALL_TIMEOUT, DAILY_LIMIT, Exp, FORCE_SPACING, Fail, Ledger, Refusal, Snap, Tok,
    beijing_day,
};
use crate::markers::assert_quiet;
use crate::token_ledger::{EventFacts, FetchLedger, assert_late};
use crate::wechat::app::BASE_URL;
use crate::wechat::{errcode, token};

/// The real cache and the fake world around it.
pub(crate) struct Driver {
    pub(crate) cache: AccessTokenCache,
    pub(crate) now: OffsetDateTime,
    pub(crate) plain: bool,
    /// The last fetch id drained: the one outstanding, unless it was answered or timed out.
    pub(crate) last_fetch: Option<EffectId>,
    /// Fetches seen; ids must follow this count.
    pub(crate) issued: u64,
    pub(crate) next_waiter: u64,
    pub(crate) waiting: BTreeSet<u64>,
    pub(crate) completed: BTreeSet<u64>,
    /// Every state published, in order.
    pub(crate) published: Vec<AccessTokenState>,
    /// Forced fetches sent, in model milliseconds (the first from the starting ledger).
    pub(crate) forced: Vec<i64>,
    /// Forced fetches per Beijing day, the starting ledger's count included.
    pub(crate) forced_per_day: HashMap<i64, u32>,
    /// Fetches started by rejections of each fetch since it was last the cached one.
    pub(crate) storms: HashMap<(String, u64), u32>,
    /// The fetches in the world, and what caused them.
    pub(crate) world: FetchLedger<i64>,
    /// The refresh margin, in model milliseconds.
    pub(crate) margin: i64,
}

pub(crate) use model_support::{at, ms};

pub(crate) fn state_of(snap: &Snap, v: u32) -> AccessTokenState {
    AccessTokenState {
        v,
        token: snap.token.as_ref().map(|t| CachedToken {
            access_token: AccessToken::new(t.text.clone()),
            fetched_at: at(t.fetched),
            expires_at: at(t.expires),
            generation: t.generation,
        }),
        forced: ForceLedger {
            day: snap.ledger.day,
            count: snap.ledger.count,
            last: snap.ledger.last.map(at),
        },
    }
}

pub(crate) fn snap_of(state: &AccessTokenState) -> Snap {
    assert_eq!(state.v, 1, "states are written in version 1");
    Snap {
        token: state.token.as_ref().map(|t| Tok {
            text: t.access_token.expose_secret().to_owned(),
            fetched: ms(t.fetched_at),
            expires: ms(t.expires_at),
            generation: t.generation,
        }),
        ledger: Ledger {
            day: state.forced.day,
            count: state.forced.count,
            last: state.forced.last.map(ms),
        },
    }
}

impl Driver {
    pub(crate) fn new_waiter(&mut self) -> WaiterId {
        self.next_waiter += 1;
        WaiterId(self.next_waiter - 1)
    }

    /// Feeds an event; an accepted waiter is now waiting, an answer or a rejection goes in
    /// the world's ledger.
    pub(crate) fn feed(&mut self, event: Event) -> Result<Handled, AccessTokenError> {
        let EventFacts {
            waiter,
            answered,
            rejected,
        } = self.world.before(&event, ms(self.now));
        let result = self.cache.handle(event, self.now);
        match (&result, answered) {
            (Ok(handled), Some((id, granted))) => {
                self.world.answered(id, handled.is_late(), granted);
            }
            (Ok(_), None) => self.world.rejected_pair(rejected),
            (Err(_), _) => {}
        }
        if let (Ok(Handled::Applied), Some(waiter)) = (&result, waiter) {
            assert!(self.waiting.insert(waiter.0), "{waiter} accepted twice");
        }
        result
    }

    /// The refresh instant of a fetch, from the module docs: `refresh_margin` before expiry,
    /// never before half its life, and never after its expiry.
    pub(crate) fn instant(&self, tok: &Tok) -> i64 {
        let half = tok.fetched + (tok.expires - tok.fetched) / 2;
        (tok.expires - self.margin).max(half).min(tok.expires)
    }

    /// The cache was given (or granted) the fetch in `snap`, if any.
    pub(crate) fn held(&mut self, snap: &Snap, again: bool) {
        if let Some(tok) = &snap.token {
            let instant = self.instant(tok);
            self.world.held(tok.pair(), instant, again);
        }
    }

    pub(crate) fn outstanding(&self) -> EffectId {
        let id = self.cache.outstanding().expect("a fetch is out");
        assert_eq!(
            Some(id),
            self.last_fetch,
            "the outstanding fetch is the last sent"
        );
        id
    }

    /// The fake WeChat.
    pub(crate) fn response(ans: &Ans) -> Result<HttpResponse, TransportFailure> {
        Ok(match ans {
            Ans::Granted { token, expires_in } => token::answer(token, *expires_in),
            Ans::Errcode(code) => errcode::answer(*code, "no rid: 0a1b-2c3d"),
            Ans::Garbage => HttpResponse::json(200, b"<html>gateway</html>".to_vec()),
            Ans::Status(status) => HttpResponse::json(*status, Vec::new()),
            Ans::Transport => {
                return Err(TransportFailure::Connection {
                    message: "connection reset".into(),
                });
            }
        })
    }

    /// Checks one command against the invariants, applies it to the fake world, and turns it
    /// into the model's form.
    pub(crate) fn observe(&mut self, command: &Command) -> Exp {
        match command {
            Command::Fetch {
                id,
                request,
                timeout,
                force,
            } => {
                assert_eq!(
                    *id,
                    EffectId(self.issued),
                    "fetch ids are given out in order"
                );
                self.issued += 1;
                // At most one fetch outstanding: the previous one is now answered or late.
                if let Some(previous) = self.last_fetch {
                    assert_late(&self.cache, previous, self.now);
                }
                self.last_fetch = Some(*id);
                let now = ms(self.now);
                self.world
                    .fetch(id.0, now + timeout.whole_milliseconds() as i64, *force, now);
                assert_eq!(*timeout, Duration::milliseconds(CALL_TIMEOUT));
                if self.plain {
                    assert_eq!(request.method, Method::Get);
                    assert!(
                        request
                            .url
                            .starts_with(&format!("{BASE_URL}/cgi-bin/token?"))
                    );
                } else {
                    assert_eq!(request.method, Method::Post);
                    assert_eq!(request.url, format!("{BASE_URL}/cgi-bin/stable_token"));
                    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                    assert_eq!(body["force_refresh"], *force, "force_refresh flag");
                }
                if *force {
                    self.check_force_spacing();
                }
                Exp::Fetch {
                    id: id.0,
                    force: *force,
                }
            }
            Command::Complete {
                waiters,
                outcome: Ok(granted),
            } => {
                let (token, expires_at, generation) = (
                    &granted.access_token,
                    &granted.expires_at,
                    &granted.generation,
                );
                self.complete(waiters);
                assert!(*expires_at > self.now, "an expired token handed out");
                Exp::Ready {
                    waiters: waiters.iter().map(|w| w.0).collect(),
                    token: token.expose_secret().to_owned(),
                    expires: ms(*expires_at),
                    generation: *generation,
                }
            }
            Command::Complete {
                waiters,
                outcome: Err(error),
            } => {
                self.complete(waiters);
                Exp::Failed {
                    waiters: waiters.iter().map(|w| w.0).collect(),
                    fail: fail(error),
                }
            }
            Command::Publish { state } => {
                self.published.push(state.clone());
                let snap = snap_of(state);
                self.held(&snap, false);
                Exp::Publish(snap)
            }
            Command::LoadShared { .. } => panic!("a WeChat cache loaded shared state"),
        }
    }

    /// No `Debug` of the cache or of a command shows the secret or a token.
    pub(crate) fn check_debug(&self, commands: &[Command], seen: &[(String, u64)]) {
        let mut debug = format!("{:?}", self.cache);
        for command in commands {
            debug.push_str(&format!("{command:?}"));
        }
        assert_quiet("a Debug", &debug);
        for (token, _) in seen {
            assert!(!debug.contains(token.as_str()), "{token} in {debug}");
        }
    }

    fn complete(&mut self, waiters: &[WaiterId]) {
        assert!(!waiters.is_empty(), "a completion for nobody");
        for waiter in waiters {
            assert!(self.waiting.remove(&waiter.0), "{waiter} never waited");
            assert!(self.completed.insert(waiter.0), "{waiter} completed twice");
        }
    }

    /// docs/protocol.md §3: forced refreshes at least 30 s apart, at most 20 per Beijing day.
    fn check_force_spacing(&mut self) {
        let now = ms(self.now);
        if let Some(&last) = self.forced.iter().max() {
            assert!(
                now >= last + FORCE_SPACING,
                "a forced refresh {} ms after the previous one",
                now - last
            );
        }
        self.forced.push(now);
        let count = self.forced_per_day.entry(beijing_day(now)).or_default();
        *count += 1;
        assert!(
            *count <= DAILY_LIMIT,
            "{count} forced refreshes in a Beijing day"
        );
    }
}

pub(crate) fn refusal(error: &AccessTokenError) -> Refusal {
    match error {
        AccessTokenError::UnknownId { id } => Refusal::Unknown(id.0),
        AccessTokenError::UnexpectedEvent {
            state,
            expected,
            got,
        } => Refusal::Unexpected(Unexpected::of(state, expected, got)),
        AccessTokenError::DuplicateWaiter { waiter } => Refusal::Duplicate(waiter.0),
        AccessTokenError::NotATokenError { errcode } => Refusal::NotToken(*errcode),
        AccessTokenError::InvalidState { reason } => Refusal::Invalid(reason),
        other => panic!("a refusal the model does not know: {other}"),
    }
}

pub(crate) fn fail(failure: &TokenFailure) -> Fail {
    match failure {
        TokenFailure::Unavailable { attempts, last } => Fail::Unavailable {
            attempts: *attempts,
            last: api(last),
        },
        TokenFailure::ForceRefused(ForceRefused::TooSoon { retry_at }) => Fail::TooSoon {
            retry_at: ms(*retry_at),
        },
        TokenFailure::ForceRefused(ForceRefused::DailyLimit {
            retry_at: Some(retry_at),
        }) => Fail::DailyLimit {
            retry_at: ms(*retry_at),
        },
        TokenFailure::Busy => Fail::Busy,
        other => panic!("a failure the model does not know: {other}"),
    }
}

pub(crate) fn api(error: &ApiFailure) -> Api {
    match error {
        ApiFailure::Transport(TransportFailure::Timeout) => Api::Timeout,
        ApiFailure::Transport(_) => Api::Transport,
        ApiFailure::Status { status, .. } => Api::Status(*status),
        ApiFailure::WeChat(e) => Api::WeChat(e.errcode),
        ApiFailure::Malformed { .. } => Api::Malformed,
        other => panic!("an api error the model does not know: {other}"),
    }
}

impl Driver {
    /// Compare-and-expire under a storm: rejections (without waiters) of one fetch make at
    /// most one refresh between two times it is cached, and a fetch no longer cached makes
    /// none, even when a later fetch re-issued its text. A refresh ahead that was due anyway
    /// is not the storm's.
    pub(crate) fn check_storm(
        &mut self,
        token: &(String, u64),
        current: bool,
        due: bool,
        commands: &[Command],
    ) {
        if current {
            self.storms.insert(token.clone(), 0);
        }
        if due {
            return;
        }
        let fetches = commands
            .iter()
            .filter(|c| matches!(c, Command::Fetch { .. }))
            .count() as u32;
        assert!(
            current || fetches == 0,
            "a rejection of an old fetch fetched"
        );
        let storm = self.storms.entry(token.clone()).or_default();
        *storm += fetches;
        assert!(*storm <= 1, "{storm} refreshes for one storm of rejections");
    }
}

pub(crate) fn rejection(
    token: &str,
    generation: u64,
    errcode: i64,
    waiter: Option<WaiterId>,
) -> Event {
    Event::TokenRejected {
        token: AccessToken::new(token),
        generation,
        errcode,
        waiter,
    }
}

pub(crate) fn late_answer(id: EffectId) -> Event {
    let body = br#"{"access_token":"late","expires_in":7200}"#.to_vec();
    Event::FetchAnswered {
        id,
        result: Ok(HttpResponse::json(200, body)),
    }
}
