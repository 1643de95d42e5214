//! Open-data decryption: a negative vector for every check after decryption (padding, UTF-8,
//! JSON, watermark, age), and the order of all checks.

#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::open_data_support;

use open_data_support::*;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{DecryptOptions, OpenDataFailure, PaddingFault, decrypt};
use wxlogin::server::phone::PhoneNumber;

// ---------------------------------------------------------------- 5. padding

fn padded_with(last_block: [u8; 16]) -> String {
    let mut padded = pkcs7(watermarked("").as_bytes());
    padded.extend_from_slice(&last_block);
    encrypt_raw(&key16(SESSION_KEY), &key16(IV), &padded)
}

#[test]
fn pad_length_zero() {
    let mut block = [b' '; 16];
    block[15] = 0;
    let e = err(&padded_with(block));
    assert_eq!(e, OpenDataFailure::Padding(PaddingFault::ZeroLength));
    assert_eq!(e.demo_code(), -41003);
}

#[test]
fn pad_length_seventeen_and_more() {
    for last in [17u8, 32, 255] {
        let e = err(&padded_with([last; 16]));
        assert_eq!(e, OpenDataFailure::Padding(PaddingFault::TooLong), "{last}");
        assert_eq!(e.demo_code(), -41003);
    }
}

#[test]
fn inconsistent_pad_bytes() {
    let mut block = [4u8; 16];
    block[12] = 3; // the first of the four pad bytes differs
    let e = err(&padded_with(block));
    assert_eq!(e, OpenDataFailure::Padding(PaddingFault::InconsistentBytes));
    let mut block = [16u8; 16];
    block[0] = 0;
    let e = err(&padded_with(block));
    assert_eq!(e, OpenDataFailure::Padding(PaddingFault::InconsistentBytes));
    // Two wrong bytes whose differences from the pad value cancel out under XOR: every byte
    // must be compared, not the differences combined.
    let mut block = [b' '; 16];
    block[13..].copy_from_slice(&[5, 5, 3]);
    let e = err(&padded_with(block));
    assert_eq!(e, OpenDataFailure::Padding(PaddingFault::InconsistentBytes));
    assert_eq!(e.demo_code(), -41003);
}

#[test]
fn full_block_of_padding_is_valid() {
    // 48 bytes of plaintext: PKCS#7 adds a whole block of 16s.
    let plaintext = watermarked(r#""x":"12345678","#);
    let plaintext = format!("{plaintext}{}", " ".repeat(48 - plaintext.len() % 48));
    assert_eq!(plaintext.len() % 16, 0);
    assert!(value(&demo_encrypt(plaintext.as_bytes()), IV, &strict()).is_ok());
}

#[test]
fn ciphertexts_on_either_side_of_the_stack_buffer() {
    // Up to 512 bytes of ciphertext are decrypted in a buffer on the stack, more on the heap:
    // both give the payload, and both check the padding. 436 characters make 511 bytes of
    // plaintext, 512 of ciphertext; 437 make 528.
    for len in [400, 421, 436, 437, 453, 5000] {
        let plaintext = watermarked(&format!(r#""f":"{}","#, "x".repeat(len)));
        let data = demo_encrypt(plaintext.as_bytes());
        let decrypted = value(&data, IV, &strict()).expect("decrypts");
        assert_eq!(decrypted.data["f"].as_str().map(str::len), Some(len));
        let padded = pkcs7(plaintext.as_bytes());
        let mut broken = padded.clone();
        let last = broken.len() - 1;
        broken[last] = 0;
        let e = err(&encrypt_raw(&key16(SESSION_KEY), &key16(IV), &broken));
        assert_eq!(
            e,
            OpenDataFailure::Padding(PaddingFault::ZeroLength),
            "{len}"
        );
    }
}

// ---------------------------------------------------------------- 6. UTF-8 JSON

#[test]
fn non_utf8_plaintext() {
    let e = err(&demo_encrypt(b"{\"a\":\"\xff\xfe\"}"));
    assert_eq!(e, OpenDataFailure::NotUtf8);
    assert_eq!(e.demo_code(), -41003);
}

#[test]
fn non_json_plaintext() {
    for plaintext in ["hello", "", "{\"watermark\":", "{} {}"] {
        let e = err(&demo_encrypt(plaintext.as_bytes()));
        assert!(
            matches!(e, OpenDataFailure::NotJson { .. }),
            "{plaintext:?}: {e:?}"
        );
        assert_eq!(e.demo_code(), -41003);
    }
}

// ---------------------------------------------------------------- 7. watermark and appid

#[test]
fn missing_watermark() {
    for plaintext in [
        r#"{"openId":"x"}"#,
        r#"{"watermark":null}"#,
        r#"[{"watermark":{"appid":"wx4f4bc4dec97d474b","timestamp":1}}]"#,
        r#""watermark""#,
        "42",
    ] {
        let e = err(&demo_encrypt(plaintext.as_bytes()));
        assert_eq!(e, OpenDataFailure::MissingWatermark, "{plaintext}");
        assert_eq!(e.demo_code(), -41003);
    }
}

#[test]
fn malformed_watermark() {
    for watermark in [
        json!({}),
        json!({"appid": APP_ID}),
        json!({"timestamp": 1}),
        json!({"appid": 1, "timestamp": 1}),
        json!({"appid": APP_ID, "timestamp": "1477314187"}),
        json!({"appid": APP_ID, "timestamp": 1.5}),
        json!({"appid": APP_ID, "timestamp": u64::MAX}),
        json!("wx4f4bc4dec97d474b"),
        json!([APP_ID, 1]),
    ] {
        let plaintext = json!({ "watermark": watermark }).to_string();
        let e = err(&demo_encrypt(plaintext.as_bytes()));
        assert_eq!(e, OpenDataFailure::InvalidWatermark, "{plaintext}");
        assert_eq!(e.demo_code(), -41003);
    }
}

#[test]
fn wrong_appid() {
    for app_id in [
        "wx0000000000000000",
        "WX4F4BC4DEC97D474B",
        "wx4f4bc4dec97d474b ",
    ] {
        let e = decrypt::<Value>(app_id, &key(), ENCRYPTED_DATA, IV, &strict()).unwrap_err();
        assert_eq!(e, OpenDataFailure::AppIdMismatch, "{app_id:?}");
        assert_eq!(e.demo_code(), -41003);
    }
}

/// Issue 11: an empty app id is the caller's mistake, refused first (before the key is even
/// decoded), even for data whose watermark carries an empty appid, which it would match.
#[test]
fn an_empty_app_id_is_refused_before_anything_else() {
    let plaintext = json!({ "watermark": { "appid": "", "timestamp": 1 } }).to_string();
    let stamped_for_nobody = demo_encrypt(plaintext.as_bytes());
    let e = decrypt::<Value>("", &key(), &stamped_for_nobody, IV, &strict()).unwrap_err();
    assert_eq!(e, OpenDataFailure::EmptyAppId);
    assert_eq!(e.demo_code(), -41003);
    // Checked before the session key and the iv.
    let bad_key = SessionKey::new("not a key");
    let e = decrypt::<Value>("", &bad_key, "%%%", "bad iv", &strict()).unwrap_err();
    assert_eq!(e, OpenDataFailure::EmptyAppId);
    // The same data with a real app id fails on the watermark instead.
    let e = decrypt::<Value>(APP_ID, &key(), &stamped_for_nobody, IV, &strict()).unwrap_err();
    assert_eq!(e, OpenDataFailure::AppIdMismatch);
}

// ---------------------------------------------------------------- 8. watermark age

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

#[test]
fn watermark_age_is_off_by_default() {
    // The 2016 vector decrypts without any freshness check.
    assert!(value(ENCRYPTED_DATA, IV, &strict()).is_ok());
}

#[test]
fn watermark_age_within_limit() {
    let max = Duration::minutes(10);
    for now in [
        WATERMARK_TIMESTAMP,
        WATERMARK_TIMESTAMP + 600,
        WATERMARK_TIMESTAMP - 600,
    ] {
        let options = DecryptOptions::new().max_watermark_age(max, at(now));
        assert!(value(ENCRYPTED_DATA, IV, &options).is_ok(), "{now}");
    }
}

#[test]
fn watermark_too_old_or_from_the_future() {
    let max = Duration::minutes(10);
    for now in [
        WATERMARK_TIMESTAMP + 601,
        WATERMARK_TIMESTAMP - 601,
        1_700_000_000,
    ] {
        let options = DecryptOptions::new().max_watermark_age(max, at(now));
        let e = value(ENCRYPTED_DATA, IV, &options).unwrap_err();
        assert_eq!(e, OpenDataFailure::StaleWatermark { max_age: max }, "{now}");
        assert_eq!(e.demo_code(), -41003);
    }
}

#[test]
fn watermark_age_with_absurd_times_never_panics() {
    let nows = [
        time::PrimitiveDateTime::MIN.assume_utc(),
        time::PrimitiveDateTime::MAX.assume_utc(),
        OffsetDateTime::UNIX_EPOCH,
    ];
    let maxes = [
        Duration::MIN,
        Duration::ZERO,
        Duration::MAX,
        Duration::seconds(-5),
    ];
    for now in nows {
        for max in maxes {
            let options = DecryptOptions::new().max_watermark_age(max, now);
            let result = value(ENCRYPTED_DATA, IV, &options);
            if max.is_negative() {
                assert_eq!(
                    result.unwrap_err(),
                    OpenDataFailure::StaleWatermark { max_age: max }
                );
            }
        }
    }
    for stamp in [i64::MIN, i64::MAX, 0, -1] {
        let plaintext = format!(r#"{{"watermark":{{"appid":"{APP_ID}","timestamp":{stamp}}}}}"#);
        let data = demo_encrypt(plaintext.as_bytes());
        for now in nows {
            let options = DecryptOptions::new().max_watermark_age(Duration::MAX, now);
            let _ = value(&data, IV, &options);
            let options = DecryptOptions::new().max_watermark_age(Duration::hours(1), now);
            let fresh = value(&data, IV, &options).is_ok();
            // Only the epoch is within an hour of the timestamps 0 and -1.
            assert_eq!(
                fresh,
                now == OffsetDateTime::UNIX_EPOCH && stamp.unsigned_abs() <= 1,
                "{stamp}"
            );
        }
    }
}

// ---------------------------------------------------------------- order of the checks

#[test]
fn checks_run_in_the_documented_order() {
    let bad_key = SessionKey::new("short");
    let bad_iv = "short";
    let bad_data = "not base64!";
    let e = decrypt::<Value>("other", &bad_key, bad_data, bad_iv, &strict()).unwrap_err();
    assert_eq!(e.demo_code(), -41001);
    let e = decrypt::<Value>("other", &key(), bad_data, bad_iv, &strict()).unwrap_err();
    assert_eq!(e.demo_code(), -41002);
    let e = decrypt::<Value>("other", &key(), bad_data, IV, &strict()).unwrap_err();
    assert_eq!(e.demo_code(), -41004);
    // Appid before age, age before payload shape.
    let stale = DecryptOptions::new().max_watermark_age(Duration::ZERO, at(0));
    let e = decrypt::<PhoneNumber>("other", &key(), ENCRYPTED_DATA, IV, &stale).unwrap_err();
    assert_eq!(e, OpenDataFailure::AppIdMismatch);
    let e = decrypt::<PhoneNumber>(APP_ID, &key(), ENCRYPTED_DATA, IV, &stale).unwrap_err();
    assert_eq!(
        e,
        OpenDataFailure::StaleWatermark {
            max_age: Duration::ZERO
        }
    );
}

#[test]
fn options_accessors() {
    let now = at(1);
    let options = DecryptOptions::new()
        .repair_mangled_plus(true)
        .max_watermark_age(Duration::seconds(5), now);
    assert!(options.repairs_mangled_plus());
    assert_eq!(
        options.watermark_age_check(),
        Some((Duration::seconds(5), now))
    );
    assert_eq!(DecryptOptions::default(), DecryptOptions::new());
    assert!(!DecryptOptions::default().repairs_mangled_plus());
    assert_eq!(DecryptOptions::default().watermark_age_check(), None);
}
