//! What every WeChat server API shares: the host, the URL with its percent-encoded query, the
//! one parse of an answer (which always scrubs what it keeps), the failures, and what each
//! errcode asks the developer server to do.
//!
//! Every API of this crate has the same two verbs: `request(..)` builds the [`HttpRequest`] the
//! driver sends, `parse(&HttpResult)` reads what came back ([`HttpResult`]: the response, or the
//! transport failure the driver got instead):
//!
//! | API | request | success |
//! |---|---|---|
//! | [`Code2SessionApi`](super::code2session::Code2SessionApi) | `GET /sns/jscode2session` | [`WeChatSession`](super::code2session::WeChatSession) |
//! | [`PhoneApi`](super::phone::PhoneApi) | `POST /wxa/business/getuserphonenumber` | [`PhoneInfo`](super::phone::PhoneInfo) |
//! | `CheckSessionKeyApi`, `ResetSessionKeyApi` (feature `crypto`) | `GET /wxa/checksession`, `GET /wxa/resetusersessionkey` | `()`, `ResetSessionKey` |
//!
//! The token API (`/cgi-bin/stable_token`, `/cgi-bin/token`) has no public verbs: the
//! [`AccessTokenCache`](super::access_token::AccessTokenCache) is the one way to a token, and
//! its `Command::Fetch` carries the request.
//!
//! | file | concern |
//! |---|---|
//! | `url` | [`DEFAULT_BASE_URL`], the URL builder and percent-encoding |
//! | `parse` | [`parse`]: size cap, status, the `{errcode, errmsg}` envelope, the API's fields |
//! | `scrub` | the one scrub of world texts: known secrets, then credential-shaped values |
//! | `failure` | [`ApiFailure`], [`WeChatFailure`] and the client's answer to each |
//! | `class` | [`ErrorClass`], [`Quota`] and the table from errcode to class |
//! | `rid` | the request id in an `errmsg`, and the cut of every kept text |
//!
//! [`HttpRequest`]: crate::http::HttpRequest
//! [`HttpResult`]: crate::http::HttpResult

mod class;
// `failure` and `rid` are reachable crate-wide so that `test_support` can re-export their limits.
pub(crate) mod failure;
mod parse;
pub(crate) mod rid;
mod scrub;
mod url;

pub(crate) use class::classify;
pub use class::{ErrorClass, Quota};
pub(crate) use failure::internal_body;
pub use failure::{ApiFailure, WeChatFailure};
pub use parse::parse;
pub(crate) use parse::{admit, parse_scrubbed};

pub(crate) use scrub::{Scrub, redact_transport};
pub use url::DEFAULT_BASE_URL;
pub(crate) use url::Url;
