//! The WeChat `access_token` cache: [`AccessTokenCache`], a sans-IO machine that fetches the
//! token every server API but code2Session needs, keeps it fresh ahead of expiry, and recovers
//! from the errors that plague the peers (a token overwritten by another server, refresh
//! races, storms of 40001).
//!
//! | file | concern |
//! |---|---|
//! | `transition.rs` | every rule, deadlines included: one exhaustive match over (phase, input) |
//! | `machine.rs` | the shell: handle / poll, ids, deadlines, the command queue |
//! | `state.rs` | [`StateKind`] and what each accepts, the shared [`AccessTokenState`], the core |
//! | `event.rs` | [`Event`], [`EventKind`] |
//! | `command.rs` | [`Command`] |
//! | `error.rs` | [`AccessTokenError`] (the driver broke the contract), [`TokenFailure`] (the world failed) |
//! | `guard.rs` | the forced-refresh guard: 30 s apart, 20 per Beijing day |
//! | `config.rs` | endpoint, source, margin, timeouts, backoff |
//! | `fetch.rs` | the token request (stable or plain endpoint) and the parser of its answer |
//! | `api.rs` | the one place the cache calls `fetch.rs` |
//!
//! # Rules
//! - **Stable token by default** (`POST /cgi-bin/stable_token`, `force_refresh: false`): in
//!   normal mode WeChat returns the same token to every caller, so servers that each fetch do
//!   not invalidate each other. The plain `GET /cgi-bin/token` is an option
//!   ([`TokenEndpoint::Plain`]); each of its calls invalidates the previous token.
//! - **Single flight**: one fetch at a time; every waiter arriving meanwhile joins it.
//! - **Early refresh**: the cache's own [`poll_timeout`](AccessTokenCache::poll_timeout) names
//!   the instant `refresh_margin` (300 s) before expiry, and the refresh runs while the cached
//!   token still serves every caller.
//! - **Compare-and-expire on the fetch**: an API's 40001 / 40014 / 42001 is reported with the
//!   token the call used and the generation it was given out with
//!   ([`Event::TokenRejected`]). Only if the cached token still comes from that
//!   fetch is it dropped and refreshed, once, however many rejections arrive, and even when the
//!   refresh returns the same text (the stable endpoint does: the generation tells the two
//!   fetches apart). The caller retries once with the token it is given and reports a second
//!   rejection instead of looping.
//! - **Late answers**: an answer after its effect's deadline, or to an id already answered, is
//!   `Ok(`[`Handled::Late`](crate::Handled::Late)`)` and changes nothing; `Err` is kept for
//!   a broken contract (an id never given out, an answer of the other source's kind).
//! - **Forced refresh guarded**: at least 30 s apart and at most 20 per Beijing (UTC+8) day;
//!   a refused force is [`TokenFailure::ForceRefused`], never a request WeChat would ignore.
//! - `-1`, 5xx, transport failures and timeouts are retried with capped, seeded backoff.
//!
//! # Several server processes
//! WeChat counts tokens and forced refreshes per app, not per process. The cache's state is a
//! serde value ([`AccessTokenState`], via [`export`](AccessTokenCache::export) and
//! [`Command::Publish`]) that processes share through a store of their choosing
//! (Redis, a database row, a file). The pattern is **one process refreshes, the others read**:
//!
//! 1. The refresher runs a cache with the default [`TokenSource::WeChat`]. Whenever it emits
//!    [`Command::Publish`], it writes the state to the store (overwrite, or keep the
//!    one whose token has the later `fetched_at`).
//! 2. Every other process runs a cache with [`TokenSource::Shared`]. Instead of calling WeChat,
//!    it emits [`Command::LoadShared`]; its driver reads the store and answers with
//!    [`Event::SharedLoaded`]. Give readers a slightly smaller `refresh_margin`
//!    (say 240 s) so that they look after the refresher has refreshed; a load that finds
//!    nothing newer is retried with backoff. Readers refuse forced refreshes.
//! 3. A reader whose call gets 40001 / 40014 / 42001 feeds `TokenRejected` (the token and its
//!    [`generation`](CachedToken::generation), which the shared state carries) to its own cache
//!    (which then loads until the store holds a token fetched after it) and tells the
//!    refresher, whose driver feeds the same `TokenRejected` to its cache: compare-and-expire
//!    on the fetch makes repeated and late reports harmless.
//! 4. Any process may also feed [`Event::Imported`] when it learns of a new state
//!    (a pub/sub notification), and a restarted refresher starts from
//!    [`AccessTokenCache::from_state`] instead of fetching at once.
//!
//! With the stable endpoint, processes that each run their own refreshing cache are also safe
//! (normal-mode fetches do not invalidate each other); sharing then only saves fetches and
//! keeps the forced-refresh count exact across processes. With the plain endpoint, exactly one
//! process may fetch.
//!
//! ```
//! use time::OffsetDateTime;
//! use wxlogin::http::HttpResponse;
//! use wxlogin::secret::AppSecret;
//! use wxlogin::WaiterId;
//! use wxlogin::server::access_token::{
//!     AccessTokenCache, AccessTokenConfig, Command, Event,
//! };
//!
//! let config = AccessTokenConfig::new("wx4f4bc4dec97d474b", AppSecret::new("app-secret"), 7);
//! let mut cache = AccessTokenCache::new(config);
//! let now = OffsetDateTime::from_unix_timestamp(1_704_067_200)?;
//! cache.handle(Event::TokenNeeded { waiter: WaiterId(1) }, now)?;
//! let mut token = None;
//! while let Some(command) = cache.poll_command() {
//!     match command {
//!         Command::Fetch { id, .. } => {
//!             // Send `request` with your HTTP client; here, WeChat's answer.
//!             let body = br#"{"access_token":"ACCESS","expires_in":7200}"#.to_vec();
//!             let result = Ok(HttpResponse::json(200, body));
//!             cache.handle(Event::FetchAnswered { id, result }, now)?;
//!         }
//!         Command::Complete { waiters, outcome } => {
//!             assert_eq!(waiters, [WaiterId(1)]);
//!             token = Some(outcome?);
//!         }
//!         Command::Publish { .. } => { /* write `state` to the shared store */ }
//!         Command::LoadShared { .. } => { /* only a `TokenSource::Shared` cache loads */ }
//!     }
//! }
//! let token = token.ok_or("no token")?;
//! assert_eq!(token.access_token.expose_secret(), "ACCESS");
//! assert_eq!(token.expires_at, now + time::Duration::seconds(7200));
//! // The refresh ahead is due 300 s before expiry.
//! assert_eq!(cache.poll_timeout(), Some(now + time::Duration::seconds(7200 - 300)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod command;
mod config;
mod error;
mod event;
// Reachable crate-wide so that `test_support` can re-export the token API for parser tests.
pub(crate) mod fetch;
mod guard;
mod machine;
mod state;
mod transition;

pub use command::Command;
pub use config::{AccessTokenConfig, DEFAULT_REFRESH_MARGIN, TokenEndpoint, TokenSource};
pub use error::{AccessTokenError, TokenFailure};
pub use event::{Event, EventKind};
pub use guard::{ForceLedger, ForceRefused};
pub use machine::AccessTokenCache;
pub use state::{AccessTokenState, CachedToken, STATE_VERSION, StateKind};
