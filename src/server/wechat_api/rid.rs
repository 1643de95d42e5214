//! The request id WeChat puts at the end of an `errmsg`, and the cut that bounds every text
//! kept from the world.

/// The longest request id kept, in bytes; a longer one is not WeChat's and is dropped.
#[cfg_attr(not(feature = "test-support"), allow(unreachable_pub))] // `test_support` re-exports it.
pub const MAX_RID_BYTES: usize = 64;

/// Finds the request id in an errmsg, in either of WeChat's forms, and keeps it only when it
/// has WeChat's shape; anything else after the marker (a secret an echoing proxy put there,
/// say) is dropped.
///
/// - `… rid: 6502a6f1-1f2e3d4c-5b6a7988`: groups of 1 to 16 hex digits joined by dashes;
/// - `… hints: [ req_id: GaHFAJ6ce-vGCl3a ]`: groups of 1 to 16 letters or digits joined by
///   dashes.
///
/// Both need at least two groups and at most [`MAX_RID_BYTES`] bytes, and the marker must not
/// end a longer word.
pub(crate) fn extract_rid(errmsg: &str) -> Option<String> {
    let (rest, alnum) = marked(errmsg)?;
    let rid = &rest[..rid_end(rest)];
    // Groups of 1 to 16 hex digits (or letters and digits) joined by dashes, at least two.
    let group_len = 1..=16;
    let (mut groups, mut len, mut shaped) = (1, 0, rid.len() <= MAX_RID_BYTES);
    for byte in rid.bytes() {
        if byte == b'-' {
            shaped &= group_len.contains(&len);
            (groups, len) = (groups + 1, 0);
        } else {
            shaped &= if alnum {
                byte.is_ascii_alphanumeric()
            } else {
                byte.is_ascii_hexdigit()
            };
            len += 1;
        }
    }
    (shaped && group_len.contains(&len) && groups >= 2).then(|| rid.to_owned())
}

/// Where the candidate rid ends: at whitespace or `]`, `,`, `;`, `)`, `"`. ASCII is decided
/// byte by byte; from the first non-ASCII character on, character by character.
fn rid_end(rest: &str) -> usize {
    let ends = |c: char| c.is_whitespace() || matches!(c, ']' | ',' | ';' | ')' | '"');
    match rest
        .bytes()
        .position(|b| !b.is_ascii() || ends(char::from(b)))
    {
        Some(at) if !rest.as_bytes()[at].is_ascii() => {
            // A non-ASCII byte starts a character: `at` is a character boundary.
            at + rest[at..].find(ends).unwrap_or(rest.len() - at)
        }
        Some(at) => at,
        None => rest.len(),
    }
}

/// The text after the first `req_id:` (and `true`), else after the first `rid:`, where the
/// marker does not end a longer word, spaces skipped. One pass over the colons (a fast byte
/// search), not `str::match_indices` on each marker, whose substring searcher costs more
/// than the short texts WeChat sends.
fn marked(errmsg: &str) -> Option<(&str, bool)> {
    let bytes = errmsg.as_bytes();
    let ends_marker = |colon: usize, word: &[u8]| {
        colon.checked_sub(word.len()).is_some_and(|at| {
            &bytes[at..colon] == word
                && !at
                    .checked_sub(1)
                    .is_some_and(|i| bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
        })
    };
    let mut rid = None;
    for (colon, _) in errmsg.match_indices(':') {
        // The colon is ASCII, so the text after it starts at a character boundary.
        let rest = || errmsg[colon + 1..].trim_start_matches(' ');
        if ends_marker(colon, b"req_id") {
            return Some((rest(), true));
        }
        if rid.is_none() && ends_marker(colon, b"rid") {
            rid = Some((rest(), false));
        }
    }
    rid
}

/// Cuts `text` to at most `max` bytes, back to a character boundary.
pub(crate) fn cut_at_char_boundary(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_in_both_forms() {
        assert_eq!(
            extract_rid("invalid code, rid: 6502a6f1-1f2e3d4c-5b6a7988").as_deref(),
            Some("6502a6f1-1f2e3d4c-5b6a7988")
        );
        assert_eq!(
            extract_rid("invalid code, hints: [ req_id: GaHFAJ6ce-vGCl3a ]").as_deref(),
            Some("GaHFAJ6ce-vGCl3a")
        );
        assert_eq!(extract_rid("rid:abc-1,").as_deref(), Some("abc-1"));
        assert_eq!(extract_rid("system error"), None);
        assert_eq!(extract_rid("rid: "), None);
    }

    #[test]
    fn rid_only_in_wechats_shape() {
        for errmsg in [
            "invalid code, rid: 0123456789abcdef0123456789abcdef",
            "invalid code, rid: S3CRET-value",
            "rid: 6502a6f1-1f2e3d4c-5b6a7988x_y",
            "rid: 6502a6f1--5b6a7988",
            "rid: -6502a6f1",
            "grid: 6502a6f1-1f2e3d4c",
            "hints: [ req_id: GaHFAJ6ce_vGCl3a ]",
            "hints: [ req_id: 0123456789abcdef0 ]",
        ] {
            assert_eq!(extract_rid(errmsg), None, "{errmsg}");
        }
        let long = ["abcdef01"; 8].join("-");
        assert_eq!(long.len(), 71);
        assert_eq!(extract_rid(&format!("rid: {long}")), None);
        let at_limit = ["abcdef0123456789"; 4].join("-")[..64].to_owned();
        assert_eq!(extract_rid(&format!("rid: {at_limit}")), Some(at_limit));
    }
}
