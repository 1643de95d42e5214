//! The server login: a client's login code exchanged for a session.
//!
//! [`CodeExchange`] runs one exchange (the client's body in, code2Session out, retried on `-1`
//! within the code's life, a session created by the caller, the wire answer back);
//! [`LoginCoordinator`] runs every exchange of a process, joins duplicate codes and remembers
//! recent outcomes so that a client retry gets its session instead of WeChat's 40163. Both take
//! [`Event`]s and give [`Command`]s, so one driver loop runs either.
//!
//! | file | concern |
//! |---|---|
//! | `exchange` | [`CodeExchange`], the shell: numbers effects, tracks the deadline, queues commands |
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
mod exchange;
mod recent;
mod state;
mod transition;

pub use command::{Command, ExchangeOutcome};
pub use config::{CoordinatorConfig, ExchangeConfig};
pub use coordinator::LoginCoordinator;
pub use error::{ExchangeError, ExchangeFailure, SessionStoreFailure};
pub use event::{Event, EventKind};
pub use exchange::CodeExchange;
pub use state::StateKind;
