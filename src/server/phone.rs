//! The current phone number API: the code of the `getPhoneNumber` button in, the user's number
//! out, with no client-supplied ciphertext involved.
//!
//! ```text
//! POST {base}/wxa/business/getuserphonenumber?access_token=…   {"code":"…","openid":"…"?}
//! -> {"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"…","purePhoneNumber":"…",
//!     "countryCode":86,"watermark":{"timestamp":…,"appid":"…"}}}
//! ```
//!
//! The code is single use and lives 5 minutes; giving the openid makes WeChat check that the
//! code belongs to that user. Errors: `-1` (busy, retry), 40029 (bad code), 45011 (quota),
//! 40013 (bad appid), and the token errors 40001 / 40014 / 42001, which the driver reports to
//! its [`AccessTokenCache`](crate::server::access_token::AccessTokenCache) with
//! [`PhoneFailure::rejected_token_errcode`].
//!
//! [`PhoneNumber`] and [`Watermark`] are also what the legacy encrypted open data carries
//! (`open_data`, feature `crypto`).

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::http::{HttpRequest, HttpResult};
use crate::secret::AccessToken;
use crate::server::wechat_api::{self, ApiFailure, DEFAULT_BASE_URL, Url};
use crate::wire::to_json;

/// The `watermark` WeChat puts in every open-data plaintext and in the phone number answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Watermark {
    /// The app id the data was made for (`appid`).
    #[serde(rename = "appid")]
    pub app_id: String,
    /// When the data was made, in unix seconds (`timestamp`).
    pub timestamp: i64,
}

impl Watermark {
    /// The timestamp as a date and time, or `None` if it is outside the range of
    /// [`OffsetDateTime`].
    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.timestamp).ok()
    }
}

/// A user's phone number, as both the phone number API and the legacy `getPhoneNumber` open
/// data give it. All three fields are required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PhoneNumber {
    /// `phoneNumber`: with the country code for numbers outside mainland China.
    pub phone_number: String,
    /// `purePhoneNumber`: without the country code.
    pub pure_phone_number: String,
    /// `countryCode`, e.g. `"86"`. WeChat sends it as a number or as a string; both arrive
    /// here as the decimal text.
    #[serde(deserialize_with = "number_or_string")]
    pub country_code: String,
}

/// Accepts a non-negative JSON integer or a string, as text.
pub(crate) fn number_or_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::Number(n) => n.to_string(),
        Either::Text(s) => s,
    })
}

/// The `phone_info` of a successful answer: the number and its checked watermark.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PhoneInfo {
    /// The number.
    #[serde(flatten)]
    pub number: PhoneNumber,
    /// The watermark, whose appid has been checked against ours.
    pub watermark: Watermark,
}

/// Why the phone number API gave no number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneFailure {
    /// The call failed or WeChat answered with an error (its errcode and `rid` are kept).
    #[error(transparent)]
    Api(ApiFailure),
    /// The watermark names another app: the answer is not for us.
    #[error("the phone number's watermark names app {got:?}, not {expected:?}")]
    AppIdMismatch {
        /// Our appid.
        expected: String,
        /// The watermark's appid.
        got: String,
    },
}

impl PhoneFailure {
    /// The errcode to report with
    /// [`Event::TokenRejected`](crate::server::access_token::Event::TokenRejected) when WeChat
    /// refused the access token (40001, 40014, 42001).
    pub fn rejected_token_errcode(&self) -> Option<i64> {
        match self {
            PhoneFailure::Api(e) => e.rejected_token_errcode(),
            PhoneFailure::AppIdMismatch { .. } => None,
        }
    }
}

/// The phone number API of one mini program: builds its requests and reads its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PhoneApi {
    /// WeChat's host, [`DEFAULT_BASE_URL`] unless changed (a test server, a proxy); trailing
    /// slashes are ignored.
    pub base_url: String,
    /// The mini program's appid, which the answer's watermark must name.
    pub appid: String,
}

impl PhoneApi {
    /// The API of the mini program `appid`, on WeChat's host.
    pub fn new(appid: impl Into<String>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            appid: appid.into(),
        }
    }

    /// The `POST` request for the button's `code`, with the user's `openid` if known (WeChat
    /// then checks that the code is that user's). Its `Debug` hides the token and the body.
    pub fn request(
        &self,
        access_token: &AccessToken,
        code: &str,
        openid: Option<&str>,
    ) -> HttpRequest {
        #[derive(Serialize)]
        struct Body<'a> {
            code: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            openid: Option<&'a str>,
        }
        let url = Url::new(&self.base_url, "/wxa/business/getuserphonenumber")
            .query("access_token", access_token.expose_secret());
        HttpRequest::post_json(url.into_string(), to_json(&Body { code, openid }))
    }

    /// Parses WeChat's answer (or the transport error the driver got instead): a 200 object
    /// with `errcode` absent or 0 and a `phone_info` whose three fields are present and whose
    /// watermark names our appid. Every text a failure keeps is scrubbed (HTTP clients often
    /// quote the URL, and with it the access token).
    pub fn parse(&self, result: &HttpResult) -> Result<PhoneInfo, PhoneFailure> {
        #[derive(Deserialize)]
        struct Answer {
            phone_info: PhoneInfo,
        }
        let Answer { phone_info } = wechat_api::parse(result).map_err(PhoneFailure::Api)?;
        if phone_info.watermark.app_id != self.appid {
            return Err(PhoneFailure::AppIdMismatch {
                expected: self.appid.clone(),
                got: phone_info.watermark.app_id,
            });
        }
        Ok(phone_info)
    }
}
