//! The JSON form at the boundary, as a JavaScript driver wants it: results as `{"ok": …}` or
//! `{"error": …}`, headers as an object (what `wx.request` takes and gives), instants as whole
//! milliseconds since the Unix epoch, and ids that JavaScript numbers hold exactly.
//! Each item is a `#[serde(with = …)]` module or a conversion used by the types' attributes.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

/// `Result<T, E>` as `{"ok": T}` or `{"error": E}`.
pub(crate) mod result {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Ref<'a, T, E> {
        Ok(&'a T),
        Error(&'a E),
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Owned<T, E> {
        Ok(T),
        Error(E),
    }

    pub(crate) fn serialize<T, E, S>(result: &Result<T, E>, s: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        E: Serialize,
        S: Serializer,
    {
        match result {
            Ok(value) => Ref::<T, E>::Ok(value).serialize(s),
            Err(error) => Ref::<T, E>::Error(error).serialize(s),
        }
    }

    pub(crate) fn deserialize<'de, T, E, D>(d: D) -> Result<Result<T, E>, D::Error>
    where
        T: Deserialize<'de>,
        E: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(match Owned::deserialize(d)? {
            Owned::Ok(value) => Ok(value),
            Owned::Error(error) => Err(error),
        })
    }
}

/// Header pairs as a JSON object: `{"content-type": "application/json"}`, in order. A name
/// given twice is written twice; on input, a value may also be an array of strings (one pair
/// each), as some HTTP clients give repeated headers.
pub(crate) mod headers {
    use std::fmt;

    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;

    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        headers: &[(String, String)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(headers.len()))?;
        for (name, value) in headers {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Values {
        One(String),
        Many(Vec<String>),
    }

    struct Pairs;

    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(String, String)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of header names to strings")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
            while let Some((name, values)) = map.next_entry::<String, Values>()? {
                match values {
                    Values::One(value) => pairs.push((name, value)),
                    Values::Many(values) => {
                        pairs.extend(values.into_iter().map(|v| (name.clone(), v)));
                    }
                }
            }
            Ok(pairs)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        d.deserialize_map(Pairs)
    }
}

/// An instant as whole milliseconds since the Unix epoch (fractions of a millisecond dropped).
pub(crate) mod millis {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        // Years ±9999 are about ±2.5e14 ms: always an exact JavaScript number.
        let ms = at.unix_timestamp_nanos().div_euclid(1_000_000);
        s.serialize_i64(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let ms = i64::deserialize(d)?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .map_err(|_| D::Error::custom(format!("{ms} ms is outside the years ±9999")))
    }
}

/// The developer server's error body inside a login failure, with camelCase keys; on the wire
/// between client and server it keeps its own snake_case form ([`ErrorBody`]).
pub(crate) mod error_body {
    use super::*;
    use crate::wire::{ErrorBody, ErrorKind};

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Camel {
        error: ErrorKind,
        #[serde(default)]
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        errcode: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<String>,
    }

    pub(crate) fn serialize<S: Serializer>(
        body: &Option<ErrorBody>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        body.as_ref()
            .map(|b| Camel {
                error: b.error,
                message: b.message.clone(),
                retry_after: b.retry_after,
                errcode: b.errcode,
                rid: b.rid.clone(),
            })
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ErrorBody>, D::Error> {
        Ok(Option::<Camel>::deserialize(d)?.map(|c| {
            let mut body = ErrorBody::new(c.error, c.message);
            body.retry_after = c.retry_after;
            body.errcode = c.errcode;
            body.rid = c.rid;
            body
        }))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use time::OffsetDateTime;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(with = "super::result")]
        result: Result<u8, String>,
        #[serde(with = "super::headers")]
        headers: Vec<(String, String)>,
        #[serde(with = "super::millis")]
        at: OffsetDateTime,
    }

    #[test]
    fn results_headers_and_instants_round_trip() {
        let probe = Probe {
            result: Err("no".into()),
            headers: vec![("a".into(), "1".into())],
            at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        };
        let json = serde_json::to_string(&probe).unwrap();
        assert_eq!(
            json,
            r#"{"result":{"error":"no"},"headers":{"a":"1"},"at":1700000000000}"#
        );
        assert_eq!(serde_json::from_str::<Probe>(&json).unwrap(), probe);
        let ok = r#"{"result":{"ok":7},"headers":{},"at":0}"#;
        assert_eq!(serde_json::from_str::<Probe>(ok).unwrap().result, Ok(7));
    }

    #[test]
    fn repeated_headers_arrive_as_arrays() {
        let json = r#"{"result":{"ok":1},"headers":{"set-cookie":["a=1","b=2"]},"at":0}"#;
        let probe: Probe = serde_json::from_str(json).unwrap();
        let cookie = |v: &str| ("set-cookie".to_owned(), v.to_owned());
        assert_eq!(probe.headers, [cookie("a=1"), cookie("b=2")]);
    }

    #[test]
    fn bad_forms_are_refused() {
        for bad in [
            r#"{"result":{"Ok":1},"headers":{},"at":0}"#,
            r#"{"result":{"ok":1},"headers":[["a","1"]],"at":0}"#,
            r#"{"result":{"ok":1},"headers":{"a":1},"at":0}"#,
            r#"{"result":{"ok":1},"headers":{},"at":9223372036854775807}"#,
            r#"{"result":{"ok":1},"headers":{},"at":1.5}"#,
        ] {
            assert!(serde_json::from_str::<Probe>(bad).is_err(), "{bad}");
        }
    }
}
