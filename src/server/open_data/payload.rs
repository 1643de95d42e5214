//! What decrypted open data deserialises into: the watermark and the typed payloads.
//!
//! Any `serde::de::DeserializeOwned` type works as a payload, `serde_json::Value` included; the
//! types here cover the common cases, with [`PhoneNumber`](crate::server::phone::PhoneNumber) and
//! [`Watermark`], which the phone number API shares, in [`phone`](crate::server::phone). Unknown
//! fields are ignored.

use serde::{Deserialize, Serialize};

#[cfg(test)]
use crate::server::phone::PhoneNumber;
use crate::server::phone::Watermark;

/// A successful decryption: the payload and the watermark that was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decrypted<T> {
    /// The whole plaintext JSON, deserialised as `T` (the `watermark` field included, if `T`
    /// keeps it).
    pub data: T,
    /// The watermark, whose appid has been checked against ours.
    pub watermark: Watermark,
}

/// The user profile of `getUserInfo` / `getUserProfile` open data.
///
/// Only the watermark is checked; every other field is optional here (absent strings read as
/// empty, an absent gender as 0). Since 2022-10-25 WeChat answers with the nickname "微信用户"
/// and a grey avatar; do not build login on this data. Deserialise into
/// `serde_json::Value` or your own type to see exactly what arrived.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserInfo {
    /// `openId`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// `unionId`, present only when the app is bound to an Open Platform account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<String>,
    /// `nickName`.
    #[serde(default)]
    pub nick_name: String,
    /// `gender`: 0 unknown, 1 male, 2 female.
    #[serde(default)]
    pub gender: u8,
    /// `language`, e.g. `zh_CN`.
    #[serde(default)]
    pub language: String,
    /// `city`.
    #[serde(default)]
    pub city: String,
    /// `province`.
    #[serde(default)]
    pub province: String,
    /// `country`.
    #[serde(default)]
    pub country: String,
    /// `avatarUrl`.
    #[serde(default)]
    pub avatar_url: String,
}

/// The group of a shared message (`getShareInfo` open data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShareInfo {
    /// `openGId`: the group's id, stable for this app.
    #[serde(rename = "openGId")]
    pub open_g_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_code_accepts_number_and_string() {
        let a: PhoneNumber = serde_json::from_str(
            r#"{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":86}"#,
        )
        .unwrap();
        let b: PhoneNumber = serde_json::from_str(
            r#"{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86"}"#,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.country_code, "86");
        assert!(
            serde_json::from_str::<PhoneNumber>(
                r#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":8.6}"#
            )
            .is_err()
        );
    }

    #[test]
    fn watermark_time() {
        let w = Watermark {
            app_id: "wx".into(),
            timestamp: 1_477_314_187,
        };
        assert_eq!(w.issued_at().unwrap().year(), 2016);
        let far = Watermark {
            timestamp: i64::MAX,
            ..w
        };
        assert_eq!(far.issued_at(), None);
    }
}
