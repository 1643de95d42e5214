//! A writer of this crate's own flat JSON objects (string and integer members), giving exactly
//! the bytes `serde_json::to_vec` gives for the same struct: members in declaration order, no
//! whitespace, strings escaped as serde_json escapes them, integers in plain decimal.
//!
//! It exists for the hot wire bodies (the login request, the grant, the stored record), where
//! serde's generic path cost more than the body itself. Its tests hold it to serde_json byte
//! for byte.

/// A JSON object being written: `{"k":v,"k":v}`.
pub(crate) struct JsonObject {
    out: Vec<u8>,
}

impl JsonObject {
    /// An object whose text will need about `capacity` bytes.
    #[inline]
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        Self { out }
    }

    /// `"key":"value"`, the value escaped as serde_json escapes it. `key` is one of this
    /// crate's member names, which need no escaping.
    #[inline]
    pub(crate) fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_string(&mut self.out, value);
        self
    }

    /// `"key":value` for an unsigned integer.
    #[inline]
    pub(crate) fn unsigned(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        push_u64(&mut self.out, value);
        self
    }

    /// `"key":value` for a signed integer.
    #[inline]
    pub(crate) fn signed(mut self, key: &str, value: i64) -> Self {
        self.key(key);
        if value < 0 {
            self.out.push(b'-');
        }
        push_u64(&mut self.out, value.unsigned_abs());
        self
    }

    /// The object's text.
    #[inline]
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }

    #[inline]
    fn key(&mut self, key: &str) {
        debug_assert!(
            !key.bytes().any(needs_escape),
            "a member name needs no escape"
        );
        let open: &[u8] = if self.out.len() > 1 { b",\"" } else { b"\"" };
        self.out.extend_from_slice(open);
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }
}

/// Whether serde_json writes `byte` escaped: `"`, `\` and the control characters below 0x20.
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// `text` as a JSON string. Text with nothing to escape (every token, code and member this
/// crate writes) is copied whole; anything else goes through serde_json itself, so the bytes
/// are serde_json's either way.
fn push_json_string(out: &mut Vec<u8>, text: &str) {
    // One pass without a branch per byte; the texts are short and bounded.
    if !text.bytes().fold(false, |any, b| any | needs_escape(b)) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    // Cannot fail: a string into a `Vec` has no I/O error and no non-string key.
    serde_json::to_writer(out, text).expect("a string always serialises");
}

/// `value` in decimal, as serde_json (itoa) writes it: two digits at a time.
fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while value >= 100 {
        // A remainder below a hundred: the cast cannot truncate.
        let pair = (value % 100) as usize * 2;
        value /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    // Below a hundred now.
    let last = value as usize;
    if last >= 10 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[last * 2..last * 2 + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + last as u8;
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Members<'a> {
        s: &'a str,
        u: u64,
        i: i64,
    }

    fn ours(s: &str, u: u64, i: i64) -> Vec<u8> {
        JsonObject::with_capacity(0)
            .string("s", s)
            .unsigned("u", u)
            .signed("i", i)
            .finish()
    }

    #[test]
    fn the_bytes_are_serde_jsons() {
        let mut texts: Vec<String> = ["", "tok", "a\"b", "a\\b", "é€𝄞", "\u{7f}", "</script>"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        // Every control character, alone and between letters.
        texts.extend((0u8..0x20).map(|b| format!("x{}y", char::from(b))));
        let numbers = [
            (0, 0),
            (9, -9),
            (10, -10),
            (7200, 1_700_000_000),
            (u64::MAX, i64::MIN),
            (u64::MAX - 1, i64::MAX),
        ];
        for s in &texts {
            for &(u, i) in &numbers {
                let theirs = serde_json::to_vec(&Members { s, u, i }).unwrap();
                assert_eq!(ours(s, u, i), theirs, "{s:?} {u} {i}");
            }
        }
        assert_eq!(JsonObject::with_capacity(2).finish(), b"{}");
        // Every length of number, at both ends of it.
        for power in 0..20 {
            let p = 10u64.pow(power);
            for u in [p - 1, p, p + 1, p.saturating_mul(5)] {
                let i = i64::try_from(u).map_or(i64::MIN, |i| -i);
                let theirs = serde_json::to_vec(&Members { s: "", u, i }).unwrap();
                assert_eq!(ours("", u, i), theirs, "{u} {i}");
            }
        }
    }
}
