//! The three ids every machine speaks in. A leaf: it imports nothing from the crate.
//!
//! In JSON each is a number of at most [`MAX_SAFE_INTEGER`] (2^53 - 1), so that JavaScript
//! holds it exactly; a larger one is refused when read.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The largest integer a JavaScript number holds exactly: 2^53 - 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Names one effect command, given out by the machine; the event that answers it carries the
/// same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct EffectId(pub u64);

/// The driver's name for one caller waiting on a machine (a request for a session, a caller
/// wanting an access token). Ids of callers still waiting must be distinct.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "u64", into = "u64")]
pub struct WaiterId(pub u64);

/// The driver's name for one HTTP request to the developer server's login route. Ids of
/// requests still pending must be distinct.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "u64", into = "u64")]
pub struct RequestId(pub u64);

macro_rules! js_safe_id {
    ($($name:ident: $label:literal),*) => {$(
        impl TryFrom<u64> for $name {
            type Error = String;

            fn try_from(id: u64) -> Result<Self, String> {
                if id > MAX_SAFE_INTEGER {
                    return Err(format!(
                        "id {id} is above 2^53 - 1, the largest integer a JavaScript number holds exactly"
                    ));
                }
                Ok(Self(id))
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($label, " #{}"), self.0)
            }
        }
    )*};
}

js_safe_id!(EffectId: "effect", WaiterId: "waiter", RequestId: "request");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_above_two_to_the_53_are_refused_in_json() {
        let at_bound = format!("{MAX_SAFE_INTEGER}");
        assert_eq!(
            serde_json::from_str::<EffectId>(&at_bound).ok(),
            Some(EffectId(MAX_SAFE_INTEGER))
        );
        let above = format!("{}", MAX_SAFE_INTEGER + 1);
        let refused = serde_json::from_str::<WaiterId>(&above).unwrap_err();
        assert!(refused.to_string().contains("2^53"), "{refused}");
        assert!(serde_json::from_str::<RequestId>(&above).is_err());
    }

    #[test]
    fn ids_display_their_kind() {
        assert_eq!(EffectId(3).to_string(), "effect #3");
        assert_eq!(WaiterId(4).to_string(), "waiter #4");
        assert_eq!(RequestId(5).to_string(), "request #5");
    }
}
