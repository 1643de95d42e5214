//! Every test of `wxlogin-server`, in one binary (one link, less CI time).
//!
//! The Redis tests start their own `redis-server` on a free loopback port and stop it after;
//! a missing `redis-server` fails them (install the Debian package `redis-server`).

mod support;

mod extractor;
mod logs;
mod service;
mod stores;
mod werequest;

#[cfg(feature = "redis")]
mod join;
#[cfg(feature = "redis")]
mod lease;
#[cfg(feature = "redis")]
mod outage;
#[cfg(feature = "redis")]
mod session_cache;
