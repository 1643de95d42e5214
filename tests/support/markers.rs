//! The one set of secret markers. Every secret a test, a model or a fuzz harness makes up is, or
//! starts with, one of these, and [`assert_quiet`] fails when any of them shows in a text (a
//! `Debug`, a `Display`, an error or a wire body that must not carry it).
//!
//! Each holds an upper-case letter, so fuzz bytes read as lower-case text (`Bytes::text`) never
//! spell one by chance: whatever marker shows up was put there on purpose.

/// The app secret. `+`, `/` and `=` make percent-encoding change its tail but never its head
/// (see [`head`]), which must show in neither form.
pub(crate) const APP_SECRET: &str = "APPSECRETMARKER+/=";
/// A second app secret, in the shape of a WeChat request id (letters, digits and dashes), so
/// that only the scrub, not the request-id rule, keeps it out of a kept error message.
pub(crate) const RID_SHAPED_SECRET: &str = "5EC7-A11-B0B";
/// The head of every login code; request-id shaped as well.
pub(crate) const CODE: &str = "C0DE-MARK";
/// A session key: valid base64 (of `SESSIONKEYMARKER`).
pub(crate) const SESSION_KEY: &str = "U0VTU0lPTktFWU1BUktFUg==";
/// The head of every session token and access token (printable ASCII: a valid token).
pub(crate) const TOKEN: &str = "T0KENMARK";
/// Planted in arbitrary input to catch an echo: not ASCII, so never valid base64, a code or a
/// token, and no fixed message contains it.
pub(crate) const PLANTED: &str = "\u{1f511}MARK";

/// Every marker.
pub(crate) const ALL: [&str; 6] = [
    APP_SECRET,
    RID_SHAPED_SECRET,
    CODE,
    SESSION_KEY,
    TOKEN,
    PLANTED,
];

/// What of `marker` must never show: all but its `+`, `/` and `=` tail, which encodings change.
pub(crate) fn head(marker: &str) -> &str {
    marker.trim_end_matches(['+', '/', '='])
}

/// Fails when `text`, said to be `what`, shows any marker.
#[track_caller]
pub(crate) fn assert_quiet(what: &str, text: &str) {
    for marker in ALL.map(head) {
        assert!(!text.contains(marker), "{marker} reached {what}: {text}");
    }
}
