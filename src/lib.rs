//! Deterministic WeChat Mini Program login logic with no I/O: it never touches the network or
//! storage, never reads the clock and never draws random numbers, so any runtime can drive it
//! and every run can be replayed.
//!
//! Both sides of the protocol embed it. The mini program (or whatever drives it: a WASM
//! module, a simulator, a load tester) runs the client [`LoginMachine`](client::LoginMachine),
//! which replaces the tutorial's `USER.login()` promise chain with a machine that cannot hang,
//! race or call `wx.login` when it need not. The developer server uses the [`server`] side:
//! code2Session, WeChat's error codes, a login coordinator and sessions, all speaking the
//! [`wire`] contract that both sides share.
//!
//! # The contract
//! Every machine in this crate has the same shape:
//! - `handle(event, now)` feeds one input and returns [`Handled`]. `Err` means the *driver*
//!   broke the contract (an id never given out, an event no state expects, a reused waiter
//!   id); the machine is then exactly as before. The *world's* failures (wx.login failed, the
//!   server said 500, the body was garbage) are not errors: they come out as commands (a
//!   retry, or a completion carrying the failure).
//! - **Late answers are not errors.** An answer that arrives after its effect's deadline, or
//!   after the machine stopped waiting for it, is an unavoidable race: every machine returns
//!   `Ok(Handled::Late)`, ignores its content, and the driver logs it and goes on (and drains
//!   the commands, as after every input). It changes nothing, with one exception: on the
//!   client, an answer to an effect the machine abandoned also tells it that the effect has
//!   left the world, which may start the step that waited for it (rule 2 of
//!   [`client`]).
//! - `poll_command()` yields what to do next. **Drain it completely after every input.**
//!   Commands that expect an answer carry an [`EffectId`] that the answering event echoes;
//!   callers are named by the driver with a [`WaiterId`] (a [`RequestId`] for the server's
//!   login route).
//! - `poll_timeout()` says when to call `handle_timeout(now)`; early or spurious calls are
//!   no-ops. An effect whose deadline passes is given up on; its answer, if it ever
//!   comes, is late.
//! - Time is an [`OffsetDateTime`](time::OffsetDateTime) passed in; no value of it can make the
//!   crate panic, and time going backwards is tolerated.
//! - Secrets ([`secret`]) print as `Name([redacted])` and compare in constant time.
//!
//! # Errors and failures
//! One naming rule holds in every module: a type named `…Error` means **the driver broke the
//! contract** (it is what `handle` returns as `Err`, and the machine is unchanged), and a type
//! named `…Failure` means **the world failed** (WeChat, the network, storage or the server
//! answered badly or not at all); a failure is never an `Err` of `handle`, it is carried by a
//! completion command to the callers waiting on it. Parsers of WeChat's answers, which have no
//! driver, return `…Error` for a body that cannot be used.
//!
//! # A driver loop
//! ```
//! use time::OffsetDateTime;
//! use wxlogin::WaiterId;
//! use wxlogin::client::{Command, Event, LoginConfig, LoginMachine};
//! use wxlogin::http::{HttpRequest, HttpResponse};
//! use wxlogin::secret::{LoginCode, SessionToken};
//! use wxlogin::wire::LoginGranted;
//!
//! // Stand-ins for wx.login and an HTTP client.
//! fn wx_login() -> LoginCode {
//!     LoginCode::new("081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2")
//! }
//! fn send(_request: &HttpRequest) -> HttpResponse {
//!     LoginGranted { token: SessionToken::new("server-token"), expires_in: 7200 }.to_response()
//! }
//!
//! let mut machine = LoginMachine::new(LoginConfig::new("https://api.example.com"));
//! let mut now = OffsetDateTime::from_unix_timestamp(1_700_000_000)?;
//! let _applied = machine.handle(Event::LoginRequested { waiter: WaiterId(1) }, now)?;
//! let mut outcome = None;
//! loop {
//!     while let Some(command) = machine.poll_command() {
//!         let answer = match command {
//!             Command::ReadStorage { id, .. } => Event::StorageRead { id, value: None },
//!             Command::CheckWxSession { id } => Event::CheckSessionResult { id, result: Ok(()) },
//!             Command::WxLogin { id, .. } => Event::CodeObtained { id, result: Ok(wx_login()) },
//!             Command::SendRequest { id, request, .. } => {
//!                 Event::ServerResponse { id, result: Ok(send(&request)) }
//!             }
//!             Command::WriteStorage { .. } | Command::RemoveStorage { .. } => continue,
//!             Command::Complete { waiters, outcome: result } => {
//!                 outcome = Some((waiters, result));
//!                 continue;
//!             }
//!         };
//!         if machine.handle(answer, now)?.is_late() {
//!             // An answer the machine no longer waited for: log it and go on.
//!         }
//!     }
//!     // Sleep until the deadline (or until an answer arrives), then tell the machine.
//!     let Some(deadline) = machine.poll_timeout() else { break };
//!     now = deadline;
//!     machine.handle_timeout(now);
//! }
//! let (waiters, session) = outcome.expect("every waiter is completed");
//! assert_eq!(waiters, [WaiterId(1)]);
//! assert_eq!(session?.token.expose_secret(), "server-token");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//! | feature | adds | dependencies |
//! |---|---|---|
//! | (default) | client machine; server login (code2Session, coordinator, sessions, error codes), access token cache, phone number API; wire contract, secrets, HTTP values | `serde`, `serde_json`, `thiserror`, `time` |
//! | `crypto` | `server::open_data` (strict decryption, the rawData signature) and `server::session_key` (checkSessionKey / resetUserSessionKey signing) | RustCrypto `aes`, `cbc`, `sha1`, `sha2`, `hmac`; `zeroize` |

pub mod backoff;
pub mod client;
mod handled;
pub mod http;
mod ids;
pub mod json_form;
mod rng;
pub mod secret;
pub mod server;
mod time_util;
mod waiters;
pub mod wire;

/// Internals this workspace's own tests, benches, fuzz harnesses and demo drive directly
/// (feature `test-support`; the crate's own tests turn it on through a dev-dependency on
/// itself). Not part of the API: no stability promise, and no driver needs them.
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod test_support {
    pub use crate::client::stored::{StoredLookup, StoredSession};
    pub use crate::rng::SplitMix64;
    pub use crate::server::access_token::fetch::{GrantedToken, TokenApi};
    pub use crate::server::login::exchange::CodeExchange;
    pub use crate::server::wechat_api::failure::MAX_ERRMSG_BYTES;
    pub use crate::server::wechat_api::rid::MAX_RID_BYTES;
}

pub use handled::Handled;
pub use ids::{EffectId, MAX_SAFE_INTEGER, RequestId, WaiterId};
pub use waiters::Waiters;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
