//! `wxlogin` on tokio and axum: a login service whose one task owns the sans-IO
//! [`LoginCoordinator`](wxlogin::server::login::LoginCoordinator), the wire contract's routes, a
//! [`WxSession`] extractor for business routes, and session stores: in memory by default,
//! Redis for several replicas acting as one (feature `redis`).
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use wxlogin::secret::AppSecret;
//! use wxlogin::server::code2session::Code2SessionApi;
//! use wxlogin::server::login::{CoordinatorConfig, ExchangeConfig};
//! use wxlogin_server::{LoginService, ServerConfig, WxSession, router};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let code2session = Code2SessionApi::new("wx4f4bc4dec97d474b", AppSecret::new("app-secret"));
//! let login = ExchangeConfig::new(code2session, 7); // the seed of the retry jitter
//! let service = LoginService::start(ServerConfig::new(CoordinatorConfig::new(login)))?;
//! let app = Router::new()
//!     .route("/me", get(|s: WxSession| async move { s.openid().to_owned() }))
//!     .with_state(service.clone())
//!     .merge(router(service));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! | module | concern |
//! |---|---|
//! | `service` | [`LoginService`]: the task that owns the coordinator, its effects, the handle |
//! | `convert` | [`into_axum`], [`header_pairs`]: `wxlogin`'s HTTP values to and from axum's |
//! | `router` | [`router`]: `POST /login` and `GET /session`, body limit, tracing spans |
//! | `extract` | [`WxSession`]: `401` / `400` / `503` as the wire contract says |
//! | `store` | [`SessionStore`], [`MemoryStore`], and `RedisStore` (feature `redis`) |
//! | `join` | `CodeJoin`: one code2Session call per code across replicas (feature `redis`) |
//! | `lease`, `access` | [`TokenLease`] and `AccessTokens`: one access-token refresher among replicas, elected with a fencing token (feature `redis`) |
//! | `local_redis` | [`LocalRedis`]: a `redis-server` of your own for tests and demos (feature `redis`) |
//! | `compat` | [`WeRequestCompat`]: weRequest 1.x options (opt-in) |
//!
//! # Dependencies, and why each
//! | crate | for | why this one |
//! |---|---|---|
//! | `tokio` | the runtime, channels, sleeps | what axum, reqwest and redis-rs run on |
//! | `axum` 0.8 | routes, the extractor | tokio's own framework; extractors whose rejection is a response |
//! | `reqwest` (rustls, ring) | calls to WeChat | the most used async HTTP client; ring needs no cmake (aws-lc does) |
//! | `redis` (tokio, `ConnectionManager`) | the shared store, claims, leases | the Redis client of record; its manager reconnects by itself |
//! | `aes-gcm` | the session key encrypted at rest | RustCrypto's AEAD, on the `aes` crate the core already uses |
//! | `sha2` | tokens and codes hashed into keys | RustCrypto, already a dependency of the core's `crypto` feature |
//! | `tracing` | spans and events | the ecosystem's logging facade; the subscriber is the app's choice |
//! | `getrandom` | tokens, nonces | the operating system's generator, nothing in between |
//!
//! # Secrets
//! Tokens, codes, the app secret and session keys never reach a log line, an error or a
//! response: tokens are logged as fingerprints (`tok:1a2b3c4d`, from their SHA-256), requests
//! through the core's redacting `Debug`, and errors from the HTTP client by kind only (its
//! messages quote the URL, which carries the secret).
#![forbid(unsafe_code)]

#[cfg(feature = "redis")]
mod access;
mod answers;
mod clock;
mod compat;
mod config;
mod convert;
mod extract;
#[cfg(feature = "redis")]
mod join;
#[cfg(feature = "redis")]
mod lease;
#[cfg(feature = "redis")]
mod local_redis;
mod random;
mod redact;
#[cfg(feature = "redis")]
mod redis_conn;
mod router;
mod service;
mod store;
mod wechat_http;

pub use compat::{WeRequestCompat, werequest_token};
pub use config::ServerConfig;
pub use convert::{header_pairs, into_axum};
pub use extract::WxSession;
pub use router::router;
pub use service::{LoginService, LoginServiceBuilder, StartError};
pub use store::{MemoryStore, SessionStore, StoreError, StoreFuture};

#[cfg(feature = "redis")]
pub use access::{AccessTokenUnavailable, AccessTokens};
#[cfg(feature = "redis")]
pub use join::CodeJoin;
#[cfg(feature = "redis")]
pub use lease::TokenLease;
#[cfg(feature = "redis")]
pub use local_redis::{LocalRedis, LocalRedisError};
#[cfg(feature = "redis")]
pub use redis_conn::{Redis, RedisOptions, SessionCache};
#[cfg(feature = "redis")]
pub use store::redis::RedisStore;
#[cfg(feature = "redis")]
pub use store::seal::{SealError, SealKeys};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
