//! Properties: arbitrary input never panics and always ends in `Ok` or one typed error with a
//! demo code; whatever we encrypt comes back exactly.

#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::open_data_support;

use open_data_support::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{
    DecryptOptions, OpenDataFailure, ShareInfo, SignatureFailure, UserInfo, decrypt,
    verify_raw_data_signature,
};
use wxlogin::server::phone::PhoneNumber;

const CODES: [i32; 4] = [-41001, -41002, -41003, -41004];

fn options() -> impl Strategy<Value = DecryptOptions> {
    (
        any::<bool>(),
        proptest::option::of((any::<i64>(), any::<i64>(), any::<i32>())),
    )
        .prop_map(|(repair, age)| {
            let options = DecryptOptions::new().repair_mangled_plus(repair);
            match age {
                None => options,
                Some((max_seconds, now_seconds, nanos)) => {
                    // Clamp `now` into the representable range instead of skipping.
                    let now = OffsetDateTime::from_unix_timestamp(now_seconds).unwrap_or(
                        if now_seconds < 0 {
                            time::PrimitiveDateTime::MIN.assume_utc()
                        } else {
                            time::PrimitiveDateTime::MAX.assume_utc()
                        },
                    );
                    let max = Duration::new(max_seconds, nanos % 1_000_000_000);
                    options.max_watermark_age(max, now)
                }
            }
        })
}

/// Text that is mostly base64, with a sprinkling of spaces and junk.
fn base64ish(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9+/= \\-_!\n]{{0,{max}}}")).unwrap()
}

/// Checks the invariant every `decrypt` result must satisfy.
fn check<T>(result: Result<T, OpenDataFailure>, secrets: &[&str]) {
    if let Err(e) = result {
        assert!(CODES.contains(&e.demo_code()), "{e:?}");
        let text = format!("{e} {e:?}");
        for secret in secrets.iter().filter(|s| s.len() >= 8) {
            assert!(!text.contains(*secret), "{secret:?} leaked in {text:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(
        app_id in ".{0,24}",
        key in ".{0,32}",
        iv in ".{0,32}",
        data in ".{0,256}",
        options in options(),
    ) {
        let result = decrypt::<Value>(&app_id, &SessionKey::new(key.clone()), &data, &iv, &options);
        check(result, &[&key, &iv, &data]);
    }

    #[test]
    fn base64_shaped_input_never_panics(
        key in base64ish(26),
        iv in base64ish(26),
        data in base64ish(600),
        options in options(),
    ) {
        let result = decrypt::<UserInfo>(APP_ID, &SessionKey::new(key.clone()), &data, &iv, &options);
        check(result, &[&key, &iv, &data]);
    }

    #[test]
    fn arbitrary_ciphertext_under_a_valid_key_fails_typed(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        ciphertext in proptest::collection::vec(any::<u8>(), 0..200),
        options in options(),
    ) {
        let key_text = b64(&key);
        let data = b64(&ciphertext);
        let result = decrypt::<Value>(APP_ID, &SessionKey::new(key_text.clone()), &data, &b64(&iv), &options);
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            prop_assert_eq!(
                result.clone().unwrap_err(),
                OpenDataFailure::CiphertextLength { len: ciphertext.len() }
            );
        }
        check(result, &[&key_text, &data]);
    }

    #[test]
    fn arbitrary_plaintext_reaches_the_json_checks(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..120),
        options in options(),
    ) {
        let data = encrypt(&key, &iv, &plaintext);
        let result = decrypt::<PhoneNumber>(APP_ID, &SessionKey::new(b64(&key)), &data, &b64(&iv), &options);
        // Correctly padded: the failure, if any, is after the padding check.
        if let Err(e) = &result {
            prop_assert!(!matches!(
                e,
                OpenDataFailure::SessionKey(_) | OpenDataFailure::Iv(_) | OpenDataFailure::Base64 { .. }
                    | OpenDataFailure::CiphertextLength { .. } | OpenDataFailure::Padding(_)
            ), "{:?}", e);
            prop_assert_eq!(e.demo_code(), -41003);
        }
        check(result, &[&b64(&key), &data]);
    }

    #[test]
    fn roundtrip(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        fields in proptest::collection::btree_map("[a-zA-Z]{1,8}", ".{0,20}", 0..6),
        group in "[A-Za-z0-9_-]{1,28}",
        timestamp in any::<i64>(),
    ) {
        let mut object = serde_json::Map::new();
        for (k, v) in fields {
            object.insert(k, Value::String(v));
        }
        object.insert("openGId".into(), Value::String(group.clone()));
        object.insert("watermark".into(), json!({"appid": APP_ID, "timestamp": timestamp}));
        let plaintext = Value::Object(object);
        let data = encrypt(&key, &iv, plaintext.to_string().as_bytes());
        let key = SessionKey::new(b64(&key));
        let iv = b64(&iv);

        let decrypted = decrypt::<Value>(APP_ID, &key, &data, &iv, &DecryptOptions::new()).unwrap();
        prop_assert_eq!(&decrypted.data, &plaintext);
        prop_assert_eq!(decrypted.watermark.timestamp, timestamp);
        let share = decrypt::<ShareInfo>(APP_ID, &key, &data, &iv, &DecryptOptions::new()).unwrap();
        prop_assert_eq!(share.data.open_g_id, group);

        // The `+` repair restores any mangling, and never changes intact input.
        let repair = DecryptOptions::new().repair_mangled_plus(true);
        let mangled = data.replace('+', " ");
        let repaired = decrypt::<Value>(APP_ID, &key, &mangled, &iv.replace('+', " "), &repair).unwrap();
        prop_assert_eq!(&repaired.data, &plaintext);
        if data.contains('+') {
            prop_assert_eq!(
                decrypt::<Value>(APP_ID, &key, &mangled, &iv, &DecryptOptions::new()).unwrap_err(),
                OpenDataFailure::Base64 { contains_space: true }
            );
        }
    }

    #[test]
    fn signature_never_panics(raw in ".{0,64}", key in ".{0,32}", signature in ".{0,48}") {
        let result = verify_raw_data_signature(&raw, &SessionKey::new(key), &signature);
        if signature.len() != 40 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            prop_assert_eq!(result, Err(SignatureFailure::Malformed));
        } else {
            prop_assert!(result.is_ok() || result == Err(SignatureFailure::Mismatch));
        }
    }
}
