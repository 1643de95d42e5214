//! What may appear in logs in place of a secret: a short fingerprint (the first 8 hex digits
//! of its SHA-256), enough to follow one token through the logs, useless to an attacker.

use sha2::{Digest, Sha256};

/// The SHA-256 of a secret's text: the key a token is stored under, and the source of its
/// fingerprint.
pub(crate) fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The bytes of lower-case or upper-case hex, or `None` when it is not hex.
#[cfg(feature = "redis")]
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// A token's fingerprint for logs: `tok:1a2b3c4d`.
pub(crate) fn fingerprint(secret: &str) -> String {
    let digest = digest(secret);
    format!("tok:{}", hex(&digest[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_fingerprint() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        #[cfg(feature = "redis")]
        {
            assert_eq!(unhex("00abFF"), Some(vec![0x00, 0xab, 0xff]));
            assert_eq!(unhex("0"), None);
            assert_eq!(unhex("zz"), None);
        }
        let f = fingerprint("secret-token");
        assert!(f.starts_with("tok:") && f.len() == 12);
        assert!(!f.contains("secret"));
    }
}
