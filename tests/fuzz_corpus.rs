//! Replays every checked-in fuzz corpus input through its harness on the stable toolchain, and
//! runs each harness over a few thousand generated inputs, so plain `cargo test` exercises the
//! fuzz invariants (see `tests/support/harness/`).
#![allow(clippy::unwrap_used)]

#[path = "support/ledger/client.rs"]
mod client_ledger;
#[path = "support/clock.rs"]
mod clock;
#[path = "support/harness/mod.rs"]
mod harness;
#[path = "support/markers.rs"]
mod markers;
#[path = "support/rng.rs"]
mod rng;
#[path = "support/ledger/server.rs"]
mod server_ledger;
#[path = "support/ledger/access_token.rs"]
mod token_ledger;

/// The one fake WeChat (`tests/support/wechat/`): the files of the APIs this crate uses.
#[path = "support/wechat"]
mod wechat {
    pub(crate) mod code2session;
    pub(crate) mod errcode;
    pub(crate) mod hostile;
    pub(crate) mod token;
}

use std::fs;
use std::path::Path;

use rng::Rng;

fn replay(target: &str, harness: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{target}: only {} corpus inputs",
        files.len()
    );
    for file in files {
        let data = fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| harness(&data));
        assert!(
            outcome.is_ok(),
            "{target}: {} broke an invariant",
            file.display()
        );
    }
}

/// Deterministic pseudo-random inputs of assorted lengths.
fn generated(count: u64, harness: fn(&[u8])) {
    for seed in 0..count {
        let mut rng = Rng::new(seed);
        let len = (seed % 97) as usize * 4;
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        harness(&data);
    }
}

#[test]
fn client_events_corpus() {
    replay("client_events", harness::client::client_events);
}

#[test]
fn client_events_generated() {
    generated(2_000, harness::client::client_events);
}

#[test]
fn server_login_corpus() {
    replay("server_login", harness::server::server_login);
}

#[test]
fn server_login_generated() {
    generated(2_000, harness::server::server_login);
}

#[test]
fn parsers_corpus() {
    replay("parsers", harness::parsers::parsers);
}

#[test]
fn parsers_generated() {
    generated(2_000, harness::parsers::parsers);
}

#[cfg(feature = "crypto")]
#[test]
fn open_data_corpus() {
    replay("open_data", harness::open_data::open_data);
}

#[cfg(feature = "crypto")]
#[test]
fn open_data_generated() {
    generated(2_000, harness::open_data::open_data);
}

#[test]
fn access_token_corpus() {
    replay("access_token", harness::access_token::access_token);
}

#[test]
fn access_token_generated() {
    generated(2_000, harness::access_token::access_token);
}
