//! The rawData signature: sha1(rawData + session key text), hex, compared in constant time.

#![cfg(feature = "crypto")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use sha1::{Digest, Sha1};
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{SignatureFailure, verify_raw_data_signature};

const RAW_DATA: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
const KEY: &str = "HyVFkGl5F5OQWJZZaNzBBg==";

fn key() -> SessionKey {
    SessionKey::new(KEY)
}

/// The signature computed independently: hex of sha1 over the two texts concatenated.
fn expected(raw_data: &str, key: &str) -> String {
    let digest = Sha1::digest(format!("{raw_data}{key}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn known_answer() {
    // Computed outside Rust: sha1 of the rawData text followed by the key text.
    assert_eq!(
        expected(r#"{"nickName":"Band","gender":1}"#, KEY),
        "880cdb5994cb662931a46726252ab9d8942768db"
    );
    assert_eq!(
        verify_raw_data_signature(
            r#"{"nickName":"Band","gender":1}"#,
            &key(),
            "880cdb5994cb662931a46726252ab9d8942768db"
        ),
        Ok(())
    );
}

#[test]
fn right_signature() {
    let signature = expected(RAW_DATA, KEY);
    assert_eq!(
        verify_raw_data_signature(RAW_DATA, &key(), &signature),
        Ok(())
    );
    assert_eq!(
        verify_raw_data_signature("", &key(), &expected("", KEY)),
        Ok(())
    );
}

#[test]
fn uppercase_and_mixed_case_hex_are_accepted() {
    let signature = expected(RAW_DATA, KEY);
    let upper = signature.to_ascii_uppercase();
    assert_ne!(upper, signature);
    assert_eq!(verify_raw_data_signature(RAW_DATA, &key(), &upper), Ok(()));
    let mixed: String = signature
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    assert_eq!(verify_raw_data_signature(RAW_DATA, &key(), &mixed), Ok(()));
}

#[test]
fn wrong_signature() {
    let signature = expected(RAW_DATA, KEY);
    let mut flipped = signature.clone().into_bytes();
    flipped[39] = if flipped[39] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(
        verify_raw_data_signature(RAW_DATA, &key(), &flipped),
        Err(SignatureFailure::Mismatch)
    );
    // Other rawData, other key, and the key decoded instead of its text.
    assert_eq!(
        verify_raw_data_signature(&format!("{RAW_DATA} "), &key(), &signature),
        Err(SignatureFailure::Mismatch)
    );
    assert_eq!(
        verify_raw_data_signature(
            RAW_DATA,
            &SessionKey::new("tiihtNczf5v6AKRyjwEUhQ=="),
            &signature
        ),
        Err(SignatureFailure::Mismatch)
    );
    // The key must follow the rawData, not precede it.
    let reversed = expected(KEY, RAW_DATA);
    assert_eq!(
        verify_raw_data_signature(RAW_DATA, &key(), &reversed),
        Err(SignatureFailure::Mismatch)
    );
}

#[test]
fn malformed_signature() {
    let signature = expected(RAW_DATA, KEY);
    for bad in [
        String::new(),
        signature[..39].to_owned(),
        format!("{signature}0"),
        format!(" {signature}"),
        format!("{signature}\n"),
        format!("{}g", &signature[..39]),
        format!("{}é", &signature[..38]),
        // sha256-sized hex
        "0".repeat(64),
    ] {
        assert_eq!(
            verify_raw_data_signature(RAW_DATA, &key(), &bad),
            Err(SignatureFailure::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn signature_errors_do_not_echo_input() {
    for e in [SignatureFailure::Malformed, SignatureFailure::Mismatch] {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(KEY));
        assert!(!text.contains("Band"));
    }
}
