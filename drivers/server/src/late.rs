//! Whether a machine's `Ok` was a late answer. The core's machines are moving from
//! `Result<(), _>` to `Result<Handled, _>` one by one; this reads either, so the drivers need
//! no change when the rest follow.

/// The `Ok` of a machine's `handle`.
pub(crate) trait HandleOk {
    /// An answer the machine no longer waited for: ignored, nothing changed.
    fn is_late(&self) -> bool;
}

impl HandleOk for () {
    fn is_late(&self) -> bool {
        false
    }
}

impl HandleOk for wxlogin::Handled {
    fn is_late(&self) -> bool {
        wxlogin::Handled::is_late(*self)
    }
}
