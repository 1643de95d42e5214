//! `open_data` (feature `crypto`): arbitrary session keys, ivs, ciphertexts and signatures into
//! `decrypt` and `verify_raw_data_signature`.
//!
//! Invariants:
//! 1. Nothing panics; every failure is an `OpenDataFailure` whose demo code is one of -41001 to
//!    -41004.
//! 2. Whatever decrypts carries a watermark with our appid.
//! 3. No error message contains the key, the iv or the data (checked with a planted marker).
//! 4. An empty app id is refused with `EmptyAppId`, whatever the input.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{
    DecryptOptions, OpenDataFailure, decrypt, verify_raw_data_signature,
};

use super::Bytes;
use crate::markers::PLANTED;

const APPID: &str = "wx4f4bc4dec97d474b";
/// The official demo's key and iv: with them, arbitrary ciphertexts reach the padding and
/// JSON checks instead of stopping at the key.
const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";

pub(crate) fn open_data(data: &[u8]) {
    let mut bytes = Bytes::new(data);
    let mode = bytes.pick(4);
    let options = DecryptOptions::new().repair_mangled_plus(bytes.pick(2) == 0);
    let key_text = String::from_utf8_lossy(bytes.slice(40)).into_owned();
    let iv_text = String::from_utf8_lossy(bytes.slice(40)).into_owned();
    let rest = bytes.slice(usize::MAX);
    let (key, iv, encrypted) = match mode {
        // Everything arbitrary.
        0 => (
            key_text,
            iv_text,
            String::from_utf8_lossy(rest).into_owned(),
        ),
        // A real key and iv, arbitrary ciphertext bytes in valid base64.
        1 => (KEY.to_owned(), IV.to_owned(), STANDARD.encode(rest)),
        // A real key, arbitrary iv, arbitrary base64.
        2 => (KEY.to_owned(), iv_text, STANDARD.encode(rest)),
        // Arbitrary key text, a real iv, arbitrary text.
        _ => (
            key_text,
            IV.to_owned(),
            String::from_utf8_lossy(rest).into_owned(),
        ),
    };
    let session_key = SessionKey::new(key.clone());
    match decrypt::<serde_json::Value>(APPID, &session_key, &encrypted, &iv, &options) {
        Ok(decrypted) => assert_eq!(decrypted.watermark.app_id, APPID),
        Err(error) => assert!((-41004..=-41001).contains(&error.demo_code()), "{error:?}"),
    }
    let empty = decrypt::<serde_json::Value>("", &session_key, &encrypted, &iv, &options);
    assert_eq!(empty.err(), Some(OpenDataFailure::EmptyAppId));
    // Echo check with a planted marker no fixed message contains: comparing messages with the
    // raw input instead lets libFuzzer learn the message text from the comparison itself.
    let plant = |text: &str| format!("{PLANTED}{text}{PLANTED}");
    let planted = SessionKey::new(plant(&key));
    let result =
        decrypt::<serde_json::Value>(APPID, &planted, &plant(&encrypted), &plant(&iv), &options);
    let error = result.expect_err("a planted marker is never valid base64");
    let message = format!("{error} {error:?}");
    assert!(
        !message.contains(PLANTED),
        "an error echoed its input: {message}"
    );
    let signature = String::from_utf8_lossy(rest);
    let _ = verify_raw_data_signature(&encrypted, &session_key, &signature);
}
