//! [`AccessTokens`]: the core's `AccessTokenCache` on tokio, shared by the replicas through a
//! [`TokenLease`]: the lease holder refreshes from WeChat and publishes, the others load the
//! shared token; when the holder dies another takes over within the lease time.
//!
//! Callers ask for a token ([`AccessTokens::token`]), a forced refresh
//! ([`AccessTokens::force_refresh`], guarded by the core: 30 s apart, 20 a Beijing day, the
//! count shared through the lease's state), or report that WeChat rejected a token
//! ([`AccessTokens::rejected`]: compare-and-expire, then the token to retry with, once).
//!
//! One task owns the cache. A change of role rebuilds the cache from its own exported state
//! with the other source, and re-asks for the callers still waiting; answers to the old
//! cache's effects carry its generation and are dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wxlogin::{EffectId, WaiterId};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{info, warn};
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenConfig, AccessTokenError, AccessTokenState, CachedToken, Command,
    Event, TokenFailure, TokenSource,
};

use crate::lease::TokenLease;
use crate::wechat_http::WeChatHttp;

/// Why no token could be given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessTokenUnavailable {
    /// The cache gave up (WeChat or the shared store kept failing, a forced refresh was
    /// refused by its guard).
    #[error(transparent)]
    Failed(TokenFailure),
    /// The request broke the cache's contract (a rejection with an errcode that is no token
    /// error); the cache is unchanged.
    #[error(transparent)]
    Refused(AccessTokenError),
    /// The token task is gone.
    #[error("the access-token task stopped")]
    Stopped,
}

/// A cloneable handle to the access-token task of this replica.
#[derive(Clone, Debug)]
pub struct AccessTokens {
    inbox: mpsc::Sender<Input>,
    _task: Arc<AbortOnDrop>,
}

#[derive(Debug)]
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Reply = oneshot::Sender<Result<CachedToken, AccessTokenUnavailable>>;

/// What a caller asks for.
enum Ask {
    Need,
    Force,
    /// A WeChat API answered `errcode` to a call made with `token`.
    Rejected {
        token: CachedToken,
        errcode: i64,
    },
}

enum Input {
    Ask(Ask, Reply),
    IsRefresher(oneshot::Sender<bool>),
    Fetched(u64, EffectId, Result<HttpResponse, TransportFailure>),
    Loaded(u64, EffectId, Option<AccessTokenState>),
    Lease(Option<u64>),
}

impl AccessTokens {
    /// Starts the task: `config` for WeChat (its `source` is set by the lease), `lease` shared
    /// with the other replicas.
    pub fn start(config: AccessTokenConfig, lease: TokenLease) -> Result<Self, crate::StartError> {
        let http = WeChatHttp::new().map_err(|e| crate::StartError::HttpClient(e.to_string()))?;
        let (sender, inbox) = mpsc::channel(1024);
        let task = Task {
            cache: AccessTokenCache::new(with_source(&config, TokenSource::Shared)),
            config,
            generation: 0,
            fence: None,
            waiters: HashMap::new(),
            next_waiter: 0,
            inbox,
            outbox: sender.clone(),
            http,
            lease: Arc::new(lease),
        };
        let task = tokio::spawn(task.run());
        Ok(Self {
            inbox: sender,
            _task: Arc::new(AbortOnDrop(task)),
        })
    }

    /// A usable access token (with the fetch that granted it): the cached one, or the next
    /// one fetched or loaded.
    pub async fn token(&self) -> Result<CachedToken, AccessTokenUnavailable> {
        self.ask(Ask::Need).await
    }

    /// A token WeChat issues anew (`force_refresh`), if the guard allows one now. On a
    /// replica that does not hold the lease, the cache answers as its rules say for a reader.
    pub async fn force_refresh(&self) -> Result<CachedToken, AccessTokenUnavailable> {
        self.ask(Ask::Force).await
    }

    /// A call made with `token` got `errcode` (40001, 40014 or 42001): the token to retry
    /// with, **once**. Report a second rejection instead of looping.
    pub async fn rejected(
        &self,
        token: CachedToken,
        errcode: i64,
    ) -> Result<CachedToken, AccessTokenUnavailable> {
        self.ask(Ask::Rejected { token, errcode }).await
    }

    async fn ask(&self, ask: Ask) -> Result<CachedToken, AccessTokenUnavailable> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(Input::Ask(ask, reply))
            .await
            .map_err(|_| AccessTokenUnavailable::Stopped)?;
        answer.await.unwrap_or(Err(AccessTokenUnavailable::Stopped))
    }

    /// Whether this replica holds the lease (it refreshes from WeChat).
    pub async fn is_refresher(&self) -> bool {
        let (reply, answer) = oneshot::channel();
        if self.inbox.send(Input::IsRefresher(reply)).await.is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

struct Task {
    cache: AccessTokenCache,
    config: AccessTokenConfig,
    /// Bumped when the cache is rebuilt; answers of older effects are dropped.
    generation: u64,
    fence: Option<u64>,
    waiters: HashMap<WaiterId, Reply>,
    next_waiter: u64,
    inbox: mpsc::Receiver<Input>,
    outbox: mpsc::Sender<Input>,
    http: WeChatHttp,
    lease: Arc<TokenLease>,
}

impl Task {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.lease.lease_time() / 3);
        loop {
            let deadline = self.cache.poll_timeout().map(crate::clock::sleep_for);
            tokio::select! {
                Some(input) = self.inbox.recv() => self.accept(input),
                _ = tick.tick() => self.renew(),
                () = crate::clock::sleep_opt(deadline) => {
                    self.cache.handle_timeout(OffsetDateTime::now_utc());
                }
            }
            self.drain();
        }
    }

    fn renew(&self) {
        let lease = Arc::clone(&self.lease);
        let outbox = self.outbox.clone();
        tokio::spawn(async move {
            // Redis down: no lease, so no refresher writes; readers keep their cached token.
            let fence = lease.acquire().await.unwrap_or_else(|error| {
                warn!(%error, "token lease not renewed");
                None
            });
            let _ = outbox.send(Input::Lease(fence)).await;
        });
    }

    fn feed(&mut self, event: Event) {
        match self.cache.handle(event, OffsetDateTime::now_utc()) {
            Ok(handled) if handled.is_late() => info!("late access-token answer ignored"),
            Ok(_) => {}
            Err(error) => warn!(%error, "access-token cache refused an event"),
        }
    }

    fn accept(&mut self, input: Input) {
        match input {
            Input::Ask(ask, reply) => self.ask(ask, reply),
            Input::IsRefresher(reply) => {
                let _ = reply.send(self.fence.is_some());
            }
            Input::Fetched(generation, id, result) if generation == self.generation => {
                self.feed(Event::FetchAnswered { id, result });
            }
            Input::Loaded(generation, id, state) if generation == self.generation => {
                self.feed(Event::SharedLoaded { id, state });
            }
            Input::Fetched(..) | Input::Loaded(..) => info!("answer to a replaced cache dropped"),
            Input::Lease(fence) => self.take_role(fence),
        }
    }

    /// Feeds a caller's request with a fresh waiter id; a refusal (the caller's mistake: the
    /// ids are fresh) is answered at once and leaves the cache unchanged.
    fn ask(&mut self, ask: Ask, reply: Reply) {
        let waiter = WaiterId(self.next_waiter);
        self.next_waiter = self.next_waiter.wrapping_add(1);
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
        match self.cache.handle(event, OffsetDateTime::now_utc()) {
            Ok(_) => {
                self.waiters.insert(waiter, reply);
            }
            Err(error) => {
                let _ = reply.send(Err(AccessTokenUnavailable::Refused(error)));
            }
        }
    }

    /// Becomes the refresher (a fence) or a reader (none), rebuilding the cache on a change.
    fn take_role(&mut self, fence: Option<u64>) {
        let was = self.fence.is_some();
        self.fence = fence;
        if was == fence.is_some() {
            return;
        }
        let source = if fence.is_some() {
            TokenSource::WeChat
        } else {
            TokenSource::Shared
        };
        info!(refresher = fence.is_some(), fence = ?fence, "access-token role changed");
        let config = with_source(&self.config, source);
        let state = self.cache.export();
        self.cache = AccessTokenCache::from_state(config.clone(), state)
            .unwrap_or_else(|_| AccessTokenCache::new(config));
        self.generation = self.generation.wrapping_add(1);
        let waiting: Vec<WaiterId> = self.waiters.keys().copied().collect();
        for waiter in waiting {
            self.feed(Event::TokenNeeded { waiter });
        }
    }

    fn drain(&mut self) {
        while let Some(command) = self.cache.poll_command() {
            self.carry_out(command);
        }
    }

    fn carry_out(&mut self, command: Command) {
        let generation = self.generation;
        let outbox = self.outbox.clone();
        match command {
            Command::Fetch {
                id,
                request,
                timeout,
                ..
            } => {
                let http = self.http.clone();
                let limit =
                    Duration::try_from(timeout).unwrap_or_default() + Duration::from_secs(2);
                tokio::spawn(async move {
                    let result = http.send(&request, limit).await;
                    let _ = outbox.send(Input::Fetched(generation, id, result)).await;
                });
            }
            Command::LoadShared { id, .. } => {
                let lease = Arc::clone(&self.lease);
                tokio::spawn(async move {
                    let bytes = lease.load().await.ok().flatten();
                    let state = bytes.and_then(|b| serde_json::from_slice(&b).ok());
                    let _ = outbox.send(Input::Loaded(generation, id, state)).await;
                });
            }
            Command::Publish { state } => self.publish(state),
            Command::Complete { waiters, outcome } => {
                let outcome = outcome.map_err(AccessTokenUnavailable::Failed);
                for waiter in waiters {
                    if let Some(reply) = self.waiters.remove(&waiter) {
                        let _ = reply.send(outcome.clone());
                    }
                }
            }
        }
    }

    fn publish(&self, state: AccessTokenState) {
        let Some(fence) = self.fence else {
            return;
        };
        let Ok(json) = serde_json::to_vec(&state) else {
            return;
        };
        let lease = Arc::clone(&self.lease);
        tokio::spawn(async move {
            match lease.publish(fence, &json).await {
                Ok(true) => {}
                Ok(false) => warn!(fence, "lease lost: the token state was not published"),
                Err(error) => warn!(%error, "token state not published"),
            }
        });
    }
}

/// `config` with its token source set to `source`.
fn with_source(config: &AccessTokenConfig, source: TokenSource) -> AccessTokenConfig {
    let mut config = config.clone();
    config.source = source;
    config
}
