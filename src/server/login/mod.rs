//! The server login: a client's login code exchanged for a session.
//!
//! [`LoginCoordinator`] is the one machine a server runs: it takes [`Event`]s and gives
//! [`Command`]s for every login of a process, runs one exchange per code (the client's body in,
//! code2Session out, retried on `-1` within the code's life, a session created by the caller,
//! the wire answer back), joins duplicate codes and remembers recent outcomes so that a client
//! retry gets its session instead of WeChat's 40163.
//!
//! | file | concern |
//! |---|---|
//! | `exchange` | the exchange of one code, the shell: numbers effects, tracks the deadline, queues commands (crate-internal) |
//! | `transition` | every rule of the exchange, deadlines included, in one exhaustive match |
//! | `state` | [`StateKind`] and the events each state expects |
//! | `event`, `command` | [`Event`], [`EventKind`], [`Command`], [`ExchangeOutcome`] |
//! | `error` | [`ExchangeError`] (the driver broke the contract), [`ExchangeFailure`] and [`SessionStoreFailure`] (the world failed) |
//! | `config` | [`ExchangeConfig`], [`CoordinatorConfig`] |
//! | `coordinator` | [`LoginCoordinator`]: exchanges keyed by code, effects routed, deadlines indexed |
//! | `recent` | the remembered codes: which outcomes are kept and what a retry gets |

mod command;
mod config;
mod coordinator;
mod error;
mod event;
// Reachable crate-wide so that `test_support` can re-export the one-code machine for tests.
pub(crate) mod exchange;
mod recent;
mod state;
mod transition;

pub use command::{Command, ExchangeOutcome};
pub use config::{CoordinatorConfig, ExchangeConfig};
pub use coordinator::LoginCoordinator;
pub use error::{ExchangeError, ExchangeFailure, SessionStoreFailure};
pub use event::{Event, EventKind};
pub use state::StateKind;
