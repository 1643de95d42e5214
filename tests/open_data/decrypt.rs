//! Open-data decryption: the official demo vector, the typed payloads, and a negative vector for
//! the checks before decryption (key, iv, size, base64, ciphertext length).

#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::open_data_support;

use open_data_support::*;
use serde_json::Value;
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{
    DecryptOptions, MAX_ENCRYPTED_DATA_LEN, MaterialFault, OpenDataFailure, ShareInfo, UserInfo,
    decrypt,
};
use wxlogin::server::phone::PhoneNumber;

// ---------------------------------------------------------------- the official demo vector

#[test]
fn official_vector_is_exactly_the_documented_plaintext() {
    assert_eq!(PLAINTEXT.len(), 393);
    // 393 bytes + 7 bytes of padding encrypt to exactly the official ciphertext, so decrypting
    // the official ciphertext yields exactly these 393 bytes.
    assert_eq!(demo_encrypt(PLAINTEXT.as_bytes()), ENCRYPTED_DATA);
    assert_eq!(unb64(ENCRYPTED_DATA).len(), 400);

    let decrypted = value(ENCRYPTED_DATA, IV, &strict()).unwrap();
    assert_eq!(
        decrypted.data,
        serde_json::from_str::<Value>(PLAINTEXT).unwrap()
    );
    assert_eq!(decrypted.watermark.app_id, APP_ID);
    assert_eq!(decrypted.watermark.timestamp, WATERMARK_TIMESTAMP);
}

#[test]
fn official_vector_as_user_info() {
    let user = decrypt::<UserInfo>(APP_ID, &key(), ENCRYPTED_DATA, IV, &strict())
        .unwrap()
        .data;
    assert_eq!(
        user.open_id.as_deref(),
        Some("oGZUI0egBJY1zhBYw2KhdUfwVJJE")
    );
    assert_eq!(
        user.union_id.as_deref(),
        Some("ocMvos6NjeKLIBqg5Mr9QjxrP1FA")
    );
    assert_eq!(user.nick_name, "Band");
    assert_eq!(user.gender, 1);
    assert_eq!(user.language, "zh_CN");
    assert_eq!(user.city, "Guangzhou");
    assert_eq!(user.province, "Guangdong");
    assert_eq!(user.country, "CN");
    assert!(
        user.avatar_url
            .starts_with("http://wx.qlogo.cn/mmopen/vi_32/")
    );
}

// ---------------------------------------------------------------- typed payloads

#[test]
fn phone_number_with_numeric_or_string_country_code() {
    for code in [r#"86"#, r#""86""#] {
        let plaintext = watermarked(&format!(
            r#""phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":{code},"#
        ));
        let phone = decrypt::<PhoneNumber>(
            APP_ID,
            &key(),
            &demo_encrypt(plaintext.as_bytes()),
            IV,
            &strict(),
        )
        .unwrap()
        .data;
        assert_eq!(phone.phone_number, "13800138000");
        assert_eq!(phone.pure_phone_number, "13800138000");
        assert_eq!(phone.country_code, "86");
    }
}

#[test]
fn share_info() {
    let plaintext = watermarked(r#""openGId":"tGxxxxxxxxxxxxxxxxxxxxxxxx","#);
    let share = decrypt::<ShareInfo>(
        APP_ID,
        &key(),
        &demo_encrypt(plaintext.as_bytes()),
        IV,
        &strict(),
    )
    .unwrap();
    assert_eq!(share.data.open_g_id, "tGxxxxxxxxxxxxxxxxxxxxxxxx");
}

#[test]
fn payload_shape_mismatch_is_typed() {
    // The user-info vector is not a phone number.
    let e = decrypt::<PhoneNumber>(APP_ID, &key(), ENCRYPTED_DATA, IV, &strict()).unwrap_err();
    let detail = "unexpected type or missing field";
    assert_eq!(
        e,
        OpenDataFailure::Payload { detail },
        "the category, never the value"
    );
    assert_eq!(e.demo_code(), -41003);
    // A negative country code is neither a code nor text.
    let plaintext = watermarked(r#""phoneNumber":"1","purePhoneNumber":"1","countryCode":-1,"#);
    let e = decrypt::<PhoneNumber>(
        APP_ID,
        &key(),
        &demo_encrypt(plaintext.as_bytes()),
        IV,
        &strict(),
    )
    .unwrap_err();
    assert!(matches!(e, OpenDataFailure::Payload { .. }), "{e:?}");
}

// ---------------------------------------------------------------- 1. session key (-41001)

#[test]
fn session_key_faults() {
    let cases = [
        ("", MaterialFault::TextLength { len: 0 }),
        (
            "tiihtNczf5v6AKRyjwEUhQ=",
            MaterialFault::TextLength { len: 23 },
        ),
        (
            "tiihtNczf5v6AKRyjwEUhQ===",
            MaterialFault::TextLength { len: 25 },
        ),
        // 24 bytes of key material (the Go SDK's accidental AES-192) is refused.
        (
            "tiihtNczf5v6AKRyjwEUhQAAAAAAAAAA",
            MaterialFault::TextLength { len: 32 },
        ),
        (
            "tiihtNczf5v6AKRyjwEUhQ%3D",
            MaterialFault::TextLength { len: 25 },
        ),
        ("tiihtNczf5v6AKRyjwEUhQ!!", MaterialFault::NotBase64),
        ("tiihtNczf5v6AKRyjwEUhQ  ", MaterialFault::NotBase64),
        ("tiihtNczf5v6AKRy-wEUhQ==", MaterialFault::NotBase64),
        (
            "AAAAAAAAAAAAAAAAAAAAAAAA",
            MaterialFault::DecodedLength { len: 18 },
        ),
        (
            "AAAAAAAAAAAAAAAAAAAAAAA=",
            MaterialFault::DecodedLength { len: 17 },
        ),
    ];
    for (text, fault) in cases {
        let e = decrypt::<Value>(
            APP_ID,
            &SessionKey::new(text),
            ENCRYPTED_DATA,
            IV,
            &strict(),
        )
        .unwrap_err();
        assert_eq!(e, OpenDataFailure::SessionKey(fault), "{text:?}");
        assert_eq!(e.demo_code(), -41001);
    }
}

#[test]
fn wrong_session_key_fails_after_decryption() {
    let wrong = SessionKey::new(b64(&[7u8; 16]));
    let e = decrypt::<Value>(APP_ID, &wrong, ENCRYPTED_DATA, IV, &strict()).unwrap_err();
    assert!(
        matches!(
            e,
            OpenDataFailure::Padding(_)
                | OpenDataFailure::NotUtf8
                | OpenDataFailure::NotJson { .. }
        ),
        "{e:?}"
    );
    assert_eq!(e.demo_code(), -41003);
}

// ---------------------------------------------------------------- 2. iv (-41002)

#[test]
fn iv_faults() {
    let cases = [
        ("", MaterialFault::TextLength { len: 0 }),
        (
            "r7BXXKkLb8qrSNn05n0qiA",
            MaterialFault::TextLength { len: 22 },
        ),
        (
            "r7BXXKkLb8qrSNn05n0qiA==\n",
            MaterialFault::TextLength { len: 25 },
        ),
        ("r7BXXKkLb8qrSNn05n0qi*==", MaterialFault::NotBase64),
        (
            "AAAAAAAAAAAAAAAAAAAAAAAA",
            MaterialFault::DecodedLength { len: 18 },
        ),
    ];
    for (iv, fault) in cases {
        let e = value(ENCRYPTED_DATA, iv, &strict()).unwrap_err();
        assert_eq!(e, OpenDataFailure::Iv(fault), "{iv:?}");
        assert_eq!(e.demo_code(), -41002);
    }
}

#[test]
fn wrong_iv_garbles_the_first_block() {
    let e = value(ENCRYPTED_DATA, &b64(&[0u8; 16]), &strict()).unwrap_err();
    assert!(
        matches!(
            e,
            OpenDataFailure::NotUtf8 | OpenDataFailure::NotJson { .. }
        ),
        "{e:?}"
    );
    assert_eq!(e.demo_code(), -41003);
}

// ---------------------------------------------------------------- 3. size and base64 (-41004)

#[test]
fn oversized_data_is_refused_before_decoding() {
    assert_eq!(MAX_ENCRYPTED_DATA_LEN, 64 * 1024, "the documented cap");
    let e = err(&"!".repeat(MAX_ENCRYPTED_DATA_LEN + 1));
    assert_eq!(
        e,
        OpenDataFailure::TooLarge {
            len: MAX_ENCRYPTED_DATA_LEN + 1,
            max: MAX_ENCRYPTED_DATA_LEN
        }
    );
    assert_eq!(e.demo_code(), -41003);
    // At the limit the text is decoded (and here fails as base64, not as too large).
    let e = err(&"!".repeat(MAX_ENCRYPTED_DATA_LEN));
    assert_eq!(
        e,
        OpenDataFailure::Base64 {
            contains_space: false
        }
    );
    // A maximal valid text is decrypted and fails later.
    let e = err(&"A".repeat(MAX_ENCRYPTED_DATA_LEN));
    assert_eq!(e.demo_code(), -41003);
    assert!(!matches!(e, OpenDataFailure::TooLarge { .. }));
}

#[test]
fn base64_is_strict() {
    let unpadded = ENCRYPTED_DATA.trim_end_matches('=');
    let url_safe = ENCRYPTED_DATA.replace('+', "-").replace('/', "_");
    let with_newline = format!("{}\n{}", &ENCRYPTED_DATA[..76], &ENCRYPTED_DATA[76..]);
    let trailing_bits = {
        // "ew==" is canonical for one byte; "ex==" carries non-zero trailing bits.
        let mut s = ENCRYPTED_DATA.to_owned();
        s.replace_range(s.len() - 3..s.len() - 2, "x");
        s
    };
    for data in [
        unpadded,
        &url_safe,
        &with_newline,
        &trailing_bits,
        "####",
        "A",
        "AAAAA===",
    ] {
        let e = err(data);
        assert_eq!(
            e,
            OpenDataFailure::Base64 {
                contains_space: false
            },
            "{data:?}"
        );
        assert_eq!(e.demo_code(), -41004);
    }
}

#[test]
fn mangled_plus_without_repair_is_a_base64_error() {
    assert!(ENCRYPTED_DATA.contains('+'));
    let mangled = ENCRYPTED_DATA.replace('+', " ");
    let e = err(&mangled);
    assert_eq!(
        e,
        OpenDataFailure::Base64 {
            contains_space: true
        }
    );
    assert_eq!(e.demo_code(), -41004);
    assert!(e.to_string().contains("space"));
}

#[test]
fn mangled_plus_with_repair_decrypts() {
    let repair = DecryptOptions::new().repair_mangled_plus(true);
    let mangled = ENCRYPTED_DATA.replace('+', " ");
    let repaired = value(&mangled, IV, &repair).unwrap();
    assert_eq!(repaired, value(ENCRYPTED_DATA, IV, &strict()).unwrap());
    // Intact input is unaffected by the repair.
    assert_eq!(repaired, value(ENCRYPTED_DATA, IV, &repair).unwrap());
}

#[test]
fn mangled_plus_in_the_iv() {
    let iv = [0xfb; 16];
    let iv_text = b64(&iv);
    assert!(iv_text.contains('+'), "{iv_text}");
    let data = encrypt(&key16(SESSION_KEY), &iv, watermarked("").as_bytes());
    let mangled_iv = iv_text.replace('+', " ");

    let e = value(&data, &mangled_iv, &strict()).unwrap_err();
    assert_eq!(e, OpenDataFailure::Iv(MaterialFault::NotBase64));
    assert_eq!(e.demo_code(), -41002);

    let repair = DecryptOptions::new().repair_mangled_plus(true);
    assert!(value(&data, &mangled_iv, &repair).is_ok());
}

#[test]
fn the_session_key_is_never_repaired() {
    let key_with_plus = [0xfb; 16];
    let text = b64(&key_with_plus);
    let data = encrypt(&key_with_plus, &key16(IV), watermarked("").as_bytes());
    let repair = DecryptOptions::new().repair_mangled_plus(true);
    let mangled = SessionKey::new(text.replace('+', " "));
    let e = decrypt::<Value>(APP_ID, &mangled, &data, IV, &repair).unwrap_err();
    assert_eq!(e, OpenDataFailure::SessionKey(MaterialFault::NotBase64));
}

// ---------------------------------------------------------------- 4. ciphertext length

#[test]
fn empty_data() {
    let e = err("");
    assert_eq!(e, OpenDataFailure::CiphertextLength { len: 0 });
    assert_eq!(e.demo_code(), -41003);
}

#[test]
fn ciphertext_not_a_multiple_of_16() {
    let whole = unb64(ENCRYPTED_DATA);
    for len in [1, 15, 17, 399] {
        let e = err(&b64(&whole[..len]));
        assert_eq!(e, OpenDataFailure::CiphertextLength { len });
        assert_eq!(e.demo_code(), -41003);
    }
}
