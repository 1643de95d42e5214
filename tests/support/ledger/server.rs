//! The code exchange seen from the world: which requests wait for an answer, which code2Session
//! calls WeChat is working on, and what WeChat may have done with each code. Kept from the
//! commands the login machines emit and the answers and clock the driver gives them, never from
//! the machines' own view. Shared by the server scenario harness (`server_util`), the random
//! walk and the `server_login` fuzz harness.
//!
//! A call is **in the world** from its `CallWeChat` command until its answer is taken or the
//! machine stops awaiting it (its deadline passed). The invariants:
//!
//! 1. Every effect id is given out once.
//! 2. Every accepted request gets exactly one answer: none is answered twice or without being
//!    asked, every `Complete` names someone, and once the world has answered everything (or
//!    let every deadline pass) nobody is left waiting.
//! 3. At most one code2Session call per code is in the world at a time (duplicates are joined).
//! 4. A retry (a call no request started) is never sent at or after the code's life
//!    ([`CODE_LIFETIME`] from its exchange's start).
//! 5. Where the coordinator remembers every code the run uses (so no eviction forgets one), a
//!    code reaches code2Session again only if WeChat cannot have taken it (see
//!    [`non_transient`]) or once its life has passed.
//! 6. A refused event and a late answer leave the machine `==` its clone from before.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{Debug, Display};

use time::OffsetDateTime;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::server::code2session::WeChatSession;
use wxlogin::server::login::{self, ExchangeError};
use wxlogin::server::wechat_api::{self, ErrorClass};
use wxlogin::wire::CODE_LIFETIME;
use wxlogin::{EffectId, Handled, RequestId};

pub(crate) struct ExchangeLedger {
    /// Whether invariant 5 is asserted.
    remembers_all: bool,
    /// The latest time seen: what the coordinator may have forgotten by.
    latest: Option<OffsetDateTime>,
    /// Accepted requests not answered yet.
    pub(crate) pending: BTreeSet<RequestId>,
    /// Every effect id given out.
    pub(crate) given: BTreeSet<EffectId>,
    /// code2Session calls in the world: effect id -> code.
    pub(crate) calls: BTreeMap<EffectId, String>,
    /// When each code's current exchange started.
    started: BTreeMap<String, OffsetDateTime>,
    /// Until when an answer WeChat may have taken the code with forbids sending it again.
    sealed: BTreeMap<String, OffsetDateTime>,
}

impl ExchangeLedger {
    pub(crate) fn new(remembers_all: bool) -> Self {
        Self {
            remembers_all,
            latest: None,
            pending: BTreeSet::new(),
            given: BTreeSet::new(),
            calls: BTreeMap::new(),
            started: BTreeMap::new(),
            sealed: BTreeMap::new(),
        }
    }

    /// The world's clock read `now`.
    pub(crate) fn seen(&mut self, now: OffsetDateTime) {
        self.latest = Some(self.latest.map_or(now, |t| t.max(now)));
    }

    /// The machine accepted `request` (invariant 2).
    pub(crate) fn accepted(&mut self, request: RequestId) {
        assert!(self.pending.insert(request), "{request} accepted twice");
    }

    /// A `CreateSession` command went out (invariant 1).
    pub(crate) fn creation(&mut self, id: EffectId) {
        assert!(self.given.insert(id), "{id} given out twice");
    }

    /// A `CallWeChat` command for `code` went out at `now`; `after_request` says whether a
    /// request just came in (the call starts an exchange) or not (a retry). Invariants 1, 3, 4
    /// and 5.
    pub(crate) fn call(
        &mut self,
        id: EffectId,
        code: &str,
        now: OffsetDateTime,
        after_request: bool,
    ) {
        assert!(self.given.insert(id), "{id} given out twice");
        assert!(
            !self.calls.values().any(|c| c == code),
            "two code2Session calls for one code at once"
        );
        if after_request {
            self.started.insert(code.to_owned(), now);
        } else {
            let life = self.started[code].saturating_add(CODE_LIFETIME);
            assert!(now < life, "a retry sent at or after the code's life");
        }
        if let Some(&until) = self.sealed.get(code).filter(|_| self.remembers_all) {
            assert!(
                self.latest.is_some_and(|latest| latest >= until),
                "a code sent again after an answer WeChat may have taken it with, within its life"
            );
        }
        self.calls.insert(id, code.to_owned());
    }

    /// What the machine did with an event about effect `id` (if any) that it awaited or not;
    /// `took_code` says whether the event is an answer WeChat may have taken the code with
    /// (see [`non_transient`]). Invariant 1 for answers: one to an id given out earlier and no
    /// longer awaited is late, one to an id never given out is unknown, and only awaited ids
    /// are applied. An applied answer leaves the world, and sealed its code if it took it.
    pub(crate) fn handled(
        &mut self,
        id: Option<EffectId>,
        awaited: bool,
        took_code: bool,
        result: &Result<Handled, ExchangeError>,
    ) {
        match (result, id) {
            (Ok(Handled::Late), Some(id)) => assert!(self.given.contains(&id) && !awaited),
            (Err(ExchangeError::UnknownId { id }), _) => assert!(!self.given.contains(id)),
            (Err(ExchangeError::DuplicateRequest { request }), _) => {
                assert!(self.pending.contains(request));
            }
            (Ok(_), Some(id)) if !awaited => panic!("{id} is not awaited, yet applied"),
            (Err(_), Some(id)) if self.given.contains(&id) && !awaited => {
                panic!("{id} was given out earlier, yet refused rather than late")
            }
            (Ok(Handled::Applied), Some(id)) => self.taken(id, took_code),
            _ => {}
        }
    }

    fn taken(&mut self, id: EffectId, took_code: bool) {
        if let Some(code) = self.calls.remove(&id)
            && took_code
        {
            let until = self.started[&code].saturating_add(CODE_LIFETIME);
            self.sealed.insert(code, until);
        }
    }

    /// Forgets the calls the machine no longer awaits (their deadline passed).
    pub(crate) fn prune(&mut self, awaited: impl Fn(EffectId) -> bool) {
        self.calls.retain(|id, _| awaited(*id));
    }

    /// A `Complete` answered `waiters` (invariant 2).
    pub(crate) fn completed(&mut self, waiters: &[RequestId]) {
        assert!(!waiters.is_empty(), "a Complete that answers nobody");
        for request in waiters {
            assert!(
                self.pending.remove(request),
                "{request} answered twice or never asked"
            );
        }
    }

    /// The world has answered everything: nobody is left waiting (invariant 2).
    pub(crate) fn assert_all_answered(&self) {
        let pending = &self.pending;
        assert!(pending.is_empty(), "requests never answered: {pending:?}");
    }
}

/// The code a code2Session request carries.
pub(crate) fn js_code(url: &str) -> &str {
    let query = url.split("js_code=").nth(1).unwrap_or("");
    query.split('&').next().unwrap_or("")
}

/// Whether the machine awaits effect `id`: `try_event` hands an event to a clone of it.
pub(crate) fn awaited(
    id: EffectId,
    try_event: impl Fn(login::Event) -> Result<Handled, ExchangeError>,
) -> bool {
    let applied = |event| try_event(event) == Ok(Handled::Applied);
    let result = Err(TransportFailure::Timeout);
    applied(login::Event::WeChatAnswered { id, result })
        || applied(login::Event::SessionNotCreated {
            id,
            failure: login::SessionStoreFailure::Failed {
                reason: String::new(),
            },
        })
}

/// Invariant 6: a late answer or a refused event left the machine as it was.
#[track_caller]
pub(crate) fn assert_untouched<M: PartialEq + Debug, E: Display>(
    result: &Result<Handled, E>,
    before: &M,
    after: &M,
    context: &str,
) {
    match result {
        Ok(Handled::Late) => assert_eq!(
            after, before,
            "{context}: a late answer changed the machine"
        ),
        Err(error) => assert_eq!(after, before, "{context}: refused ({error}) but changed"),
        Ok(_) => {}
    }
}

/// Whether WeChat may have taken the code with this answer: a success, or anything but a
/// transient failure or a refusal of the request (a quota, the configuration, a token).
pub(crate) fn non_transient(result: &Result<HttpResponse, TransportFailure>) -> bool {
    // The session's fields do not matter here: a malformed success took the code too.
    let Err(error) = wechat_api::parse::<WeChatSession>(result) else {
        return true;
    };
    let about_the_request = error.wechat().is_some_and(|w| {
        matches!(
            w.class(),
            ErrorClass::Retry
                | ErrorClass::RateLimited(_)
                | ErrorClass::Configuration
                | ErrorClass::TokenInvalid
        )
    });
    !error.is_transient() && !about_the_request
}
