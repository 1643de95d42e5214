//! The rawData signature: `sha1(rawData + session_key)` in hex.

use sha1::{Digest, Sha1};

use super::SignatureFailure;
use crate::secret::{SessionKey, constant_time_eq};

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
    if constant_time_eq(&expected, &given) {
        Ok(())
    } else {
        Err(SignatureFailure::Mismatch)
    }
}

/// Decodes exactly 40 hex digits of either case into 20 bytes. Every digit is looked up,
/// and checked once at the end.
fn decode_hex_digest(text: &str) -> Option<[u8; 20]> {
    let digits: &[u8; 40] = text.as_bytes().try_into().ok()?;
    let mut out = [0u8; 20];
    let mut seen = 0u8;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        if let [high, low] = *pair {
            let (high, low) = (HEX[usize::from(high)], HEX[usize::from(low)]);
            seen |= high | low;
            *byte = high << 4 | low;
        }
    }
    (seen & INVALID == 0).then_some(out)
}

/// Set in a [`HEX`] entry for a byte that is not a hex digit.
const INVALID: u8 = 0xf0;

/// Each byte's value as a hex digit of either case, or [`INVALID`].
static HEX: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

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
        for digit in 0..=127u8 {
            let text = format!("{}{}", char::from(digit), &lower[1..]);
            let decoded = decode_hex_digest(&text).map(|d| d[0] >> 4);
            let expected = char::from(digit).to_digit(16).map(|d| d as u8);
            assert_eq!(decoded, expected, "{digit}");
        }
    }
}
