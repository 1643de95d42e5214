//! The client [`LoginMachine`](wxlogin::client::LoginMachine) as a WebAssembly module that a
//! WeChat mini program can load with `WXWebAssembly.instantiate(path, {})`.
//!
//! The module has **no imports**, exports **no globals**, passes only `i32` and `f64` across
//! the boundary (no BigInt needed) and uses only WebAssembly MVP features plus mutable globals
//! after `build.sh` lowers it: what iOS WeChat accepts. Everything else is JSON in the core's
//! own form (`wxlogin::client::{Event, Command, LoginConfig}`).
//!
//! # The ABI (version 1)
//! | export | signature | what it does |
//! |---|---|---|
//! | `memory` | | the module's memory; re-read `memory.buffer` after every call (it may grow) |
//! | `wxl_abi_version` | `() -> i32` | `1` |
//! | `wxl_alloc` | `(len) -> addr` | a zeroed input buffer of `len` bytes |
//! | `wxl_free` | `(addr) -> 1\|0` | frees an input buffer |
//! | `wxl_out_ptr` | `() -> addr` | where the last reply is |
//! | `wxl_new` | `(addr, len) -> reply_len` | a machine from `LoginConfig` JSON: `{"ok": handle}` |
//! | `wxl_handle` | `(h, addr, len, now_ms: f64) -> reply_len` | feeds one `Event` JSON |
//! | `wxl_timeout` | `(h, now_ms: f64) -> reply_len` | fires the deadline if due |
//! | `wxl_poll` | `(h) -> reply_len` | the drain without an input |
//! | `wxl_session` | `(h, now_ms: f64) -> reply_len` | the session valid at `now_ms`, or `null` |
//! | `wxl_drop` | `(h) -> reply_len` | drops the machine |
//!
//! Every call that returns `reply_len` leaves a UTF-8 JSON reply of that many bytes at
//! `wxl_out_ptr()`: `{"ok": …}` or `{"error": {"kind", "variant"?, "message"}}`. A refused
//! call leaves the machine exactly as it was. `wxl_handle`, `wxl_timeout` and `wxl_poll`
//! answer with the drain: every queued command, in order, and when to call `wxl_timeout`:
//!
//! ```json
//! {"ok":{"handled":"applied","commands":[{"type":"readStorage","id":0,"key":"wxlogin.session"}],
//!        "deadlineMs":1700000005000,"state":"readingStorage"}}
//! ```
//!
//! `handled` is `"late"` for an answer the machine no longer waits for (ignored, nothing
//! changed). Time is `Date.now()`: f64 milliseconds since the Unix epoch; `deadlineMs` is whole
//! milliseconds, rounded up. Error kinds: `badJson`, `badConfig`, `badTime`, `badHandle`,
//! `badBuffer`, and `contract` with the `LoginError` variant. Error messages never quote the
//! input, which may hold a token or a code.
//!
//! A trap (the module is built with `panic = "abort"`) leaves the instance unusable; the
//! JavaScript adapter then fails every waiter and refuses further calls.
//!
//! # Building
//! `drivers/wasm/build.sh` builds it with the workspace's `wasm` profile, lowers it to MVP with
//! binaryen's `wasm-opt`, removes exported globals, and writes the brotli-compressed module
//! into the npm package. `npm test` in `drivers/miniprogram` checks the result.

mod abi;
mod buffers;
mod machines;
mod millis;
mod reply;

pub use abi::*;
pub use machines::{create, destroy, handle, poll, session, timeout};
pub use reply::CallError;
