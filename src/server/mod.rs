//! The developer server's side of the login: code2Session, WeChat's error codes, the login
//! flow as a sans-IO machine with a coordinator that joins duplicate codes, and the server's
//! own sessions.
//!
//! | file | concern |
//! |---|---|
//! | [`code2session`] | [`Code2SessionApi`](code2session::Code2SessionApi): the code2Session request and the parser of its answer |
//! | [`wechat_api`] | what every WeChat API shares: host, URL, the one parse (always scrubbed), failures, errcode classes |
//! | [`login`] | the login as a machine: [`login::LoginCoordinator`] exchanges every code of a process, joining duplicates |
//! | [`session`] | the server's [`session::SessionRecord`] and the answer to the client's session check ([`session::SessionCheck`]) |
//! | [`access_token`] | [`AccessTokenCache`](access_token::AccessTokenCache): the `access_token` as a machine (single flight, refresh ahead, compare-and-expire, guarded force) |
//! | [`phone`] | [`PhoneApi`](phone::PhoneApi): the current phone number API (`getuserphonenumber`) |
//! | `session_key` | `CheckSessionKeyApi` and `ResetSessionKeyApi`, signed (feature `crypto`) |
//! | `open_data` | strict decryption of `encryptedData` and the `rawData` signature (feature `crypto`) |

pub mod access_token;
pub mod code2session;
pub mod login;
#[cfg(feature = "crypto")]
pub mod open_data;
pub mod phone;
pub mod session;
#[cfg(feature = "crypto")]
pub mod session_key;
pub mod wechat_api;
