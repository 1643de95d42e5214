//! Randomness from the operating system, which `wxlogin` never draws itself: session tokens,
//! jitter seeds, and the fake WeChat's codes and keys.

use wxlogin::secret::SessionToken;

/// The operating system's generator failed (it practically never does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RandomUnavailable(pub String);

impl std::fmt::Display for RandomUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the system random generator failed: {}", self.0)
    }
}

impl std::error::Error for RandomUnavailable {}

/// Fills `N` bytes from the operating system.
pub fn bytes<const N: usize>() -> Result<[u8; N], RandomUnavailable> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomUnavailable(e.to_string()))?;
    Ok(buf)
}

/// A fresh session token: 32 random bytes as 43 characters of base64url.
pub fn session_token() -> Result<SessionToken, RandomUnavailable> {
    Ok(SessionToken::from_random_bytes(bytes::<32>()?))
}

/// A seed for a machine's jitter, so that clients spread their retries.
pub fn seed() -> Result<u64, RandomUnavailable> {
    Ok(u64::from_le_bytes(bytes::<8>()?))
}

/// `len` characters drawn from `alphabet` (whose length must divide 256 for an even spread;
/// 64 characters here).
pub fn text(len: usize, alphabet: &[u8; 64]) -> Result<String, RandomUnavailable> {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in bytes::<32>()? {
            if out.len() == len {
                break;
            }
            out.push(char::from(alphabet[usize::from(byte & 0x3f)]));
        }
    }
    Ok(out)
}

/// Letters, digits, `-` and `_`: what WeChat's codes and tokens are made of.
pub const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_text_have_their_shapes() {
        let token = session_token().unwrap();
        assert_eq!(token.expose_secret().len(), 43);
        assert_ne!(token, session_token().unwrap());
        let code = text(32, URL_SAFE).unwrap();
        assert_eq!(code.len(), 32);
        assert!(wxlogin::wire::validate_code(&code).is_ok());
    }
}
