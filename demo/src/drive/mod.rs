//! Drivers a user can copy: each runs one machine on tokio, with no lab concerns.

pub mod access_token;
