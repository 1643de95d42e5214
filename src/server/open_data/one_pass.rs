//! The payload `T` and its watermark read in one pass over the plaintext, without building a
//! `serde_json::Value`.
//!
//! `T` deserialises straight from the text through a thin wrapper that watches the top-level
//! object's keys: the value of `watermark` is read as a [`Watermark`] and then replayed to `T`
//! exactly as a `Value` would present it (`appid` then `timestamp`). This path only ever
//! answers a plain success: anything it does not take as exactly what the general path would
//! give (an error of any kind, a second `watermark`, a watermark with keys other than `appid`
//! and `timestamp`, a top level that is not an object, trailing text) gives `None`, and the
//! general path in [`decrypt`](super::decrypt) decides and describes it. The checks on the
//! watermark's appid and age run after either path, on what it returns.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor,
};

use super::Decrypted;
use crate::server::phone::Watermark;

/// `T` and the watermark, or `None` when the general path must decide.
///
/// The text is already known to be UTF-8, so its strings are not checked again.
pub(super) fn read<T: DeserializeOwned>(text: &str) -> Option<Decrypted<T>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut seen = Seen::default();
    let data = T::deserialize(Top {
        de: &mut de,
        seen: &mut seen,
    });
    match (data, de.end(), seen) {
        (
            Ok(data),
            Ok(()),
            Seen {
                watermark: Some(watermark),
                repeated: false,
            },
        ) => Some(Decrypted { data, watermark }),
        _ => None,
    }
}

/// A wrapper that reads whatever it is asked for through its `deserialize_any`.
macro_rules! forward_everything_to_any {
    () => {
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
            identifier ignored_any
        }
    };
}

/// What the top-level object held under `watermark`.
#[derive(Default)]
struct Seen {
    watermark: Option<Watermark>,
    repeated: bool,
}

/// The document's deserializer: everything is read as the top-level object.
struct Top<'a, 'de> {
    de: &'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    seen: &'a mut Seen,
}

impl<'de> Deserializer<'de> for Top<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let seen = self.seen;
        self.de.deserialize_map(TopVisitor { visitor, seen })
    }

    forward_everything_to_any!();
}

struct TopVisitor<'a, V> {
    visitor: V,
    seen: &'a mut Seen,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TopVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(TopMap {
            map,
            seen: self.seen,
            at_watermark: false,
        })
    }
}

/// The top-level object's entries, with `watermark`'s value read and replayed.
struct TopMap<'a, A> {
    map: A,
    seen: &'a mut Seen,
    at_watermark: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TopMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(KeySeed {
            seed,
            at_watermark: &mut self.at_watermark,
        })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        if !std::mem::take(&mut self.at_watermark) {
            return self.map.next_value_seed(seed);
        }
        let watermark = self.map.next_value_seed(WatermarkSeed)?;
        let value = seed.deserialize(Replay::<A::Error>::new(&watermark))?;
        self.seen.repeated |= self.seen.watermark.is_some();
        self.seen.watermark = Some(watermark);
        Ok(value)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A key, passed on unchanged; notes whether it is `watermark`.
struct KeySeed<'a, K> {
    seed: K,
    at_watermark: &'a mut bool,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyDe {
            d,
            at_watermark: self.at_watermark,
        })
    }
}

struct KeyDe<'a, D> {
    d: D,
    at_watermark: &'a mut bool,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.d.deserialize_any(KeyVisitor {
            visitor,
            at_watermark: self.at_watermark,
        })
    }

    forward_everything_to_any!();
}

struct KeyVisitor<'a, V> {
    visitor: V,
    at_watermark: &'a mut bool,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<V::Value, E> {
        *self.at_watermark = key == "watermark";
        self.visitor.visit_str(key)
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<V::Value, E> {
        *self.at_watermark = key == "watermark";
        self.visitor.visit_borrowed_str(key)
    }
}

/// A watermark object with exactly the keys `appid` (a string) and `timestamp` (an `i64`),
/// each once; anything else fails, for the general path to decide.
struct WatermarkSeed;

impl<'de> DeserializeSeed<'de> for WatermarkSeed {
    type Value = Watermark;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Watermark, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for WatermarkSeed {
    type Value = Watermark;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a watermark")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Watermark, A::Error> {
        let (mut app_id, mut timestamp) = (None, None);
        while let Some(key) = map.next_key::<WatermarkKey>()? {
            match key {
                WatermarkKey::AppId if app_id.is_none() => app_id = Some(map.next_value()?),
                WatermarkKey::Timestamp if timestamp.is_none() => {
                    timestamp = Some(map.next_value()?)
                }
                _ => return Err(de::Error::custom("not a plain watermark")),
            }
        }
        match (app_id, timestamp) {
            (Some(app_id), Some(timestamp)) => Ok(Watermark { app_id, timestamp }),
            _ => Err(de::Error::custom("not a plain watermark")),
        }
    }
}

enum WatermarkKey {
    AppId,
    Timestamp,
    Other,
}

impl<'de> de::Deserialize<'de> for WatermarkKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyName;
        impl Visitor<'_> for KeyName {
            type Value = WatermarkKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<WatermarkKey, E> {
                Ok(match key {
                    "appid" => WatermarkKey::AppId,
                    "timestamp" => WatermarkKey::Timestamp,
                    _ => WatermarkKey::Other,
                })
            }
        }
        d.deserialize_str(KeyName)
    }
}

/// A read watermark presented again as the object it was, keys in a `Value`'s order.
struct Replay<'w, E> {
    watermark: &'w Watermark,
    next: u8,
    error: PhantomData<E>,
}

impl<'w, E> Replay<'w, E> {
    fn new(watermark: &'w Watermark) -> Self {
        Self {
            watermark,
            next: 0,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for Replay<'_, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_map(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, E: de::Error> MapAccess<'de> for Replay<'_, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        let key = match self.next {
            0 => "appid",
            1 => "timestamp",
            _ => return Ok(None),
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, E> {
        self.next += 1;
        match self.next {
            1 => seed.deserialize(self.watermark.app_id.as_str().into_deserializer()),
            _ => seed.deserialize(self.watermark.timestamp.into_deserializer()),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(2 - usize::from(self.next.min(2)))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::server::open_data::UserInfo;

    /// What the general path reads: a `Value`, its object watermark, then `T` from the value.
    fn general<T: DeserializeOwned>(text: &str) -> Option<(T, Watermark)> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let found = value.get("watermark").filter(|w| w.is_object())?;
        let watermark = Watermark::deserialize(found).ok()?;
        Some((T::deserialize(value).ok()?, watermark))
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Kept {
        watermark: Watermark,
        #[serde(default)]
        n: Option<u8>,
    }

    fn pair<T>(decrypted: Decrypted<T>) -> (T, Watermark) {
        (decrypted.data, decrypted.watermark)
    }

    fn agrees(text: &str) -> bool {
        let one = read::<serde_json::Value>(text).map(pair);
        assert!(one.is_none() || one == general(text), "{text}");
        let one = read::<UserInfo>(text).map(pair);
        assert!(one.is_none() || one == general(text), "{text}");
        let one = read::<Kept>(text).map(pair);
        assert!(one.is_none() || one == general(text), "{text}");
        one.is_some()
    }

    #[test]
    fn takes_plain_answers_and_gives_what_the_general_path_gives() {
        let w = r#""watermark":{"timestamp":-5,"appid":"wx1"}"#;
        assert!(agrees(&format!(r#"{{"nickName":"a\"b","n":7,{w}}}"#)));
        assert!(agrees(&format!(r#"{{{w},"x":[1,{{"y":null}}],"n":1}}"#)));
        let w = r#""watermark":{"appid":"wx1","timestamp":1477314187}"#;
        assert!(agrees(&format!(r#"{{{w},"gender":1}}"#)));
    }

    #[test]
    fn leaves_the_rest_to_the_general_path() {
        let w = r#""watermark":{"appid":"wx1","timestamp":1}"#;
        for text in [
            format!(r#"{{{w},{w}}}"#),
            format!(r#"{{{w},"n":1,"n":2}}"#),
            format!(r#"{{{w}}} x"#),
            format!(r#"[{{{w}}}]"#),
            r#"{"watermark":{"appid":"wx1","timestamp":1,"extra":0}}"#.to_owned(),
            r#"{"watermark":{"appid":"wx1","timestamp":1.5}}"#.to_owned(),
            r#"{"watermark":{"appid":"wx1"}}"#.to_owned(),
            r#"{"watermark":null}"#.to_owned(),
            r#"{"n":1}"#.to_owned(),
            "{".to_owned(),
        ] {
            assert!(!agrees(&text), "{text}");
        }
    }
}
