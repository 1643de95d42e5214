//! Redacted newtypes for every secret the login protocol handles.
//!
//! Each type prints `Name([redacted])` in `Debug`, has no `Display`, compares in constant time
//! and gives up its text only through [`expose_secret`](LoginCode::expose_secret), a name that
//! is easy to find in review. `SessionKey` and `AppSecret` are deliberately not `Serialize`:
//! no serialised event, command or wire body can carry them.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Compares two byte strings in time that depends only on their lengths.
///
/// A length mismatch returns early: the lengths of these values are public (fixed by WeChat or
/// by this crate), their contents are not.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early-exit compare.
    std::hint::black_box(diff) == 0
}

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        secret_type!($(#[$doc])* $name: String);
    };
    ($(#[$doc:meta])* $name:ident: $inner:ty) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name($inner);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(<$inner>::from(value.into()))
            }

            /// Returns the secret text.
            ///
            /// # Security
            /// This is the only way to reach the value. Whatever you do with the result can leak
            /// it: never log it, put it in an error message or send it anywhere it is not needed.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}

        /// A JSON string, read straight into the secret (one allocation).
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Text;
                impl serde::de::Visitor<'_> for Text {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        Ok($name(<$inner>::from(text)))
                    }
                    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<$name, E> {
                        Ok($name(<$inner>::from(text)))
                    }
                }
                d.deserialize_string(Text)
            }
        }

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }
    };
}

macro_rules! serialize_transparent {
    ($($name:ident),*) => {$(
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    )*};
}

secret_type!(
    /// The one-time code from `wx.login`: valid 5 minutes, usable once.
    ///
    /// It is `Clone` because events and commands are plain values; the machines, not the type,
    /// make sure that one code is sent at most once.
    LoginCode
);
secret_type!(
    /// The developer server's own session token, the only credential the client ever holds.
    ///
    /// Its text is shared: a clone (a session handed to a waiter, a record written) costs a
    /// reference count, not an allocation.
    SessionToken: Arc<str>
);
secret_type!(
    /// WeChat's `session_key` (its base64 text). It never leaves the developer server: the type
    /// is not `Serialize`, so no wire body or serialised event can carry it.
    SessionKey
);
secret_type!(
    /// The mini program's `AppSecret`, used only in the code2Session and token requests.
    AppSecret
);
secret_type!(
    /// A WeChat `access_token` for the server APIs (not needed by code2Session).
    AccessToken
);

secret_type!(
    /// Text read from or written to the mini program's storage. It holds the session token, so
    /// it is redacted like one.
    StorageValue
);

serialize_transparent!(LoginCode, SessionToken, AccessToken, StorageValue);

impl SessionToken {
    /// A token of `text`, copied once into its shared allocation.
    pub(crate) fn from_text(text: &str) -> Self {
        Self(Arc::from(text))
    }

    /// Builds a token from 32 random bytes the caller drew (the crate never draws randomness),
    /// as 43 characters of unpadded base64url.
    pub fn from_random_bytes(bytes: [u8; 32]) -> Self {
        let mut text = [0u8; 43];
        base64url_unpadded(&bytes, &mut text);
        // Every byte written is from the base64url alphabet, which is ASCII.
        let text = std::str::from_utf8(&text).expect("base64url is ASCII");
        Self(Arc::from(text))
    }
}

/// Writes `bytes` as unpadded base64url into `out`, which is exactly `ceil(4 * len / 3)` bytes
/// long.
fn base64url_unpadded(bytes: &[u8], out: &mut [u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let symbol = |n: u32, shift: u32| ALPHABET[((n >> shift) & 0x3f) as usize];
    let whole = bytes.chunks_exact(3);
    let rest = whole.remainder();
    let mut symbols = out.chunks_exact_mut(4);
    for (chunk, four) in whole.zip(&mut symbols) {
        let n = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        four.copy_from_slice(&[symbol(n, 18), symbol(n, 12), symbol(n, 6), symbol(n, 0)]);
    }
    // A last chunk of k bytes (1 or 2) carries k + 1 symbols.
    let tail = &mut out[bytes.len() / 3 * 4..];
    let n = rest
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
    for (i, slot) in tail.iter_mut().enumerate() {
        *slot = symbol(n, 18 - 6 * i as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = SessionKey::new("MARKER-KEY");
        assert_eq!(format!("{key:?}"), "SessionKey([redacted])");
        assert_eq!(
            format!("{:?}", LoginCode::new("MARKER")),
            "LoginCode([redacted])"
        );
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(AccessToken::new("abc"), AccessToken::new("abc"));
        assert_ne!(AccessToken::new("abc"), AccessToken::new("abd"));
        assert_ne!(AccessToken::new("abc"), AccessToken::new("abcd"));
    }

    /// Base64url without padding, six bits at a time.
    fn reference(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bits: Vec<bool> = bytes
            .iter()
            .flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1))
            .collect();
        bits.chunks(6)
            .map(|six| {
                let v = (0..6).fold(0, |acc, i| {
                    acc << 1 | usize::from(six.get(i) == Some(&true))
                });
                char::from(ALPHABET[v])
            })
            .collect()
    }

    #[test]
    fn token_from_bytes_is_base64url() {
        // 32 bytes of ones: 42 full symbols `_`, and 4 leftover bits padded with zeros (`8`).
        let ones = SessionToken::from_random_bytes([0xff; 32]);
        assert_eq!(ones.expose_secret(), format!("{}8", "_".repeat(42)));
        let zeros = SessionToken::from_random_bytes([0; 32]);
        assert_eq!(zeros.expose_secret(), "A".repeat(43));
        // RFC 4648 test vector, checked through the helper.
        let encode = |bytes: &[u8]| {
            let mut out = vec![0u8; (bytes.len() * 4).div_ceil(3)];
            base64url_unpadded(bytes, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"\xfb\xff\xbf"), "-_-_");
        // Every byte in every position of a token, against the chunked reference.
        for byte in 0..=255u8 {
            for at in [0, 1, 2, 30, 31] {
                let mut bytes = [0x5a; 32];
                bytes[at] = byte;
                assert_eq!(
                    SessionToken::from_random_bytes(bytes).expose_secret(),
                    reference(&bytes)
                );
            }
        }
    }

    #[test]
    fn serialises_transparently_where_allowed() {
        let json = serde_json::to_string(&SessionToken::new("t")).unwrap();
        assert_eq!(json, "\"t\"");
        let code: LoginCode = serde_json::from_str("\"c\"").unwrap();
        assert_eq!(code.expose_secret(), "c");
    }
}
