//! Shared by the open-data tests: the official demo vector and an encryptor built from the same
//! RustCrypto primitives, so each negative vector is a real ciphertext.

#![allow(dead_code)] // each test crate uses a different subset

use aes::cipher::{BlockModeEncrypt, KeyIvInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use wxlogin::secret::SessionKey;
use wxlogin::server::open_data::{DecryptOptions, Decrypted, OpenDataFailure, decrypt};

pub(crate) const APP_ID: &str = "wx4f4bc4dec97d474b";
pub(crate) const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
pub(crate) const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
pub(crate) const ENCRYPTED_DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
pub(crate) const PLAINTEXT: &str = r#"{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#;
pub(crate) const WATERMARK_TIMESTAMP: i64 = 1_477_314_187;

pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

pub(crate) fn key16(text: &str) -> [u8; 16] {
    unb64(text).try_into().unwrap()
}

/// PKCS#7-pads `plaintext` to whole blocks.
pub(crate) fn pkcs7(plaintext: &[u8]) -> Vec<u8> {
    let pad = 16 - plaintext.len() % 16;
    let mut out = plaintext.to_vec();
    out.extend(std::iter::repeat_n(pad as u8, pad));
    out
}

/// AES-128-CBC over already padded, block-aligned bytes; returns the base64 text.
pub(crate) fn encrypt_raw(key: &[u8; 16], iv: &[u8; 16], padded: &[u8]) -> String {
    assert_eq!(padded.len() % 16, 0, "test bug: unaligned plaintext");
    let mut buffer = padded.to_vec();
    let (blocks, rest) = aes::Block::slice_as_chunks_mut(&mut buffer[..]);
    assert!(rest.is_empty());
    cbc::Encryptor::<aes::Aes128>::new(&(*key).into(), &(*iv).into()).encrypt_blocks(blocks);
    b64(&buffer)
}

/// AES-128-CBC with correct PKCS#7 padding; returns the base64 text.
pub(crate) fn encrypt(key: &[u8; 16], iv: &[u8; 16], plaintext: &[u8]) -> String {
    encrypt_raw(key, iv, &pkcs7(plaintext))
}

/// Encrypts `plaintext` under the demo key and iv.
pub(crate) fn demo_encrypt(plaintext: &[u8]) -> String {
    encrypt(&key16(SESSION_KEY), &key16(IV), plaintext)
}

/// A JSON object with our watermark and the given extra fields (`"a":1,` style, may be empty).
pub(crate) fn watermarked(fields: &str) -> String {
    format!(r#"{{{fields}"watermark":{{"appid":"{APP_ID}","timestamp":{WATERMARK_TIMESTAMP}}}}}"#)
}

/// The demo session key.
pub(crate) fn key() -> SessionKey {
    SessionKey::new(SESSION_KEY)
}

/// The strict default options.
pub(crate) fn strict() -> DecryptOptions {
    DecryptOptions::new()
}

/// Decrypts as a JSON value for the demo app with the demo key.
pub(crate) fn value(
    data: &str,
    iv: &str,
    options: &DecryptOptions,
) -> Result<Decrypted<Value>, OpenDataFailure> {
    decrypt::<Value>(APP_ID, &key(), data, iv, options)
}

/// The failure of decrypting `data` with the demo key and iv, strictly.
pub(crate) fn err(data: &str) -> OpenDataFailure {
    value(data, IV, &strict()).expect_err("expected a failure")
}
