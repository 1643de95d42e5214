//! Open data: strict decryption of `encryptedData` and the `rawData` signature check
//! (feature `crypto`).
//!
//! The mini program hands the developer server `encryptedData` and `iv` (user profile, legacy
//! phone number, share info ...), and `rawData` with its `signature`. The server holds the
//! user's `session_key` from code2Session. [`decrypt`] turns the first two into a typed payload;
//! [`verify_raw_data_signature`] checks the last two.
//!
//! Strict where the peers are lenient, and never panicking:
//! - session key and iv must each be 24 characters of standard, padded base64 decoding to 16
//!   bytes (AES-128 only; a 24-byte key never selects AES-192);
//! - the data must be standard base64 with canonical padding: unpadded, URL-safe or
//!   whitespace-broken text is refused (a space is accepted only through the explicit
//!   [`DecryptOptions::repair_mangled_plus`]), and its text may be at most
//!   [`MAX_ENCRYPTED_DATA_LEN`] bytes, checked before any decoding;
//! - the ciphertext must be a non-empty multiple of 16 bytes, the padding strict PKCS#7 (pad
//!   length 1 to 16, every pad byte equal), the plaintext UTF-8 JSON with a watermark whose
//!   appid equals ours.
//!
//! Each failure is a typed [`OpenDataFailure`] that also gives the official demo's code
//! (-41001 to -41004). The decoded key and the buffer holding the plaintext are zeroized when
//! dropped; the payload you get back is yours to protect.
//!
//! # Security
//! AES-CBC has no integrity check: the watermark is the only sign that the data is genuine.
//! Do not tell the client *which* check failed (log it instead), or a client that sends
//! modified ciphertexts gets a padding oracle and can forge open data such as a phone number.
//! Prefer the current server-side phone number API, which involves no client-supplied
//! ciphertext.
//!
//! ```
//! use wxlogin::secret::SessionKey;
//! use wxlogin::server::open_data::{decrypt, DecryptOptions, UserInfo};
//!
//! // The official demo vector.
//! let key = SessionKey::new("tiihtNczf5v6AKRyjwEUhQ==");
//! let iv = "r7BXXKkLb8qrSNn05n0qiA==";
//! # let encrypted_data = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
//! let user = decrypt::<UserInfo>(
//!     "wx4f4bc4dec97d474b",
//!     &key,
//!     encrypted_data,
//!     iv,
//!     &DecryptOptions::new(),
//! )?;
//! assert_eq!(user.data.nick_name, "Band");
//! assert_eq!(user.watermark.timestamp, 1477314187);
//! # Ok::<(), wxlogin::server::open_data::OpenDataFailure>(())
//! ```

mod error;
mod one_pass;
mod options;
mod payload;
mod signature;
mod strict_base64;
mod wiped;

use std::borrow::Cow;

use aes::cipher::{BlockModeDecrypt, KeyIvInit};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use error::{MaterialFault, OpenDataFailure, PaddingFault, SignatureFailure};
pub use options::DecryptOptions;
pub use payload::{Decrypted, ShareInfo, UserInfo};

use crate::server::phone::Watermark;
pub use signature::verify_raw_data_signature;

use crate::secret::SessionKey;
use wiped::Wiped;

/// The longest `encryptedData` text [`decrypt`] accepts, in bytes (64 KiB of base64, 48 KiB of
/// ciphertext). Longer input is refused with [`OpenDataFailure::TooLarge`] before any decoding.
pub const MAX_ENCRYPTED_DATA_LEN: usize = 64 * 1024;

/// AES block size, key size and iv size: all 16 bytes for AES-128-CBC.
const BLOCK: usize = 16;

/// Ciphertexts up to this size are decrypted in a buffer on the stack, larger ones in one on
/// the heap. A profile is typically 300 to 500 bytes, a phone number about 200.
const STACK_BUFFER: usize = 512;

/// Decrypts open data for the mini program `app_id` with the user's `session_key`, and
/// deserialises the plaintext JSON as `T`.
///
/// `T` is any owned deserialisable type: [`UserInfo`], [`PhoneNumber`](crate::server::phone::PhoneNumber), [`ShareInfo`],
/// `serde_json::Value`, or your own. The checks run in this order, and the first that fails is
/// returned:
///
/// 0. `app_id` is not empty ([`OpenDataFailure::EmptyAppId`]: the caller's mistake, checked
///    before the input; an empty one would accept data watermarked for no app);
/// 1. the session key is 24 characters of base64 decoding to 16 bytes
///    ([`OpenDataFailure::SessionKey`], -41001);
/// 2. the iv is 24 characters of base64 decoding to 16 bytes ([`OpenDataFailure::Iv`], -41002);
/// 3. the data text is at most [`MAX_ENCRYPTED_DATA_LEN`] bytes ([`OpenDataFailure::TooLarge`])
///    and strict base64 ([`OpenDataFailure::Base64`], -41004);
/// 4. the ciphertext is a non-empty multiple of 16 bytes ([`OpenDataFailure::CiphertextLength`]);
/// 5. the padding is strict PKCS#7 ([`OpenDataFailure::Padding`]);
/// 6. the plaintext is UTF-8 ([`OpenDataFailure::NotUtf8`]) JSON ([`OpenDataFailure::NotJson`]);
/// 7. it has a watermark ([`OpenDataFailure::MissingWatermark`],
///    [`OpenDataFailure::InvalidWatermark`]) whose appid equals `app_id`
///    ([`OpenDataFailure::AppIdMismatch`]);
/// 8. if asked for, the watermark is fresh ([`OpenDataFailure::StaleWatermark`]);
/// 9. the JSON has the shape of `T` ([`OpenDataFailure::Payload`]).
///
/// Checks 0 and 3 to 9 report -41003 except the base64 one. The function never panics.
///
/// # Replays
/// By default no watermark age is checked: the same `encryptedData` and `iv`, captured once
/// (from a log, a proxy, another device), decrypt again to the same payload for as long as
/// the server holds that `session_key`, which lives until the user's next `wx.login`. Set
/// [`DecryptOptions::max_watermark_age`] to bound that window.
pub fn decrypt<T: DeserializeOwned>(
    app_id: &str,
    session_key: &SessionKey,
    encrypted_data: &str,
    iv: &str,
    options: &DecryptOptions,
) -> Result<Decrypted<T>, OpenDataFailure> {
    if app_id.is_empty() {
        return Err(OpenDataFailure::EmptyAppId);
    }
    let key = decode_material(session_key.expose_secret()).map_err(OpenDataFailure::SessionKey)?;
    let iv = decode_material(&repair(iv, options)).map_err(OpenDataFailure::Iv)?;

    if encrypted_data.len() > MAX_ENCRYPTED_DATA_LEN {
        return Err(OpenDataFailure::TooLarge {
            len: encrypted_data.len(),
            max: MAX_ENCRYPTED_DATA_LEN,
        });
    }
    let data = repair(encrypted_data, options);
    let base64_failure = || OpenDataFailure::Base64 {
        contains_space: data.contains(' '),
    };
    // Decoded into a buffer of exactly the ciphertext's size and decrypted in place: this one
    // buffer holds the plaintext, and is wiped on drop. Up to `STACK_BUFFER` bytes it is on
    // the stack (no allocation), beyond that on the heap.
    let len = strict_base64::decoded_len(data.as_bytes()).ok_or_else(base64_failure)?;
    let mut on_stack = [0u8; STACK_BUFFER];
    let mut on_heap: Vec<u8>;
    let wiped = Wiped(match on_stack.get_mut(..len) {
        Some(buffer) => buffer,
        None => {
            on_heap = vec![0u8; len];
            &mut on_heap[..]
        }
    });
    let buffer: &mut [u8] = wiped.0;
    strict_base64::decode_into(data.as_bytes(), buffer).map_err(|()| base64_failure())?;

    if len == 0 || len % BLOCK != 0 {
        return Err(OpenDataFailure::CiphertextLength { len });
    }
    let (blocks, rest) = aes::Block::slice_as_chunks_mut(buffer);
    if !rest.is_empty() {
        // Cannot happen: the length is a multiple of the block size, checked just above.
        return Err(OpenDataFailure::CiphertextLength { len });
    }
    // Borrowed as arrays, not copied, so the only key copies are the zeroizing ones; the
    // decryptor's round keys and chaining block are wiped on drop (`zeroize` features).
    cbc::Decryptor::<aes::Aes128Dec>::new((&*key).into(), (&*iv).into()).decrypt_blocks(blocks);

    let plaintext = unpad(buffer).map_err(OpenDataFailure::Padding)?;
    let text = std::str::from_utf8(plaintext).map_err(|_| OpenDataFailure::NotUtf8)?;
    if let Some(decrypted) = one_pass::read::<T>(text) {
        check_watermark(&decrypted.watermark, app_id, options)?;
        return Ok(decrypted);
    }
    // Anything the one pass does not take as a plain success: through a `Value`, which
    // decides which check fails.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| OpenDataFailure::NotJson {
            detail: crate::wire::json_error_summary(&e),
        })?;

    let watermark = match value.get("watermark") {
        None | Some(serde_json::Value::Null) => return Err(OpenDataFailure::MissingWatermark),
        // serde would also read a struct from an array; only an object is a watermark.
        Some(found) if found.is_object() => {
            Watermark::deserialize(found).map_err(|_| OpenDataFailure::InvalidWatermark)?
        }
        Some(_) => return Err(OpenDataFailure::InvalidWatermark),
    };
    check_watermark(&watermark, app_id, options)?;

    let data = T::deserialize(value).map_err(|e| OpenDataFailure::Payload {
        detail: payload_error_category(&e),
    })?;
    Ok(Decrypted { data, watermark })
}

/// Checks 7 (the appid) and 8 (the age, if asked for) of [`decrypt`].
fn check_watermark(
    watermark: &Watermark,
    app_id: &str,
    options: &DecryptOptions,
) -> Result<(), OpenDataFailure> {
    if watermark.app_id != app_id {
        return Err(OpenDataFailure::AppIdMismatch);
    }
    if let Some((max_age, now)) = options.watermark_age_check() {
        if !options::is_fresh(watermark.timestamp, max_age, now) {
            return Err(OpenDataFailure::StaleWatermark { max_age });
        }
    }
    Ok(())
}

/// Applies the opt-in `+` repair; borrows when there is nothing to do.
fn repair<'a>(text: &'a str, options: &DecryptOptions) -> Cow<'a, str> {
    if options.repairs_mangled_plus() && text.contains(' ') {
        Cow::Owned(text.replace(' ', "+"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Decodes a session key or iv: 24 characters of strict base64 that decode to 16 bytes.
fn decode_material(text: &str) -> Result<Wiped<[u8; BLOCK]>, MaterialFault> {
    const TEXT_LEN: usize = 24;
    if text.len() != TEXT_LEN {
        return Err(MaterialFault::TextLength { len: text.len() });
    }
    let mut out = Wiped([0u8; BLOCK]);
    if let Ok(block) = <&[u8; TEXT_LEN]>::try_from(text.as_bytes()) {
        if strict_base64::decode_block(block, &mut out) {
            return Ok(out);
        }
    }
    // Not the usual shape: decoded again, to tell what is wrong with it.
    let text = text.as_bytes();
    let not_base64 = |()| MaterialFault::NotBase64;
    let len = strict_base64::decoded_len(text).ok_or(MaterialFault::NotBase64)?;
    if len == BLOCK {
        strict_base64::decode_into(text, &mut out[..]).map_err(not_base64)?;
        return Ok(out);
    }
    // Valid base64 of the wrong size is told apart from invalid base64. 24 symbols decode to
    // at most 18 bytes.
    let mut scratch = Wiped([0u8; 18]);
    let decoded = scratch.get_mut(..len).ok_or(MaterialFault::NotBase64)?;
    strict_base64::decode_into(text, decoded).map_err(not_base64)?;
    Err(MaterialFault::DecodedLength { len })
}

/// Strips strict PKCS#7 padding from a non-empty, block-aligned buffer.
fn unpad(buffer: &[u8]) -> Result<&[u8], PaddingFault> {
    let Some(&last) = buffer.last() else {
        // Not reachable from `decrypt` (the buffer is non-empty); an empty buffer has no
        // padding at all.
        return Err(PaddingFault::ZeroLength);
    };
    let pad = usize::from(last);
    if pad == 0 {
        return Err(PaddingFault::ZeroLength);
    }
    if pad > BLOCK {
        return Err(PaddingFault::TooLong);
    }
    let Some(keep) = buffer.len().checked_sub(pad) else {
        // Not reachable from `decrypt`: the buffer holds at least one block.
        return Err(PaddingFault::TooLong);
    };
    let (plaintext, padding) = buffer.split_at(keep);
    // Every pad byte is inspected, whatever the first mismatch, so the time taken does not
    // point at it.
    let mismatch = padding.iter().fold(0u8, |acc, &b| acc | (b ^ last));
    if mismatch != 0 {
        return Err(PaddingFault::InconsistentBytes);
    }
    Ok(plaintext)
}

/// Describes a payload mismatch by category only: serde_json's messages quote the offending
/// values, which are plaintext.
fn payload_error_category(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Data => "unexpected type or missing field",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Io => "i/o error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpad_is_strict() {
        let mut block = [b'x'; 16];
        block[15] = 1;
        assert_eq!(unpad(&block).unwrap().len(), 15);
        assert_eq!(unpad(&[16u8; 16]).unwrap(), b"");
        block[15] = 0;
        assert_eq!(unpad(&block), Err(PaddingFault::ZeroLength));
        block[15] = 17;
        assert_eq!(unpad(&block), Err(PaddingFault::TooLong));
        block[15] = 2;
        assert_eq!(unpad(&block), Err(PaddingFault::InconsistentBytes));
        assert_eq!(unpad(&[]), Err(PaddingFault::ZeroLength));
        assert_eq!(unpad(&[3, 3]), Err(PaddingFault::TooLong));
    }

    #[test]
    fn material_lengths() {
        assert_eq!(
            decode_material("tiihtNczf5v6AKRyjwEUhQ==").map(|k| k[0]),
            Ok(0xb6)
        );
        assert_eq!(
            decode_material("AAAAAAAAAAAAAAAAAAAAAAAA").map(|_| ()),
            Err(MaterialFault::DecodedLength { len: 18 })
        );
        assert_eq!(
            decode_material("AAAAAAAAAAAAAAAAAAAAAAA=").map(|_| ()),
            Err(MaterialFault::DecodedLength { len: 17 })
        );
        assert_eq!(
            decode_material("tiihtNczf5v6AKRyjwEUhQ=").map(|_| ()),
            Err(MaterialFault::TextLength { len: 23 })
        );
        // Non-zero trailing bits: not canonical.
        assert_eq!(
            decode_material("tiihtNczf5v6AKRyjwEUhR==").map(|_| ()),
            Err(MaterialFault::NotBase64)
        );
    }
}
