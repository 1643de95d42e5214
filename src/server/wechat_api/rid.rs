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
    let after = |marker: &str| {
        errmsg.match_indices(marker).find_map(|(at, _)| {
            let word_before = errmsg[..at]
                .bytes()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            (!word_before).then(|| errmsg[at + marker.len()..].trim_start_matches(' '))
        })
    };
    let hex = |c: char| c.is_ascii_hexdigit();
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let (rest, group_char): (&str, &dyn Fn(char) -> bool) = match after("req_id:") {
        Some(rest) => (rest, &alnum),
        None => (after("rid:")?, &hex),
    };
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ']' | ',' | ';' | ')' | '"'))
        .unwrap_or(rest.len());
    let rid = &rest[..end];
    let groups: Vec<&str> = rid.split('-').collect();
    let shaped = rid.len() <= MAX_RID_BYTES
        && groups.len() >= 2
        && groups
            .iter()
            .all(|g| (1..=16).contains(&g.len()) && g.chars().all(group_char));
    shaped.then(|| rid.to_owned())
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
