//! The developer server's side of the protocol.
//!
//! With the feature `crypto`, `open_data` decrypts and verifies the legacy open data
//! (`encryptedData`, `rawData` signatures) strictly and without panicking.

#[cfg(feature = "crypto")]
pub mod open_data;
