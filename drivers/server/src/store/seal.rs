//! [`SealKeys`]: AES-256-GCM under keys named by id, so that secrets at rest in Redis (the
//! session key, a published code2Session answer) are unreadable without the configured key,
//! and keys can be rotated: seal under the current key, open under any key still listed.
//!
//! A sealed value is `<key id>.<hex of 12-byte nonce ‖ ciphertext ‖ tag>`; the associated data
//! binds it to the Redis key it is stored under, so a value copied to another key fails.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use crate::random;
use crate::redact::{hex, unhex};

/// Why a key could not be configured or a value sealed or opened. Never carries a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A key id must be 1 to 32 characters of `A-Z a-z 0-9 _ -`.
    #[error("key id must be 1 to 32 characters of A-Z a-z 0-9 _ -")]
    BadKeyId,
    /// A key given as hex was not 64 hex digits.
    #[error("a key must be 32 bytes (64 hex digits)")]
    BadKey,
    /// The value names a key id this process does not hold.
    #[error("no key with id {0}")]
    UnknownKeyId(String),
    /// The value is not a sealed value, or it was altered, or it belongs to another key.
    #[error("sealed value unreadable")]
    Unreadable,
    /// The operating system gave no randomness for a nonce.
    #[error("no randomness for a nonce")]
    NoRandomness,
}

#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// The keys secrets at rest are sealed with: one current key, and previous keys still
/// accepted for opening during a rotation. `Debug` shows key ids only.
#[derive(Clone)]
pub struct SealKeys {
    current: Key,
    previous: Vec<Key>,
}

impl fmt::Debug for SealKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealKeys")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SealKeys {
    /// Seals with `key`, named `id`.
    pub fn new(id: impl Into<String>, key: [u8; 32]) -> Result<Self, SealError> {
        Ok(Self {
            current: make_key(id.into(), &key)?,
            previous: Vec::new(),
        })
    }

    /// Seals with the key given as 64 hex digits (as kept in a secret manager).
    pub fn from_hex(id: impl Into<String>, key_hex: &str) -> Result<Self, SealError> {
        Self::new(id, parse_hex_key(key_hex)?)
    }

    /// Also opens values sealed with a previous `key` named `id` (during a rotation).
    pub fn with_previous(
        mut self,
        id: impl Into<String>,
        key: [u8; 32],
    ) -> Result<Self, SealError> {
        self.previous.push(make_key(id.into(), &key)?);
        Ok(self)
    }

    /// The id of the key new values are sealed with.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// `plaintext` sealed under the current key, bound to `aad`.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String, SealError> {
        let nonce_bytes: [u8; 12] = random::bytes().map_err(|_| SealError::NoRandomness)?;
        let nonce = Nonce::from(nonce_bytes);
        let sealed = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SealError::Unreadable)?;
        let mut bytes = nonce_bytes.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{}.{}", self.current.id, hex(&bytes)))
    }

    /// The plaintext of a value [`seal`](Self::seal) made with any key still held.
    pub(crate) fn open(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let (id, body) = sealed.split_once('.').ok_or(SealError::Unreadable)?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKeyId(id.to_owned()))?;
        let bytes = unhex(body).ok_or(SealError::Unreadable)?;
        if bytes.len() < 12 {
            return Err(SealError::Unreadable);
        }
        let (nonce, msg) = bytes.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| SealError::Unreadable)?;
        key.cipher
            .decrypt(&nonce, Payload { msg, aad })
            .map_err(|_| SealError::Unreadable)
    }
}

fn make_key(id: String, key: &[u8; 32]) -> Result<Key, SealError> {
    let valid = (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(SealError::BadKeyId);
    }
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| SealError::BadKey)?;
    Ok(Key { id, cipher })
}

fn parse_hex_key(text: &str) -> Result<[u8; 32], SealError> {
    let bytes = unhex(text.trim()).ok_or(SealError::BadKey)?;
    bytes.try_into().map_err(|_| SealError::BadKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_rotate_and_refuse() {
        let old = SealKeys::new("k1", [1; 32]).expect("key");
        let sealed = old.seal(b"session-key", b"where").expect("seal");
        assert!(sealed.starts_with("k1."));
        assert!(!sealed.contains("session-key"));
        assert_eq!(old.open(&sealed, b"where").expect("open"), b"session-key");
        assert_eq!(old.open(&sealed, b"elsewhere"), Err(SealError::Unreadable));

        let rotated = SealKeys::new("k2", [2; 32])
            .and_then(|k| k.with_previous("k1", [1; 32]))
            .expect("keys");
        assert_eq!(
            rotated.open(&sealed, b"where").expect("open"),
            b"session-key"
        );
        assert!(rotated.seal(b"x", b"").expect("seal").starts_with("k2."));

        let without = SealKeys::new("k2", [2; 32]).expect("key");
        assert_eq!(
            without.open(&sealed, b"where"),
            Err(SealError::UnknownKeyId("k1".into()))
        );
        // Change the last hex digit to another one (the tag is random, so it may be '0').
        let mut altered = sealed.clone();
        let last = altered.pop();
        altered.push(if last == Some('0') { '1' } else { '0' });
        assert!(old.open(&altered, b"where").is_err());
        assert_eq!(
            SealKeys::new("bad id", [0; 32]).err(),
            Some(SealError::BadKeyId)
        );
        assert_eq!(
            SealKeys::from_hex("k", "abcd").err(),
            Some(SealError::BadKey)
        );
        assert!(!format!("{rotated:?}").contains("cipher"));
    }
}
