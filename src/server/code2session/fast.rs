//! One pass over a success answer or a refusal, straight into [`WeChatSession`] or the
//! errcode and errmsg, without the `Map<String, Value>` that
//! [`wechat_api::parse`](crate::server::wechat_api::parse) builds (a node per field and a
//! string per key).
//!
//! It accepts only what the general path accepts and returns what it returns: a 200 JSON
//! object, `errcode` absent, `null` or an integer equal to 0, `openid` and `session_key`
//! non-empty strings, `unionid` absent, `null` or a string; or `errcode` another integer and
//! `errmsg` absent, `null` or a string (borrowed from the body when it has no escapes), which
//! the caller scrubs exactly as the general path does; every other value checked as
//! strictly as `serde_json::Value` checks it (numbers in range, strings valid) and then
//! dropped, and a repeated key's last value kept. Anything else, errors included, gives `None`
//! and goes the general way, which decides and describes it.
//!
//! Before serde, [`plain`] reads the shape WeChat actually sends (a flat object without
//! whitespace, strings of printable ASCII without escapes, an integer errcode) with a byte
//! scanner; on anything else it gives `None` and the serde pass above runs as if it had not.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

use super::WeChatSession;
use crate::http::HttpResponse;
use crate::secret::SessionKey;
use crate::server::wechat_api::admit;

/// What the fast path decided.
pub(super) enum Answer<'a> {
    Session(WeChatSession),
    /// A non-zero errcode, and the errmsg as WeChat wrote it (`""` when absent or null).
    Refused {
        errcode: i64,
        errmsg: Cow<'a, str>,
    },
}

pub(super) fn parse(response: &HttpResponse) -> Option<Answer<'_>> {
    if response.status != 200 || admit(response).is_err() {
        return None;
    }
    if let Some(answer) = plain(&response.body) {
        return Some(answer);
    }
    // Checked as UTF-8 once, not string by string (a body that is not goes the general way).
    let text = std::str::from_utf8(&response.body).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let fields = de.deserialize_map(Fields::default()).ok()?;
    de.end().ok()?;
    match fields {
        Fields {
            errcode: Some(Some(errcode)),
            errmsg,
            ..
        } if errcode != 0 => Some(Answer::Refused {
            errcode,
            errmsg: errmsg.flatten().map_or(Cow::Borrowed(""), |t| t.0),
        }),
        Fields {
            openid: Some(openid),
            session_key: Some(session_key),
            unionid,
            errcode: None | Some(None) | Some(Some(0)),
            ..
        } if !openid.is_empty() && !session_key.is_empty() => {
            Some(Answer::Session(WeChatSession {
                openid,
                session_key: SessionKey::new(session_key),
                unionid: unionid.flatten(),
            }))
        }
        _ => None,
    }
}

/// The plainest answers, read without serde: an object with no whitespace whose values are
/// strings of printable ASCII without escapes, but for `errcode`, a plain integer (at most 18
/// digits, no leading zero). A non-zero errcode is a refusal; else `openid` and `session_key`
/// must be there and not empty. WeChat's answers have this shape; anything else gives `None`
/// (and goes through serde). The strings are located first and copied once at the end, so a
/// repeated key costs no allocation (its last value wins, as in a `Map`).
fn plain(body: &[u8]) -> Option<Answer<'_>> {
    let mut rest = body.strip_prefix(b"{\"")?;
    let (mut openid, mut session_key, mut unionid) = (None, None, None);
    let (mut errcode, mut errmsg) = (None, None);
    loop {
        let (key, after) = string(rest)?;
        let after = after.strip_prefix(b":")?;
        let after = if key == b"errcode" {
            let (code, after) = integer(after)?;
            errcode = Some(code);
            after
        } else {
            let (value, after) = string(after.strip_prefix(b"\"")?)?;
            match key {
                b"openid" => openid = Some(value),
                b"session_key" => session_key = Some(value),
                b"unionid" => unionid = Some(value),
                b"errmsg" => errmsg = Some(value),
                _ => {}
            }
            after
        };
        match after {
            [b',', b'"', tail @ ..] => rest = tail,
            [b'}'] => break,
            _ => return None,
        }
    }
    if let Some(errcode) = errcode.filter(|&code| code != 0) {
        let errmsg = Cow::Borrowed(std::str::from_utf8(errmsg.unwrap_or_default()).ok()?);
        return Some(Answer::Refused { errcode, errmsg });
    }
    let owned = |bytes| std::str::from_utf8(bytes).ok().map(str::to_owned);
    match (openid, session_key) {
        (Some(openid), Some(session_key)) if !openid.is_empty() && !session_key.is_empty() => {
            Some(Answer::Session(WeChatSession {
                openid: owned(openid)?,
                session_key: SessionKey::new(owned(session_key)?),
                unionid: match unionid {
                    Some(unionid) => Some(owned(unionid)?),
                    None => None,
                },
            }))
        }
        _ => None,
    }
}

/// A JSON integer of 1 to 18 digits (so it fits an `i64`), `-` allowed, no leading zero, not
/// `-0`, and what follows it.
fn integer(text: &[u8]) -> Option<(i64, &[u8])> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    let (number, rest) = digits.split_at(len);
    // serde_json reads `-0` as a float, which is no errcode.
    if !(1..=18).contains(&len) || (number[0] == b'0' && (len > 1 || negative)) {
        return None;
    }
    let value = number
        .iter()
        .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
    Some((if negative { -value } else { value }, rest))
}

/// Splits `text`, which follows an opening quote, at its closing quote: the string's bytes
/// and what follows the quote. `None` if a control character, a backslash or a byte that is
/// not ASCII comes first. Eight bytes at a time.
fn string(text: &[u8]) -> Option<(&[u8], &[u8])> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each term flags (in a byte's top bit) the bytes that are its character, exactly up to
    // the first one (the borrow only ever spills upwards), so the lowest flag is exact.
    let stops = |x: u64| {
        let zero = |y: u64| y.wrapping_sub(ONES) & !y;
        let quote = zero(x ^ (ONES * u64::from(b'"')));
        let backslash = zero(x ^ (ONES * u64::from(b'\\')));
        let control = x.wrapping_sub(ONES * 0x20) & !x;
        (quote | backslash | control | x) & HIGH
    };
    let split = |at: usize| {
        let (string, rest) = text.split_at_checked(at)?;
        Some((string, rest.strip_prefix(b"\"")?))
    };
    let mut chunks = text.chunks_exact(8);
    let mut start = 0;
    for chunk in &mut chunks {
        let stop = stops(u64::from_le_bytes(chunk.try_into().ok()?));
        if stop != 0 {
            return split(start + (stop.trailing_zeros() / 8) as usize);
        }
        start += 8;
    }
    let mut tail = [b'"'; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    let stop = stops(u64::from_le_bytes(tail));
    split(start + (stop.trailing_zeros() / 8) as usize)
}

/// The fields seen; the last value of a repeated key wins, as in a `Map`.
#[derive(Default)]
struct Fields<'de> {
    openid: Option<String>,
    session_key: Option<String>,
    unionid: Option<Option<String>>,
    errcode: Option<Option<i64>>,
    errmsg: Option<Option<Text<'de>>>,
}

/// A string, borrowed from the body when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

impl<'de> Visitor<'de> for Fields<'de> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a code2Session answer")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Fields<'de>, A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Openid => self.openid = Some(map.next_value()?),
                Key::Session => self.session_key = Some(map.next_value()?),
                Key::Unionid => self.unionid = Some(map.next_value()?),
                Key::Errcode => self.errcode = Some(map.next_value()?),
                Key::Errmsg => self.errmsg = Some(map.next_value()?),
                Key::Other => map.next_value_seed(Checked)?,
            }
        }
        Ok(self)
    }
}

enum Key {
    Openid,
    Session,
    Unionid,
    Errcode,
    Errmsg,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "openid" => Key::Openid,
                    "session_key" => Key::Session,
                    "unionid" => Key::Unionid,
                    "errcode" => Key::Errcode,
                    "errmsg" => Key::Errmsg,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Reads any JSON value as strictly as `serde_json::Value` would and keeps nothing.
/// (`IgnoredAny` alone skips numbers and strings without checking them.)
struct Checked;

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Checked)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredKey>()?.is_some() {
            map.next_value_seed(Checked)?;
        }
        Ok(())
    }
}

/// An object key, checked as a string and dropped.
struct IgnoredKey;

impl<'de> de::Deserialize<'de> for IgnoredKey {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(Checked).map(|()| IgnoredKey)
    }
}
