//! Bytes wiped on drop in one bulk fill.
//!
//! `zeroize::Zeroizing` wipes a `Vec<u8>` or a `[u8; N]` through `IterMut`, one volatile byte
//! store at a time: for the 400-byte plaintext buffer of the official vector that was about a
//! twentieth of [`decrypt`](super::decrypt)'s time. A `[u8]` slice is wiped in bulk (a fill
//! and an optimisation barrier), which is what this guard asks for.

use std::ops::{Deref, DerefMut};

use zeroize::Zeroize;

/// Holds `B` and wipes all of its bytes when dropped: an array, a borrowed slice, or a `Vec`
/// made at its final size (`vec![0; len]`, never grown: spare capacity is not wiped).
pub(super) struct Wiped<B: AsMut<[u8]>>(pub(super) B);

impl<B: AsMut<[u8]>> Drop for Wiped<B> {
    fn drop(&mut self) {
        self.0.as_mut().zeroize();
    }
}

impl<B: AsMut<[u8]>> Deref for Wiped<B> {
    type Target = B;

    fn deref(&self) -> &B {
        &self.0
    }
}

impl<B: AsMut<[u8]>> DerefMut for Wiped<B> {
    fn deref_mut(&mut self) -> &mut B {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipes_every_byte() {
        let mut buffer = Wiped(vec![7u8; 33]);
        buffer[32] = 9;
        // What the drop runs, observed before the allocation is released.
        buffer.0.as_mut_slice().zeroize();
        assert!(buffer.iter().all(|&b| b == 0));
        let mut key = Wiped([5u8; 16]);
        key.0.as_mut().zeroize();
        assert_eq!(*key, [0; 16]);
    }
}
