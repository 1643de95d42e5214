//! The developer server's side of the login: code2Session, WeChat's error codes, the login
//! flow as a sans-IO machine with a coordinator that joins duplicate codes, and the server's
//! own sessions.
//!
//! | file | concern |
//! |---|---|
//! | [`code2session`] | the code2Session request and the parser of its answer |
//! | [`errcode`] | WeChat's `{errcode, errmsg}` envelope, the classification of every code, the client's answer |
//! | [`login`] | the code exchange as a machine ([`login::CodeExchange`]) and the coordinator of every exchange of a process ([`login::LoginCoordinator`]) |
//! | [`session`] | the server's [`session::SessionRecord`] and the answer to the client's session check ([`session::SessionCheck`]) |
//! | `scrub` | the one scrub of WeChat's texts and transport messages (secrets, credential-shaped values) |
//! | [`access_token`] | [`AccessTokenCache`](access_token::AccessTokenCache): the `access_token` as a machine (single flight, refresh ahead, compare-and-expire, guarded force) |
//! | [`phone`] | the current phone number API (`getuserphonenumber`) |
//! | `session_key` | checkSessionKey and resetUserSessionKey, signed (feature `crypto`) |
//! | `open_data` | strict decryption of `encryptedData` and the `rawData` signature (feature `crypto`) |

pub mod access_token;
pub mod code2session;
pub mod errcode;
pub mod login;
#[cfg(feature = "crypto")]
pub mod open_data;
pub mod phone;
pub(crate) mod scrub;
pub mod session;
#[cfg(feature = "crypto")]
pub mod session_key;

pub use crate::backoff::{Backoff, SplitMix64};
pub use code2session::{Code2Session, Credentials, WeChatSession};
pub use errcode::{ApiFailure, ErrorClass, Quota, WeChatFailure};
