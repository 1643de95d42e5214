//! Readers of the exact bodies this crate writes (`{"code":"…"}`, `{"token":"…","expires_in":N}`),
//! tried before serde_json: a body in exactly that form, whose texts need no unescaping, is the
//! value serde_json would give; anything else (other spacing, member order, escapes, extra
//! members, a bad value) is left to serde_json, so every error and every other value is its.

/// The text between the quotes of `{"code":"…"}`, as it is. Only a valid code may be taken
/// for serde_json's value: the code check refuses every byte a quote or an escape needs.
pub(super) fn login_request(body: &[u8]) -> Option<&str> {
    let code = body.strip_prefix(br#"{"code":""#)?.strip_suffix(br#""}"#)?;
    std::str::from_utf8(code).ok()
}

/// The token and `expires_in` of `{"token":"TOKEN","expires_in":N}` when `TOKEN` holds no `"`,
/// `\` or control character and `N` is a JSON integer that fits a `u64`.
pub(super) fn login_granted(body: &[u8]) -> Option<(&str, u64)> {
    let rest = body.strip_prefix(br#"{"token":""#)?.strip_suffix(b"}")?;
    // The first byte a text cannot hold as it is must be the token's closing quote.
    let end = rest.iter().position(|&b| !PLAIN[usize::from(b)])?;
    let (token, rest) = rest.split_at(end);
    let number = rest.strip_prefix(br#"","expires_in":"#)?;
    Some((std::str::from_utf8(token).ok()?, json_u64(number)?))
}

/// The bytes serde_json reads between quotes as they are: all but `"`, `\` and the control
/// characters below 0x20.
const PLAIN: [bool; 256] = {
    let mut plain = [true; 256];
    let mut b = 0;
    while b < 0x20 {
        plain[b] = false;
        b += 1;
    }
    plain[b'"' as usize] = false;
    plain[b'\\' as usize] = false;
    plain
};

/// A JSON integer (digits, no sign, no leading zero unless it is `0`) that fits a `u64`.
fn json_u64(digits: &[u8]) -> Option<u64> {
    match digits {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        _ => digits.iter().try_fold(0u64, |n, &b| {
            let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
            n.checked_mul(10)?.checked_add(u64::from(digit))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_form_is_read() {
        assert_eq!(login_request(br#"{"code":"abc"}"#), Some("abc"));
        assert_eq!(login_request(br#"{"code":""}"#), Some(""));
        // As it is: the code check refuses what would need unescaping.
        assert_eq!(login_request(br#"{"code":"a\u0062c"}"#), Some(r"a\u0062c"));
        for other in [
            &br#"{ "code":"abc"}"#[..],
            br#"{"code":"abc"} "#,
            b"{\"code\":\"\xff\"}",
            br#"{"code":7}"#,
        ] {
            assert_eq!(
                login_request(other),
                None,
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }

        fn granted(body: &str) -> Option<(&str, u64)> {
            login_granted(body.as_bytes())
        }
        assert_eq!(
            granted(r#"{"token":"t","expires_in":7200}"#),
            Some(("t", 7200))
        );
        assert_eq!(granted(r#"{"token":"t","expires_in":0}"#), Some(("t", 0)));
        let max = format!(r#"{{"token":"t","expires_in":{}}}"#, u64::MAX);
        assert_eq!(granted(&max), Some(("t", u64::MAX)));
        for other in [
            r#"{"token":"t","expires_in":18446744073709551616}"#,
            r#"{"token":"t","expires_in":07}"#,
            r#"{"token":"t","expires_in":-1}"#,
            r#"{"token":"t","expires_in":1.0}"#,
            r#"{"token":"t","expires_in":1e3}"#,
            r#"{"token":"t","expires_in":}"#,
            r#"{"token":"t", "expires_in":1}"#,
            r#"{"token":"t\"","expires_in":1}"#,
            r#"{"expires_in":1,"token":"t"}"#,
            r#"{"token":"t","expires_in":1,"x":2}"#,
        ] {
            assert_eq!(granted(other), None, "{other}");
        }
    }
}
