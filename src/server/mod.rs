//! The developer server's side of the login: code2Session, WeChat's error codes, the login
//! flow as a sans-IO machine with a coordinator that joins duplicate codes, and the server's
//! own sessions.
//!
//! | file | concern |
//! |---|---|
//! | [`code2session`] | [`Code2SessionApi`](code2session::Code2SessionApi): the code2Session request and the parser of its answer |
//! | [`wechat_api`] | what every WeChat API shares: host, URL, the one parse (always scrubbed), failures, errcode classes |
//! | [`login`] | [`ServerLogin`]: one login request as a machine |
//! | [`coordinator`] | [`LoginCoordinator`]: every login of a process, duplicate codes joined, results remembered |
//! | [`session`] | the server's [`Session`] record and the answer to the client's session check |
//! | [`types`] | the events, commands, outcomes and errors both machines share |
//! | [`access_token`] | [`AccessTokenCache`]: the `access_token` as a machine (single flight, refresh ahead, compare-and-expire, guarded force) |
//! | [`phone`] | [`PhoneApi`](phone::PhoneApi): the current phone number API (`getuserphonenumber`) |
//! | `session_key` | `CheckSessionKeyApi` and `ResetSessionKeyApi`, signed (feature `crypto`) |
//! | `open_data` | strict decryption of `encryptedData` and the `rawData` signature (feature `crypto`) |

pub mod access_token;
pub mod code2session;
pub mod coordinator;
pub mod login;
#[cfg(feature = "crypto")]
pub mod open_data;
pub mod phone;
pub mod session;
#[cfg(feature = "crypto")]
pub mod session_key;
pub mod types;
pub mod wechat_api;

pub use access_token::{
    AccessTokenCache, AccessTokenCommand, AccessTokenConfig, AccessTokenError, AccessTokenEvent,
    AccessTokenState, TokenFailure,
};
pub use coordinator::{CoordinatorConfig, LoginCoordinator};
pub use login::{CODE_LIFETIME, ServerLogin};
pub use session::Session;
pub use types::{
    ExchangeFailure, ExchangeOutcome, ServerEventKind, ServerLoginCommand, ServerLoginConfig,
    ServerLoginError, ServerLoginEvent, ServerLoginState,
};
