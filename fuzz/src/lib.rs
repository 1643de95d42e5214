//! The fuzz harnesses of `tests/support/harness/`, one entry point per target. The same files
//! are replayed on stable by `tests/fuzz_corpus.rs`; each states its invariants at its top.

#[path = "../../tests/support/ledger/client.rs"]
mod client_ledger;
#[path = "../../tests/support/clock.rs"]
mod clock;
#[path = "../../tests/support/harness/mod.rs"]
mod harness;
#[path = "../../tests/support/markers.rs"]
mod markers;
#[path = "../../tests/support/ledger/server.rs"]
mod server_ledger;
#[path = "../../tests/support/ledger/access_token.rs"]
mod token_ledger;

/// The one fake WeChat (`tests/support/wechat/`): the files of the APIs this crate uses.
#[path = "../../tests/support/wechat"]
mod wechat {
    pub(crate) mod code2session;
    pub(crate) mod errcode;
    pub(crate) mod hostile;
    pub(crate) mod token;
}

/// `client_events`: arbitrary event sequences fed to a `LoginMachine`.
pub fn client_events(data: &[u8]) {
    harness::client::client_events(data);
}

/// `server_login`: arbitrary event sequences fed to the server login machines.
pub fn server_login(data: &[u8]) {
    harness::server::server_login(data);
}

/// `access_token`: arbitrary event sequences fed to an `AccessTokenCache`.
pub fn access_token(data: &[u8]) {
    harness::access_token::access_token(data);
}

/// `parsers`: arbitrary bytes fed to every parser.
pub fn parsers(data: &[u8]) {
    harness::parsers::parsers(data);
}

/// `open_data`: arbitrary bytes fed to decryption and the signature check.
#[cfg(feature = "crypto")]
pub fn open_data(data: &[u8]) {
    harness::open_data::open_data(data);
}
