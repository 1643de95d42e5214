//! No error or option ever shows the session key, the iv, the encrypted data or the plaintext.

#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::markers::{PLANTED, assert_quiet};
use crate::open_data_support;

use std::collections::BTreeSet;

use open_data_support::*;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{
    DecryptOptions, OpenDataFailure, UserInfo, decrypt, verify_raw_data_signature,
};
use wxlogin::server::phone::PhoneNumber;

fn fail<T: serde::de::DeserializeOwned>(
    key: &str,
    data: &str,
    iv: &str,
    options: &DecryptOptions,
) -> OpenDataFailure {
    match decrypt::<T>(APP_ID, &SessionKey::new(key), data, iv, options) {
        Ok(_) => panic!("test bug: expected a failure"),
        Err(e) => e,
    }
}

/// Every failure `decrypt` can produce, each made from inputs that carry markers.
fn every_error() -> Vec<OpenDataFailure> {
    let strict = &DecryptOptions::new();
    let stale = &DecryptOptions::new()
        .repair_mangled_plus(true)
        .max_watermark_age(Duration::seconds(1), OffsetDateTime::UNIX_EPOCH);
    let enc = |plaintext: &str| demo_encrypt(plaintext.as_bytes());
    let mut not_utf8 = PLANTED.as_bytes().to_vec();
    not_utf8.extend_from_slice(&[0xff, 0xfe]);
    vec![
        // SessionKey: each fault, with marker text.
        fail::<Value>("MARKERKEY", ENCRYPTED_DATA, IV, strict),
        fail::<Value>("MARKERKEYMARKERKEYMARKE!", ENCRYPTED_DATA, IV, strict),
        fail::<Value>("MARKERKEYMARKERKEYMARKER", ENCRYPTED_DATA, IV, strict),
        // Iv.
        fail::<Value>(SESSION_KEY, ENCRYPTED_DATA, "MARKERIV", strict),
        fail::<Value>(
            SESSION_KEY,
            ENCRYPTED_DATA,
            "MARKERIVMARKERIVMARKERI!",
            strict,
        ),
        fail::<Value>(
            SESSION_KEY,
            ENCRYPTED_DATA,
            "MARKERIVMARKERIVMARKERIV",
            strict,
        ),
        // TooLarge, Base64, CiphertextLength.
        fail::<Value>(SESSION_KEY, &"MARKERDATA".repeat(10_000), IV, strict),
        fail::<Value>(SESSION_KEY, "MARKERDATA MARKERDATA", IV, strict),
        fail::<Value>(SESSION_KEY, "MARKERDATA", IV, strict),
        fail::<Value>(SESSION_KEY, "MARKERDATA==", IV, strict),
        // Padding, with the real key and data.
        fail::<Value>(SESSION_KEY, ENCRYPTED_DATA, &b64(&[1; 16]), strict),
        fail::<Value>(
            SESSION_KEY,
            &encrypt_raw(&key16(SESSION_KEY), &key16(IV), &[0xee; 32]),
            IV,
            strict,
        ),
        // NotUtf8 next to a marker, NotJson.
        fail::<Value>(SESSION_KEY, &demo_encrypt(&not_utf8), IV, strict),
        fail::<Value>(
            SESSION_KEY,
            &enc(&format!("{{\"{PLANTED}\": {PLANTED}}}")),
            IV,
            strict,
        ),
        // MissingWatermark, InvalidWatermark, AppIdMismatch.
        fail::<Value>(
            SESSION_KEY,
            &enc(&format!("{{\"{PLANTED}\":1}}")),
            IV,
            strict,
        ),
        fail::<Value>(
            SESSION_KEY,
            &enc(&format!(
                "{{\"watermark\":{{\"appid\":\"{PLANTED}\",\"timestamp\":\"{PLANTED}\"}}}}"
            )),
            IV,
            strict,
        ),
        fail::<Value>(
            SESSION_KEY,
            &enc(&format!(
                "{{\"watermark\":{{\"appid\":\"{PLANTED}\",\"timestamp\":1}}}}"
            )),
            IV,
            strict,
        ),
        // StaleWatermark.
        fail::<Value>(SESSION_KEY, ENCRYPTED_DATA, IV, stale),
        // Payload: serde_json would quote the value; the error must not.
        fail::<UserInfo>(
            SESSION_KEY,
            &enc(&watermarked(&format!("\"gender\":\"{PLANTED}\","))),
            IV,
            strict,
        ),
        fail::<PhoneNumber>(SESSION_KEY, ENCRYPTED_DATA, IV, strict),
    ]
}

fn markers() -> Vec<String> {
    let mut markers: Vec<String> = [
        "MARKER",
        PLANTED,
        SESSION_KEY,
        IV,
        APP_ID,
        "Band",
        "oGZUI0eg",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Any 12-character window of the data text.
    markers.extend(
        ENCRYPTED_DATA
            .as_bytes()
            .chunks(12)
            .filter(|c| c.len() == 12)
            .map(|c| String::from_utf8(c.to_vec()).unwrap()),
    );
    markers
}

#[test]
fn every_variant_is_covered() {
    let names: BTreeSet<String> = every_error()
        .iter()
        .map(|e| {
            let debug = format!("{e:?}");
            debug
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = [
        "SessionKey",
        "Iv",
        "TooLarge",
        "Base64",
        "CiphertextLength",
        "Padding",
        "NotUtf8",
        "NotJson",
        "MissingWatermark",
        "InvalidWatermark",
        "AppIdMismatch",
        "StaleWatermark",
        "Payload",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(names, expected);
}

#[test]
fn errors_never_show_secrets_or_plaintext() {
    let markers = markers();
    for e in every_error() {
        for text in [format!("{e:?}"), e.to_string()] {
            assert_quiet("a decryption failure", &text);
            for marker in &markers {
                assert!(
                    !text.contains(marker.as_str()),
                    "{marker:?} leaked in {text:?}"
                );
            }
            assert!(!text.is_empty());
        }
        // Messages are lower-case and have no trailing period.
        let display = e.to_string();
        assert!(
            display.starts_with(|c: char| c.is_ascii_lowercase()),
            "{display}"
        );
        assert!(!display.ends_with('.'), "{display}");
    }
}

#[test]
fn options_never_show_secrets() {
    let options = DecryptOptions::new()
        .repair_mangled_plus(true)
        .max_watermark_age(Duration::minutes(5), OffsetDateTime::UNIX_EPOCH);
    let text = format!("{options:?}");
    assert_quiet("the options", &text);
    for marker in markers() {
        assert!(!text.contains(marker.as_str()), "{marker:?} in {text}");
    }
}

#[test]
fn signature_check_is_silent_about_the_key() {
    let key = SessionKey::new("MARKERKEYMARKERKEYMARKER");
    let e = verify_raw_data_signature("MARKERRAW", &key, "MARKERSIG").unwrap_err();
    assert!(!format!("{e:?} {e}").contains("MARKER"));
    assert_eq!(format!("{key:?}"), "SessionKey([redacted])");
}
