//! The machines a module instance holds, by handle, and the calls on them. Everything here is
//! safe Rust on byte slices and numbers, and each call returns its encoded reply; `abi.rs` only
//! moves bytes and numbers across the boundary.

use std::cell::RefCell;

use serde::Serialize;
use wxlogin::Handled;
use wxlogin::client::{Command, Event, LoginConfig, LoginMachine, Session};

use crate::millis::{from_millis, to_millis};
use crate::reply::{CallError, encode, lower_first};

thread_local! {
    /// Slot `h - 1` holds handle `h`; a dropped machine leaves `None` (handles are not reused).
    static MACHINES: RefCell<Vec<Option<LoginMachine>>> = const { RefCell::new(Vec::new()) };
}

/// What `handle`, `timeout` and `poll` answer: every queued command and the next deadline.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Drain {
    handled: &'static str,
    commands: Vec<Command>,
    deadline_ms: Option<i64>,
    state: String,
}

/// A machine from config JSON: `{"ok": handle}` with a handle ≥ 1.
pub fn create(config: &[u8]) -> Vec<u8> {
    encode(
        serde_json::from_slice::<LoginConfig>(config)
            .map_err(|e| CallError::json("badConfig", &e))
            .map(|config| {
                MACHINES.with_borrow_mut(|machines| {
                    machines.push(Some(LoginMachine::new(config)));
                    machines.len()
                })
            }),
    )
}

/// Feeds one event JSON at `now_ms`; on success the drain: `{"handled", "commands",
/// "deadlineMs", "state"}`. On error the machine is unchanged.
pub fn handle(handle: i32, event: &[u8], now_ms: f64) -> Vec<u8> {
    encode(handle_event(handle, event, now_ms))
}

fn handle_event(handle: i32, event: &[u8], now_ms: f64) -> Result<Drain, CallError> {
    let event: Event = serde_json::from_slice(event).map_err(|e| CallError::json("badJson", &e))?;
    let now = from_millis(now_ms).ok_or_else(bad_time)?;
    with_machine(handle, |machine| {
        let handled = match machine.handle(event, now) {
            Ok(Handled::Applied) => "applied",
            Ok(Handled::Late) => "late",
            Err(error) => return Err(CallError::contract(&error)),
        };
        Ok(drain(machine, handled))
    })
}

/// Fires the deadline if it is due at `now_ms` (a no-op otherwise); the drain.
pub fn timeout(handle: i32, now_ms: f64) -> Vec<u8> {
    encode(from_millis(now_ms).ok_or_else(bad_time).and_then(|now| {
        with_machine(handle, |machine| {
            machine.handle_timeout(now);
            Ok(drain(machine, "applied"))
        })
    }))
}

/// The drain without an input: queued commands, the deadline and the state.
pub fn poll(handle: i32) -> Vec<u8> {
    encode(with_machine(handle, |machine| {
        Ok(drain(machine, "applied"))
    }))
}

/// The verified session still valid at `now_ms`, or `null`.
pub fn session(handle: i32, now_ms: f64) -> Vec<u8> {
    encode(from_millis(now_ms).ok_or_else(bad_time).and_then(|now| {
        with_machine(handle, |machine| {
            Ok::<Option<Session>, _>(machine.valid_session(now).cloned())
        })
    }))
}

/// Drops the machine; its handle is never valid again.
pub fn destroy(handle: i32) -> Vec<u8> {
    encode(MACHINES.with_borrow_mut(|machines| {
        let slot = slot(handle).and_then(|i| machines.get_mut(i));
        match slot.and_then(Option::take) {
            Some(_) => Ok(()),
            None => Err(bad_handle(handle)),
        }
    }))
}

fn drain(machine: &mut LoginMachine, handled: &'static str) -> Drain {
    Drain {
        handled,
        commands: std::iter::from_fn(|| machine.poll_command()).collect(),
        deadline_ms: machine.poll_timeout().map(to_millis),
        state: lower_first(&format!("{:?}", machine.state())),
    }
}

fn with_machine<T>(
    handle: i32,
    f: impl FnOnce(&mut LoginMachine) -> Result<T, CallError>,
) -> Result<T, CallError> {
    MACHINES.with_borrow_mut(|machines| {
        let machine = slot(handle).and_then(|i| machines.get_mut(i)?.as_mut());
        machine.ok_or_else(|| bad_handle(handle)).and_then(f)
    })
}

fn slot(handle: i32) -> Option<usize> {
    usize::try_from(handle).ok()?.checked_sub(1)
}

fn bad_handle(handle: i32) -> CallError {
    CallError::new("badHandle", format!("no machine {handle}"))
}

fn bad_time() -> CallError {
    CallError::new(
        "badTime",
        "now must be finite milliseconds since the epoch within years ±9999",
    )
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const NOW: f64 = 1_700_000_000_000.0;

    fn parse(reply: Vec<u8>) -> Value {
        serde_json::from_slice(&reply).unwrap()
    }

    fn new_machine() -> i32 {
        let reply = parse(create(br#"{"baseUrl":"https://api.example.com"}"#));
        i32::try_from(reply["ok"].as_i64().unwrap()).unwrap()
    }

    #[test]
    fn a_request_reads_storage_first_with_a_deadline_in_whole_milliseconds() {
        let h = new_machine();
        let reply = parse(handle(
            h,
            br#"{"type":"loginRequested","waiter":1}"#,
            NOW + 0.7,
        ));
        let ok = &reply["ok"];
        assert_eq!(ok["handled"], "applied");
        assert_eq!(ok["state"], "readingStorage");
        assert_eq!(ok["commands"][0]["type"], "readStorage");
        assert_eq!(ok["deadlineMs"], json!(1_700_000_005_000_u64));
        assert_eq!(
            parse(poll(h))["ok"]["commands"],
            json!([]),
            "drained already"
        );
    }

    #[test]
    fn refused_calls_say_why_and_change_nothing() {
        let h = new_machine();
        let before = parse(poll(h));
        let cases: [(Vec<u8>, &str); 4] = [
            (handle(h, b"{", NOW), "badJson"),
            (handle(h, br#"{"type":"logout"}"#, f64::NAN), "badTime"),
            (handle(h + 1000, br#"{"type":"logout"}"#, NOW), "badHandle"),
            (create(br#"{"baseUrl":1}"#), "badConfig"),
        ];
        for (reply, kind) in cases {
            assert_eq!(parse(reply)["error"]["kind"], kind);
        }
        let answer = br#"{"type":"storageRead","id":0,"value":null}"#;
        let contract = parse(handle(h, answer, NOW));
        assert_eq!(contract["error"]["kind"], "contract", "{contract}");
        assert_eq!(parse(poll(h)), before);
    }

    #[test]
    fn no_session_until_one_is_verified_and_dropped_handles_stay_dead() {
        let h = new_machine();
        assert_eq!(parse(session(h, NOW))["ok"], Value::Null);
        assert_eq!(parse(destroy(h))["ok"], Value::Null);
        assert_eq!(parse(destroy(h))["error"]["kind"], "badHandle");
        assert_eq!(parse(timeout(h, NOW))["error"]["kind"], "badHandle");
        assert_eq!(parse(poll(0))["error"]["kind"], "badHandle");
    }
}
