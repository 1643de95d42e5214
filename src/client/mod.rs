//! The client side: [`LoginMachine`], run by the mini program or anything that drives it.
//!
//! Its rules (each has a scenario test in `tests/`):
//! 1. Every [`Event::LoginRequested`] waiter gets exactly one [`Command::Complete`]; nothing hangs.
//! 2. Single flight **in the world**: requests during a flow join it; at most one effect is in
//!    the world at once, counting one the machine abandoned (a logout, a rejection) until its
//!    answer or its deadline. A new flow adopts an abandoned `wx.login` and waits for any other
//!    abandoned effect, so `wx.login` never runs twice at once.
//! 3. A code is sent once (see [`CodeReuse`] for the one exception), never past its 5 minutes.
//! 4. Only an expiry answer (checkSession fail, server 401) leads to a new `wx.login`;
//!    timeouts (of storage too), transport errors and 5xx are retried with capped, jittered
//!    backoff, then reported as a transient failure.
//! 5. The storage record is versioned; missing, corrupt, other-version or expired records mean
//!    "no session", a corrupt one is removed, and it is written only after a valid 2xx login.
//! 6. A verified session is served from memory. `wx.checkSession` **succeeds at most once per
//!    launch**: once it has, it is never asked again; one that times out is retried like any
//!    transient effect (never two at once) and a later request asks again.
//!    [`VerifyPolicy`] decides whether a stored token is confirmed with the server.
//! 7. [`Event::SessionRejected`] clears the session and logs in once per rejected token,
//!    however many callers were rejected with it; a fresh session rejected again is reported,
//!    and so is every later rejection of that token, with no `wx.login`, until a new token
//!    exists.
//! 8. Failures keep what the world said: `errMsg`, `errno`, status, the server's error body.
//!
//! Every rule is an arm of the one `match` in `transition/mod.rs`; the files beside it are
//! named for what they decide. The states, and the inputs that move the machine between them,
//! are drawn in `docs/client-states.md`, which a test generates from the machine itself.

mod command;
mod config;
mod config_json;
mod error;
mod event;
mod kind;
mod machine;
mod state;
// Reachable crate-wide so that `test_support` can re-export the record's reader.
pub(crate) mod stored;
mod transition;

pub use command::{Command, Session};
pub use config::{CodeReuse, LoginConfig, Timeouts, VerifyPolicy};
pub use error::{LoginError, LoginFailure, Step};
pub use event::{Event, WxFailure};
pub use kind::{EventKind, StateKind};
pub use machine::LoginMachine;
