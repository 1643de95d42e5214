//! The one reply shape: `{"ok": value}` or `{"error": {"kind", "variant"?, "message"}}`.

use serde::Serialize;

/// Why a call was refused. The machine is then exactly as before the call.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallError {
    /// `badJson`, `badConfig`, `badTime`, `badHandle`, `badBuffer` or `contract` (the machine's
    /// own `LoginError`).
    pub kind: &'static str,
    /// For `contract`: the `LoginError` variant, e.g. `unexpectedEvent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// What is wrong, without any value taken from the input.
    pub message: String,
}

impl CallError {
    /// An error without a variant.
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            variant: None,
            message: message.into(),
        }
    }

    /// A JSON input that did not parse as what it should be.
    pub(crate) fn json(kind: &'static str, error: &serde_json::Error) -> Self {
        Self::new(kind, redact_quoted(&error.to_string()))
    }

    /// The machine refused the input: the driver broke its contract.
    pub(crate) fn contract(error: &wxlogin::client::LoginError) -> Self {
        let debug = format!("{error:?}");
        let name: String = debug
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        Self {
            kind: "contract",
            variant: Some(lower_first(&name)),
            message: error.to_string(),
        }
    }
}

/// `{"ok": value}` or `{"error": …}` as bytes.
pub(crate) fn encode<T: Serialize>(result: Result<T, CallError>) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    enum Reply<T> {
        Ok(T),
        Error(CallError),
    }
    let reply = match result {
        Ok(value) => Reply::Ok(value),
        Err(error) => Reply::Error(error),
    };
    // Serialising into a `Vec` fails only for maps with non-string keys, which no reply has.
    serde_json::to_vec(&reply)
        .unwrap_or_else(|_| br#"{"error":{"kind":"internal","message":"reply"}}"#.to_vec())
}

/// `UnexpectedEvent` → `unexpectedEvent`: the JSON spelling of a Rust variant name.
pub(crate) fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// serde_json quotes the offending input in `invalid type: string "…"`; that input may be a
/// token or a code, so everything between the first and the last double quote goes.
fn redact_quoted(message: &str) -> String {
    match (message.find('"'), message.rfind('"')) {
        (Some(start), Some(end)) if start < end => {
            format!("{}\"[redacted]\"{}", &message[..start], &message[end + 1..])
        }
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_the_quoted_input() {
        let error = serde_json::from_str::<u64>(r#""S3CRET""#).unwrap_err();
        let message = CallError::json("badJson", &error).message;
        assert!(!message.contains("S3CRET"), "{message}");
        assert!(message.starts_with("invalid type: string"), "{message}");
    }

    #[test]
    fn replies_are_ok_or_error() {
        assert_eq!(encode(Ok(3)), br#"{"ok":3}"#);
        let error = encode::<()>(Err(CallError::new("badHandle", "no machine 9")));
        assert_eq!(
            error,
            br#"{"error":{"kind":"badHandle","message":"no machine 9"}}"#
        );
    }
}
