//! A tokio driver for [`AccessTokenCache`]: one task owns the cache, its effects run as tasks
//! in a `JoinSet`, its deadline is a `sleep_until`. Copy it and replace [`HttpClient`] and
//! [`SharedStore`] with yours.
//!
//! Each turn: drain every command (a fetch or a load starts as a task, a publish is written
//! before anything else happens so that the store sees states in order, a completion answers
//! its callers), then wait for whichever comes first: a caller, an effect's answer, or the
//! cache's deadline. An answer after its deadline is `Ok(Handled::Late)`: expected, ignored.
//!
//! Several processes share one token through a [`SharedStore`]: one runs a
//! [`TokenSource::WeChat`](wxlogin::server::access_token::TokenSource::WeChat) cache that
//! publishes, the others run [`TokenSource::Shared`](wxlogin::server::access_token::TokenSource::Shared)
//! caches that load.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use wxlogin::WaiterId;
use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenConfig, AccessTokenError, AccessTokenState, CachedToken, Command,
    Event, TokenFailure,
};

use crate::clock::{Clock, sleep_until};
use crate::http_client::HttpClient;

/// Extra time given to an effect beyond the cache's timeout, so that the cache's deadline
/// decides and a slow answer shows up as late.
const GRACE: Duration = Duration::from_secs(1);

/// Where processes share the [`AccessTokenState`] (Redis, a database row, a file): bytes in,
/// bytes out; the driver writes and reads the state's JSON.
pub trait SharedStore: Send + Sync + 'static {
    /// What the store holds, if anything.
    fn load(&self) -> impl Future<Output = Option<Vec<u8>>> + Send;
    /// Replaces what the store holds.
    fn save(&self, state: Vec<u8>) -> impl Future<Output = ()> + Send;
}

/// A [`SharedStore`] in memory, for processes that are tasks of one program (and for tests).
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<Option<Vec<u8>>>);

impl SharedStore for MemoryStore {
    async fn load(&self) -> Option<Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn save(&self, state: Vec<u8>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(state);
    }
}

/// Why a caller got no token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenUnavailable {
    /// The cache gave up (WeChat or the shared store kept failing, a force was refused).
    #[error(transparent)]
    Failed(TokenFailure),
    /// The request broke the cache's contract (a rejection with an errcode that is no token
    /// error); the cache is unchanged.
    #[error(transparent)]
    Refused(AccessTokenError),
    /// The driver task is gone.
    #[error("the access-token task stopped")]
    Stopped,
}

type Reply = oneshot::Sender<Result<CachedToken, TokenUnavailable>>;

/// A caller's request.
enum Ask {
    Need,
    Force,
    /// A WeChat API answered `errcode` to a call made with `token`.
    Rejected {
        token: CachedToken,
        errcode: i64,
    },
}

/// A cloneable handle to one driver task; the task stops when every handle is dropped.
#[derive(Clone, Debug)]
pub struct AccessTokens {
    inbox: mpsc::Sender<(Ask, Reply)>,
}

impl AccessTokens {
    /// Starts the driver task for `config`, sharing state through `store`.
    pub fn spawn<S: SharedStore>(
        config: AccessTokenConfig,
        store: Arc<S>,
        http: HttpClient,
        clock: Clock,
    ) -> Self {
        let (inbox, requests) = mpsc::channel(256);
        let driver = Driver {
            cache: AccessTokenCache::new(config),
            store,
            http,
            clock,
            replies: HashMap::new(),
            next_waiter: 0,
            effects: JoinSet::new(),
        };
        tokio::spawn(driver.run(requests));
        Self { inbox }
    }

    /// A token to call WeChat with: the cached one, or the next one fetched (or loaded).
    pub async fn token(&self) -> Result<CachedToken, TokenUnavailable> {
        self.ask(Ask::Need).await
    }

    /// A token WeChat issues anew (`force_refresh`), if the guard allows one now.
    pub async fn force_refresh(&self) -> Result<CachedToken, TokenUnavailable> {
        self.ask(Ask::Force).await
    }

    /// A call made with `token` got `errcode` (40001, 40014 or 42001): the token to retry
    /// with, **once**. Report a second rejection instead of looping.
    pub async fn rejected(
        &self,
        token: CachedToken,
        errcode: i64,
    ) -> Result<CachedToken, TokenUnavailable> {
        self.ask(Ask::Rejected { token, errcode }).await
    }

    async fn ask(&self, ask: Ask) -> Result<CachedToken, TokenUnavailable> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send((ask, reply))
            .await
            .map_err(|_| TokenUnavailable::Stopped)?;
        answer.await.unwrap_or(Err(TokenUnavailable::Stopped))
    }
}

struct Driver<S> {
    cache: AccessTokenCache,
    store: Arc<S>,
    http: HttpClient,
    clock: Clock,
    replies: HashMap<WaiterId, Reply>,
    next_waiter: u64,
    effects: JoinSet<Event>,
}

impl<S: SharedStore> Driver<S> {
    async fn run(mut self, mut requests: mpsc::Receiver<(Ask, Reply)>) {
        loop {
            self.drain().await;
            let wake_at = self
                .cache
                .poll_timeout()
                .map(|at| self.clock.instant_at(at));
            tokio::select! {
                request = requests.recv() => match request {
                    Some((ask, reply)) => self.accept(ask, reply),
                    // Every handle is gone; running effects are cancelled with the set.
                    None => return,
                },
                Some(Ok(event)) = self.effects.join_next() => {
                    // A late answer (`Ok(Handled::Late)`) changes nothing; an `Err` would be
                    // this driver's bug (it echoes the ids it was given), so it is dropped too.
                    let _ = self.cache.handle(event, self.clock.now());
                }
                () = sleep_until(wake_at) => self.cache.handle_timeout(self.clock.now()),
            }
        }
    }

    /// Turns a caller's request into an event, with a fresh waiter id for its reply.
    fn accept(&mut self, ask: Ask, reply: Reply) {
        self.next_waiter += 1;
        let waiter = WaiterId(self.next_waiter);
        let event = match ask {
            Ask::Need => Event::TokenNeeded { waiter },
            Ask::Force => Event::ForceRefresh { waiter },
            Ask::Rejected { token, errcode } => Event::TokenRejected {
                token: token.access_token,
                generation: token.generation,
                errcode,
                waiter: Some(waiter),
            },
        };
        match self.cache.handle(event, self.clock.now()) {
            Ok(_) => {
                self.replies.insert(waiter, reply);
            }
            // The waiter ids are fresh, so a refusal is the caller's (an errcode that is no
            // token error): the cache is unchanged and the caller hears why.
            Err(error) => {
                let _ = reply.send(Err(TokenUnavailable::Refused(error)));
            }
        }
    }

    async fn drain(&mut self) {
        while let Some(command) = self.cache.poll_command() {
            match command {
                Command::Fetch {
                    id,
                    request,
                    timeout,
                    ..
                } => {
                    let http = self.http.clone();
                    let limit = Duration::try_from(timeout).unwrap_or_default() + GRACE;
                    self.effects.spawn(async move {
                        let result = http.send(&request, limit).await;
                        Event::FetchAnswered { id, result }
                    });
                }
                Command::LoadShared { id, timeout } => {
                    let store = Arc::clone(&self.store);
                    let limit = Duration::try_from(timeout).unwrap_or_default() + GRACE;
                    self.effects.spawn(async move {
                        let bytes = tokio::time::timeout(limit, store.load()).await;
                        let state = bytes.ok().flatten().and_then(|b| parse_state(&b));
                        Event::SharedLoaded { id, state }
                    });
                }
                Command::Publish { state } => {
                    if let Ok(json) = serde_json::to_vec(&state) {
                        self.store.save(json).await;
                    }
                }
                Command::Complete { waiters, outcome } => {
                    let outcome = outcome.map_err(TokenUnavailable::Failed);
                    for waiter in waiters {
                        if let Some(reply) = self.replies.remove(&waiter) {
                            let _ = reply.send(outcome.clone());
                        }
                    }
                }
            }
        }
    }
}

/// A stored state, or `None` when the bytes are not one (the cache then loads again later).
fn parse_state(bytes: &[u8]) -> Option<AccessTokenState> {
    serde_json::from_slice(bytes).ok()
}
