//! Randomness from the operating system: session tokens and AEAD nonces.

use wxlogin::secret::SessionToken;

/// A fresh session token from 32 random bytes.
pub(crate) fn session_token() -> Result<SessionToken, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(SessionToken::from_random_bytes(bytes))
}

/// `N` random bytes.
#[cfg(feature = "redis")]
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}
