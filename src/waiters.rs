//! [`Waiters`]: the callers one `Complete` settles.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::WaiterId;

/// The callers one [`Command::Complete`](crate::client::Command::Complete) settles, in the
/// order they asked. One waiter (a request served from a verified session, the common case) is
/// held inline, without an allocation; more are held in a `Vec`.
///
/// Read it as a slice (it dereferences to `[WaiterId]`: `len`, `contains`, `iter`, indexing)
/// or iterate it by value. It compares equal to any list of the same ids in the same order
/// (another `Waiters`, a `Vec`, an array, a slice), and its JSON form is an array of numbers,
/// `[1,2]`.
///
/// ```
/// use wxlogin::{WaiterId, Waiters};
///
/// let one = Waiters::from(WaiterId(7));
/// assert_eq!(one, [WaiterId(7)]);
/// assert_eq!(Waiters::from(vec![WaiterId(7)]), one);
/// let ids: Vec<u64> = one.into_iter().map(|w| w.0).collect();
/// assert_eq!(ids, [7]);
/// ```
#[derive(Clone)]
pub struct Waiters(Held);

#[derive(Clone)]
enum Held {
    One(WaiterId),
    Many(Vec<WaiterId>),
}

impl Waiters {
    /// The waiters as a slice.
    pub fn as_slice(&self) -> &[WaiterId] {
        match &self.0 {
            Held::One(waiter) => std::slice::from_ref(waiter),
            Held::Many(waiters) => waiters,
        }
    }
}

impl Deref for Waiters {
    type Target = [WaiterId];

    fn deref(&self) -> &[WaiterId] {
        self.as_slice()
    }
}

impl From<WaiterId> for Waiters {
    fn from(waiter: WaiterId) -> Self {
        Self(Held::One(waiter))
    }
}

impl From<Vec<WaiterId>> for Waiters {
    fn from(waiters: Vec<WaiterId>) -> Self {
        Self(Held::Many(waiters))
    }
}

impl FromIterator<WaiterId> for Waiters {
    fn from_iter<I: IntoIterator<Item = WaiterId>>(iter: I) -> Self {
        Self(Held::Many(iter.into_iter().collect()))
    }
}

impl IntoIterator for Waiters {
    type Item = WaiterId;
    type IntoIter = std::iter::Chain<std::option::IntoIter<WaiterId>, std::vec::IntoIter<WaiterId>>;

    /// The waiters by value, in order (an empty `Vec` does not allocate).
    fn into_iter(self) -> Self::IntoIter {
        let (one, many) = match self.0 {
            Held::One(waiter) => (Some(waiter), Vec::new()),
            Held::Many(waiters) => (None, waiters),
        };
        one.into_iter().chain(many)
    }
}

impl<'a> IntoIterator for &'a Waiters {
    type Item = &'a WaiterId;
    type IntoIter = std::slice::Iter<'a, WaiterId>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl fmt::Debug for Waiters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq for Waiters {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Waiters {}

impl std::hash::Hash for Waiters {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialEq<[WaiterId]> for Waiters {
    fn eq(&self, other: &[WaiterId]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<Vec<WaiterId>> for Waiters {
    fn eq(&self, other: &Vec<WaiterId>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize> PartialEq<[WaiterId; N]> for Waiters {
    fn eq(&self, other: &[WaiterId; N]) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Serialize for Waiters {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Waiters {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let waiters = Vec::<WaiterId>::deserialize(deserializer)?;
        Ok(match waiters[..] {
            [one] => Self::from(one),
            _ => Self::from(waiters),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_many_read_and_compare_alike() {
        let one = Waiters::from(WaiterId(1));
        let many = Waiters::from(vec![WaiterId(1)]);
        assert_eq!(one, many);
        assert_eq!(format!("{one:?}"), format!("{many:?}"));
        assert_eq!(serde_json::to_string(&one).unwrap(), "[1]");
        let read: Waiters = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(read, vec![WaiterId(1), WaiterId(2)]);
        assert_eq!(
            read.into_iter().collect::<Vec<_>>(),
            [WaiterId(1), WaiterId(2)]
        );
        assert_eq!(one.into_iter().size_hint(), (1, Some(1)));
        assert!(serde_json::from_str::<Waiters>("[9007199254740992]").is_err());
    }
}
