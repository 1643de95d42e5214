//! Where requests go: WeChat's host, a path on it, and a query whose every value is
//! percent-encoded.

/// WeChat's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// A request URL under construction: `{base}{path}?k=v&k=v`, every value percent-encoded.
pub(crate) struct Url {
    text: String,
    /// Whether `text` holds a `?` (the next pair is joined with `&`), known without a scan.
    has_query: bool,
}

impl Url {
    /// `path` (which starts with `/`) on `base_url`, whose trailing slashes are ignored.
    pub(crate) fn new(base_url: &str, path: &str) -> Self {
        let base = base_url.trim_end_matches('/');
        let mut text = String::with_capacity(base.len() + path.len() + 160);
        text.push_str(base);
        text.push_str(path);
        Self {
            has_query: text.contains('?'),
            text,
        }
    }

    /// Appends `key=value`, the value percent-encoded (the keys are this crate's constants).
    pub(crate) fn query(mut self, key: &str, value: &str) -> Self {
        self.text.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        self.text.push_str(key);
        self.text.push('=');
        push_percent_encoded(&mut self.text, value);
        self
    }

    /// The URL as text.
    pub(crate) fn into_string(self) -> String {
        self.text
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_percent_encoded(&mut out, text);
    out
}

/// RFC 3986's unreserved bytes: the ones percent-encoding leaves as they are.
pub(crate) fn is_unreserved(byte: u8) -> bool {
    UNRESERVED[usize::from(byte)]
}

/// [`is_unreserved`] as a table: one lookup per byte.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

fn push_percent_encoded(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // Most values (appids, secrets, codes) need no encoding: one pass of table lookups without
    // a branch per byte, one copy.
    if text.bytes().fold(true, |ok, b| ok & is_unreserved(b)) {
        out.push_str(text);
        return;
    }
    // Runs of unreserved bytes are copied whole; only the bytes between them are encoded.
    let mut run_start = 0;
    for (at, &byte) in text.as_bytes().iter().enumerate() {
        if is_unreserved(byte) {
            continue;
        }
        // A run is unreserved ASCII that follows an encoded byte, never a continuation byte
        // of a character: both of its ends are character boundaries, so `get` always finds it.
        if let Some(run) = text.get(run_start..at) {
            out.push_str(run);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        run_start = at + 1;
    }
    if let Some(run) = text.get(run_start..) {
        out.push_str(run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode("a b&c=d+é"), "a%20b%26c%3Dd%2B%C3%A9");
        // Byte by byte, as the runs must give it.
        for text in ["", "é", "éa", "aé", "ab%", "% é~z€", "𝄞x𝄞"] {
            let expected: String = text
                .bytes()
                .map(|b| match is_unreserved(b) {
                    true => char::from(b).to_string(),
                    false => format!("%{b:02X}"),
                })
                .collect();
            assert_eq!(percent_encode(text), expected, "{text}");
        }
    }

    #[test]
    fn base_path_and_query() {
        let url = Url::new("https://h//", "/p")
            .query("a", "1 2")
            .query("b", "&");
        assert_eq!(url.into_string(), "https://h/p?a=1%202&b=%26");
        assert_eq!(Url::new("https://h", "/p").into_string(), "https://h/p");
        // A base that carries a query already: the first pair joins it with `&`.
        let url = Url::new("https://h/x?k=1", "/p").query("a", "b");
        assert_eq!(url.into_string(), "https://h/x?k=1/p&a=b");
    }
}
