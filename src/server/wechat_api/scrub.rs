//! The one scrub of text that came from the world: WeChat's `errmsg` (every API, every status)
//! and the driver's transport error messages, which may quote a request URL or body.
//!
//! It removes, in this order:
//! 1. every secret the caller knows and names ([`Scrub::new`]: the app secret, a login code,
//!    a platform or access token), raw and percent-encoded;
//! 2. the value of anything shaped like a credential, known or not: `secret=…`, `js_code=…`,
//!    `code=…`, `access_token=…`, `"session_key":"…"`, `signature: …` and the like, in a
//!    query string, a JSON object or free text ([`SENSITIVE_KEYS`]).
//!
//! The one parse ([`parse_scrubbed`](super::parse::parse_scrubbed)) cleans every text it keeps
//! ([`Scrub::failure`], [`Scrub::transport`]) with the secrets its request carried. A machine
//! that knows more secrets than the API (the login code) runs both steps again over the errors
//! it keeps ([`Scrub::api_error`]). Whenever a text may already have been cut, a tail that
//! begins a known secret is dropped as well, so a secret straddling the cut leaves nothing.

use super::failure::{ApiFailure, MAX_ERRMSG_BYTES, WeChatFailure};
use super::rid::{cut_at_char_boundary, extract_rid};
use super::url::{is_unreserved, percent_encode};
use crate::http::{SENSITIVE_KEYS, TransportFailure};

/// What replaces a removed value.
pub(crate) const REDACTED: &str = "[redacted]";

/// The secrets one machine knows, in every form they take in a request. `Debug` hides them.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Scrub {
    forms: Vec<String>,
}

impl std::fmt::Debug for Scrub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrub([{} forms redacted])", self.forms.len())
    }
}

impl Scrub {
    /// A scrub for these secrets (empty ones are skipped), raw and percent-encoded.
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = Vec::with_capacity(2);
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            if !secret.bytes().all(is_unreserved) {
                forms.push(percent_encode(secret));
            }
            forms.push(secret.to_owned());
        }
        // Longest first, so a secret containing another is removed whole.
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        Self { forms }
    }

    /// Both steps over one text.
    pub(crate) fn text(&self, text: &str) -> String {
        if self.forms.is_empty() {
            return scrub_shapes(text);
        }
        let known = self.forms.iter().fold(text.to_owned(), |text, form| {
            // `str::replace` sets up a substring searcher even for an absent form; a plain
            // scan first is much cheaper on the short texts WeChat sends.
            if contains(&text, form) {
                text.replace(form.as_str(), REDACTED)
            } else {
                text
            }
        });
        scrub_shapes(&known)
    }

    /// A WeChat error from the errcode and the whole `errmsg` of an answer: step 2, the cut
    /// to [`MAX_ERRMSG_BYTES`], then [`Scrub::recut`] with the known secrets, then the request
    /// id found in what is left.
    pub(crate) fn failure(&self, errcode: i64, errmsg: &str) -> WeChatFailure {
        let mut errmsg = scrub_shapes(errmsg);
        cut_at_char_boundary(&mut errmsg, MAX_ERRMSG_BYTES);
        // Step 2 is done and cannot find more in its own output; the recut is needed only
        // for a known secret in the text or a cut that may have left a secret's head.
        let near_cut = errmsg.len() + 4 > MAX_ERRMSG_BYTES;
        if near_cut || self.forms.iter().any(|form| contains(&errmsg, form)) {
            errmsg = self.recut(&errmsg);
        }
        let rid = extract_rid(&errmsg);
        WeChatFailure {
            errcode,
            errmsg,
            rid,
        }
    }

    /// Both steps over a text that may have been cut at [`MAX_ERRMSG_BYTES`] by a scrub that
    /// knew fewer secrets: a tail that begins a known secret is dropped too, and the result is
    /// cut again (a short secret replaced by `[redacted]` makes the text longer).
    fn recut(&self, errmsg: &str) -> String {
        let mut text = self.text(errmsg);
        if errmsg.len() + 4 > MAX_ERRMSG_BYTES {
            let head = self
                .forms
                .iter()
                .filter_map(|form| {
                    (1..form.len())
                        .rev()
                        .find(|&k| text.as_bytes().ends_with(&form.as_bytes()[..k]))
                })
                .max();
            if let Some(k) = head {
                // The tail equals the start of a form, which starts at a character boundary.
                text.truncate(text.len() - k);
            }
        }
        cut_at_char_boundary(&mut text, MAX_ERRMSG_BYTES);
        text
    }

    /// A WeChat error with its message scrubbed and its request id found again in what is left.
    pub(crate) fn wechat(&self, mut error: WeChatFailure) -> WeChatFailure {
        error.errmsg = self.recut(&error.errmsg);
        error.rid = extract_rid(&error.errmsg);
        error
    }

    /// A transport error with its message scrubbed and cut to [`MAX_ERRMSG_BYTES`] like an
    /// `errmsg` (the driver's HTTP client may say anything, at any length, and a scrub that
    /// knew fewer secrets may have cut it already).
    pub(crate) fn transport(&self, error: &TransportFailure) -> TransportFailure {
        match error {
            TransportFailure::Connection { message } => TransportFailure::Connection {
                message: self.recut(message),
            },
            TransportFailure::Other { message } => TransportFailure::Other {
                message: self.recut(message),
            },
            other => other.clone(),
        }
    }

    /// Every world text inside an API error scrubbed: the transport message, the `errmsg` of
    /// an errcode answer, whatever its HTTP status.
    pub(crate) fn api_error(&self, error: ApiFailure) -> ApiFailure {
        match error {
            ApiFailure::Transport(transport) => ApiFailure::Transport(self.transport(&transport)),
            ApiFailure::WeChat(e) => ApiFailure::WeChat(self.wechat(e)),
            ApiFailure::Status { status, wechat } => ApiFailure::Status {
                status,
                wechat: wechat.map(|e| self.wechat(e)),
            },
            other @ (ApiFailure::TooLarge { .. } | ApiFailure::Malformed { .. }) => other,
        }
    }
}

/// A transport error with anything shaped like a credential removed from its message (the one
/// scrub, knowing no secret): HTTP clients often quote the request URL, which carries the app
/// secret and the code. For the `Debug` of events that carry a driver's result.
pub(crate) fn redact_transport(error: &TransportFailure) -> TransportFailure {
    Scrub::default().transport(error)
}

/// Step 2 alone: the value after every [`SENSITIVE_KEYS`] key and its separator (`=`, `:`,
/// `%3D`, `%3A`, with quotes and spaces around) is replaced by `[redacted]`.
pub(crate) fn scrub_shapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if !may_start_key(byte, bytes.get(at + 1).copied()) {
            at += 1;
            continue;
        }
        match sensitive_value(bytes, at) {
            // Already scrubbed (this runs again over texts `WeChatFailure::new` cleaned).
            Some((start, _)) if text[start..].starts_with(REDACTED) => {
                at = start + REDACTED.len();
            }
            Some((start, end)) if start < end => {
                // Every bound found is an ASCII byte's position: a character boundary.
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                at = end;
            }
            _ => at += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// For each byte a [`SENSITIVE_KEYS`] key starts with (in either case), a bit for each byte
/// (lowercase) that follows it in some key: every other position is passed over without
/// comparing keys. Bit `b & 63` of the mask; a false hit only costs the full comparison.
const KEY_PAIRS: [u64; 256] = {
    let mut pairs = [0u64; 256];
    let mut i = 0;
    while i < SENSITIVE_KEYS.len() {
        let key = SENSITIVE_KEYS[i].as_bytes();
        let bit = 1u64 << (key[1] & 63);
        pairs[key[0].to_ascii_lowercase() as usize] |= bit;
        pairs[key[0].to_ascii_uppercase() as usize] |= bit;
        i += 1;
    }
    pairs
};

/// Whether a key may start with `first` followed by `second` (no key is shorter than two
/// bytes: `KEY_PAIRS` would not compile).
fn may_start_key(first: u8, second: Option<u8>) -> bool {
    let pairs = KEY_PAIRS[usize::from(first)];
    pairs != 0 && second.is_some_and(|b| pairs & (1u64 << (b.to_ascii_lowercase() & 63)) != 0)
}

/// If a sensitive key starts at `at`, the byte range of its value.
fn sensitive_value(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    // No word boundary is needed before the key: `xxsignature=…` is as sensitive, and an
    // `errcode=…` losing its value costs nothing.
    let rest = &bytes[at..];
    let first = rest.first()?.to_ascii_lowercase();
    let key = SENSITIVE_KEYS.iter().find(|key| {
        key.as_bytes()[0] == first
            && rest
                .get(..key.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(key.as_bytes()))
            && !rest.get(key.len()).copied().is_some_and(is_word)
    })?;
    let mut i = skip_fillers(bytes, at + key.len());
    i += separator_len(&bytes[i..])?;
    let start = skip_fillers(bytes, i);
    let len = bytes[start..]
        .iter()
        .take_while(|b| !is_terminator(**b))
        .count();
    Some((start, start + len))
}

/// Whether `form` (non-empty) occurs in `text`.
fn contains(text: &str, form: &str) -> bool {
    let form = form.as_bytes();
    let Some((&first, _)) = form.split_first() else {
        return true;
    };
    let text = text.as_bytes();
    (0..text.len().saturating_sub(form.len() - 1))
        .any(|i| text[i] == first && text[i..].starts_with(form))
}

fn skip_fillers(bytes: &[u8], from: usize) -> usize {
    from + bytes[from..]
        .iter()
        .take_while(|b| matches!(b, b'"' | b'\'' | b'\\' | b' '))
        .count()
}

fn separator_len(rest: &[u8]) -> Option<usize> {
    match rest {
        [b'=' | b':', ..] => Some(1),
        [b'%', b'3', b'D' | b'd' | b'A' | b'a', ..] => Some(3),
        _ => None,
    }
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn is_terminator(byte: u8) -> bool {
    byte.is_ascii_whitespace() || b"&\"',;)]}<>\\|".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_in_urls_json_and_text() {
        let cases = [
            (
                "GET /sns/jscode2session?appid=wx1&secret=S3&js_code=C0&grant_type=x",
                "GET /sns/jscode2session?appid=wx1&secret=[redacted]&js_code=[redacted]&grant_type=x",
            ),
            (
                r#"{"session_key":"k+/=","openid":"o"}"#,
                r#"{"session_key":"[redacted]","openid":"o"}"#,
            ),
            ("Access_Token: abc, rest", "Access_Token: [redacted], rest"),
            ("secret%3Dxyz%26", "secret%3D[redacted]"),
            ("invalid code, rid: 1-2", "invalid code, rid: 1-2"),
            (
                "xsignature=k&errcode=1",
                "xsignature=[redacted]&errcode=[redacted]",
            ),
            ("codes=1 secretary", "codes=1 secretary"),
            ("secret=", "secret="),
            ("token", "token"),
            (
                "secret=[redacted]&code=[redacted]]",
                "secret=[redacted]&code=[redacted]]",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(scrub_shapes(input), expected, "{input}");
        }
    }

    #[test]
    fn known_secrets_in_both_forms_longest_first() {
        let scrub = Scrub::new(["a+b", "", "a+bc"]);
        assert_eq!(scrub.text("x a+bc a%2Bb y"), "x [redacted] [redacted] y");
        assert_eq!(format!("{scrub:?}"), "Scrub([4 forms redacted])");
    }

    #[test]
    fn shapes_are_scrubbed_before_a_known_secret_can_break_their_key() {
        // Found by the `parsers` fuzz target when known secrets were replaced first: the
        // secret "s" turned `secret=` into `[redacted]ecret=`, which no shape matches.
        let scrub = Scrub::new(["s"]);
        let failure = scrub.failure(-1, "busy, secret=T0KEN ]");
        assert!(!failure.errmsg.contains("T0KEN"), "{}", failure.errmsg);
    }

    #[test]
    fn a_secret_cut_in_half_leaves_no_head() {
        let secret = "0123456789abcdef0123456789abcdef";
        let scrub = Scrub::new([secret]);
        let filler = "x".repeat(MAX_ERRMSG_BYTES - 10);
        let cut = WeChatFailure::new(1, format!("{filler}{secret}"));
        assert!(cut.errmsg.ends_with("0123456789"));
        assert_eq!(scrub.wechat(cut).errmsg, filler);
        // A short message is not trimmed: its tail was not cut.
        let whole = WeChatFailure::new(1, "ends with 0");
        assert_eq!(scrub.wechat(whole).errmsg, "ends with 0");
    }

    #[test]
    fn scrubbed_texts_stay_within_the_errmsg_bound() {
        let scrub = Scrub::new(["a"]);
        let grown = scrub.wechat(WeChatFailure::new(1, "a".repeat(MAX_ERRMSG_BYTES)));
        assert_eq!(grown.errmsg.len(), MAX_ERRMSG_BYTES);
        let message = "b".repeat(10 * MAX_ERRMSG_BYTES);
        let TransportFailure::Other { message } =
            scrub.transport(&TransportFailure::Other { message })
        else {
            unreachable!("the kind is kept")
        };
        assert_eq!(message.len(), MAX_ERRMSG_BYTES);
    }
}
