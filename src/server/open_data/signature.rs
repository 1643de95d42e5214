//! The rawData signature: `sha1(rawData + session_key)` in hex.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use super::SignatureFailure;
use crate::secret::SessionKey;

/// Checks the `signature` that comes with `rawData`: the hex SHA-1 of the rawData text followed
/// by the session key's base64 text (string concatenation; the key is not decoded).
///
/// The digests are compared in constant time. WeChat sends lowercase hex; uppercase (or mixed)
/// hex is accepted too, since it names the same digest. Anything that is not exactly 40 hex
/// digits (surrounding whitespace included) is [`SignatureFailure::Malformed`].
///
/// ```
/// use wxlogin::secret::SessionKey;
/// use wxlogin::server::open_data::{verify_raw_data_signature, SignatureFailure};
///
/// let key = SessionKey::new("HyVFkGl5F5OQWJZZaNzBBg==");
/// let raw_data = r#"{"nickName":"Band","gender":1}"#;
/// let signature = "880cdb5994cb662931a46726252ab9d8942768db"; // sent by the client
/// assert_eq!(verify_raw_data_signature(raw_data, &key, signature), Ok(()));
/// assert_eq!(
///     verify_raw_data_signature("{}", &key, signature),
///     Err(SignatureFailure::Mismatch)
/// );
/// ```
pub fn verify_raw_data_signature(
    raw_data: &str,
    session_key: &SessionKey,
    signature: &str,
) -> Result<(), SignatureFailure> {
    let given = decode_hex_digest(signature).ok_or(SignatureFailure::Malformed)?;
    // The hasher buffers the key text; with the `zeroize` feature of `sha1` it wipes its state
    // on drop.
    let mut hasher = Sha1::new();
    hasher.update(raw_data.as_bytes());
    hasher.update(session_key.expose_secret().as_bytes());
    let expected = hasher.finalize();
    if bool::from(expected.as_slice().ct_eq(&given)) {
        Ok(())
    } else {
        Err(SignatureFailure::Mismatch)
    }
}

/// Decodes exactly 40 hex digits of either case into 20 bytes.
fn decode_hex_digest(text: &str) -> Option<[u8; 20]> {
    let bytes = text.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        *byte = (hex_value(*high)? << 4) | hex_value(*low)?;
    }
    Some(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding() {
        let lower = "00ff10a0b0c0d0e0f0123456789abcdef0000001";
        let upper = lower.to_ascii_uppercase();
        assert_eq!(decode_hex_digest(lower), decode_hex_digest(&upper));
        assert_eq!(decode_hex_digest(lower).unwrap()[1], 0xff);
        assert_eq!(decode_hex_digest(&lower[..38]), None);
        assert_eq!(decode_hex_digest(&format!("{}g", &lower[..39])), None);
        assert_eq!(decode_hex_digest(&format!("é{}", &lower[..38])), None);
    }
}
