//! The exports. Each one converts i32/f64 arguments, calls the safe code in `machines` or
//! `buffers`, and puts the reply in the output buffer. No i64, no globals, no imports.
//!
//! `#[unsafe(no_mangle)]` is the only unsafe construct in the crate: it fixes the export names.
//! It is sound here because every name starts with `wxl_` and no other code defines them.
#![allow(unsafe_code)]

use crate::reply::{CallError, encode};
use crate::{buffers, machines};

/// The ABI version: `1`. The host checks it before anything else.
pub const ABI_VERSION: i32 = 1;

fn reply(reply: Vec<u8>) -> i32 {
    let len = buffers::set_out(reply);
    // Replies are bounded by the inputs and the machine's queue, far below 2 GiB.
    i32::try_from(len).unwrap_or(i32::MAX)
}

/// A negative length or address from the host is a bug on its side, reported as such.
fn unsigned(n: i32) -> Option<usize> {
    usize::try_from(n).ok()
}

/// Runs `f` on the input bytes, or replies `badBuffer`.
fn input(address: i32, len: i32, f: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let found = match (unsigned(address), unsigned(len)) {
        (Some(address), Some(len)) => buffers::with_input(address, len, f),
        _ => None,
    };
    found.unwrap_or_else(|| {
        encode::<()>(Err(CallError::new(
            "badBuffer",
            "no buffer from wxl_alloc starts at that address with that length",
        )))
    })
}

/// The ABI version, [`ABI_VERSION`].
#[unsafe(no_mangle)]
pub extern "C" fn wxl_abi_version() -> i32 {
    ABI_VERSION
}

/// A zeroed buffer of `len` bytes for the host to write JSON into; its address, or 0 if `len`
/// is negative.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_alloc(len: i32) -> i32 {
    let Some(len) = unsigned(len) else { return 0 };
    i32::try_from(buffers::alloc(len)).unwrap_or(0)
}

/// Frees a buffer from [`wxl_alloc`]: 1 if it was live, 0 otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_free(address: i32) -> i32 {
    i32::from(unsigned(address).is_some_and(buffers::free))
}

/// The address of the last reply (valid until the next call); its length is what the call
/// returned.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_out_ptr() -> i32 {
    i32::try_from(buffers::out_address()).unwrap_or(0)
}

/// Creates a machine from the config JSON in `[address, address + len)`: `{"ok": handle}`.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_new(address: i32, len: i32) -> i32 {
    reply(input(address, len, machines::create))
}

/// Feeds the event JSON in `[address, address + len)` at `now_ms`: the drain, or the error.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_handle(handle: i32, address: i32, len: i32, now_ms: f64) -> i32 {
    reply(input(address, len, |event| {
        machines::handle(handle, event, now_ms)
    }))
}

/// Fires the machine's deadline if it is due at `now_ms`: the drain.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_timeout(handle: i32, now_ms: f64) -> i32 {
    reply(machines::timeout(handle, now_ms))
}

/// The drain without an input.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_poll(handle: i32) -> i32 {
    reply(machines::poll(handle))
}

/// The session valid at `now_ms`, or `null`.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_session(handle: i32, now_ms: f64) -> i32 {
    reply(machines::session(handle, now_ms))
}

/// Drops the machine.
#[unsafe(no_mangle)]
pub extern "C" fn wxl_drop(handle: i32) -> i32 {
    reply(machines::destroy(handle))
}
