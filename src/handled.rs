//! What became of an input a machine did not refuse.

/// The `Ok` of every machine's `handle`: the input was applied, or it was a late answer.
///
/// A late answer is an unavoidable race, not a driver bug: the effect it answers passed its
/// deadline, or the machine stopped waiting for it (a logout, a rejection), or the driver's
/// runtime delivered one answer twice. Its content is ignored; drivers log it and go on, and
/// drain the commands as after every input. The machine is unchanged, except that the client's
/// [`LoginMachine`](crate::client::LoginMachine) learns that an effect it abandoned has left
/// the world (rule 2), which may start a step that waited for it.
/// `Err` from `handle` is kept for real contract violations (an id never given out, an event
/// no state expects, a reused waiter id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "a late answer is worth a log line"]
pub enum Handled {
    /// The input was applied: drain the commands.
    Applied,
    /// An answer to an effect the machine no longer waits for: its content is ignored.
    Late,
}

impl Handled {
    /// Whether the input was a late answer that the machine ignored.
    pub fn is_late(self) -> bool {
        self == Handled::Late
    }
}

/// The events a state accepts, for an `UnexpectedEvent` message: `"a, b"`, or `"none"`.
pub(crate) fn list_kinds<K: std::fmt::Display>(kinds: &[K]) -> String {
    if kinds.is_empty() {
        return "none".to_owned();
    }
    kinds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
