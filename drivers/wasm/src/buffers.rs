//! The module's memory as the host sees it: input buffers the host asked for (found again by
//! their address, so a wrong address is an error, not undefined behaviour) and the one output
//! buffer every call writes its reply to.

use std::cell::RefCell;

/// Live input buffers and the last reply. One per module instance: wasm32 here is single-threaded.
#[derive(Default)]
struct Buffers {
    inputs: Vec<Vec<u8>>,
    out: Vec<u8>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::default();
}

/// A fresh zeroed buffer of `len` bytes for the host to write into; its address.
pub(crate) fn alloc(len: usize) -> usize {
    BUFFERS.with_borrow_mut(|b| {
        let buffer = vec![0u8; len.max(1)];
        let address = buffer.as_ptr() as usize;
        b.inputs.push(buffer);
        address
    })
}

/// Frees the buffer at `address`; false if there is none.
pub(crate) fn free(address: usize) -> bool {
    BUFFERS.with_borrow_mut(|b| {
        match b.inputs.iter().position(|v| v.as_ptr() as usize == address) {
            Some(index) => {
                b.inputs.swap_remove(index);
                true
            }
            None => false,
        }
    })
}

/// Runs `f` on the first `len` bytes of the buffer at `address`, or gives `None` if no live
/// buffer starts there or it is shorter than `len`.
pub(crate) fn with_input<R>(address: usize, len: usize, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    // The bytes are copied out so that `f` may allocate (and so touch `BUFFERS`) freely.
    let bytes = BUFFERS.with_borrow(|b| {
        b.inputs
            .iter()
            .find(|v| v.as_ptr() as usize == address)
            .and_then(|v| v.get(..len))
            .map(<[u8]>::to_vec)
    })?;
    Some(f(&bytes))
}

/// Makes `reply` the output buffer's content; its length.
pub(crate) fn set_out(reply: Vec<u8>) -> usize {
    BUFFERS.with_borrow_mut(|b| {
        b.out = reply;
        b.out.len()
    })
}

/// The output buffer's address (valid until the next call).
pub(crate) fn out_address() -> usize {
    BUFFERS.with_borrow(|b| b.out.as_ptr() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_found_by_address_and_bounded() {
        let address = alloc(4);
        assert_eq!(with_input(address, 4, <[u8]>::len), Some(4));
        assert_eq!(
            with_input(address, 5, <[u8]>::len),
            None,
            "longer than the buffer"
        );
        assert_eq!(
            with_input(address + 1, 1, <[u8]>::len),
            None,
            "not a buffer's start"
        );
        assert!(free(address));
        assert!(!free(address), "freed twice");
        assert_eq!(with_input(address, 1, <[u8]>::len), None, "used after free");
    }

    #[test]
    fn zero_length_buffers_have_distinct_addresses() {
        let (a, b) = (alloc(0), alloc(0));
        assert_ne!(a, b);
        assert!(free(a) && free(b));
    }
}
