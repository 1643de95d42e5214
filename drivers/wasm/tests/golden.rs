//! The replies of the native build for the scripts in
//! `drivers/miniprogram/test/golden-scripts.json`, kept in `golden.json` beside them; the Node
//! suite (`golden.test.js`) feeds the same scripts to the shipped wasm module and expects the
//! same replies, byte for byte. `WXLOGIN_BLESS=1 cargo test -p wxlogin-wasm --test golden`
//! rewrites the file after a deliberate change of behaviour.
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use std::path::PathBuf;

use serde_json::{Value, json};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../miniprogram/test")
}

fn reply(bytes: Vec<u8>) -> Value {
    serde_json::from_slice(&bytes).unwrap()
}

/// Every reply of one script, in order, starting with the machine's creation.
fn run(script: &Value) -> Vec<Value> {
    let config = serde_json::to_vec(&script["config"]).unwrap();
    let created = reply(wxlogin_wasm::create(&config));
    let handle = i32::try_from(created["ok"].as_i64().unwrap()).unwrap();
    let mut replies = vec![created];
    for step in script["steps"].as_array().unwrap() {
        let now = step["nowMs"].as_f64().unwrap();
        replies.push(reply(match step.get("event") {
            Some(event) => wxlogin_wasm::handle(handle, &serde_json::to_vec(event).unwrap(), now),
            None => wxlogin_wasm::timeout(handle, now),
        }));
    }
    replies
}

#[test]
fn native_replies_match_the_golden_file() {
    let scripts: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir().join("golden-scripts.json")).unwrap())
            .unwrap();
    // Handles count up per process; the golden file names each machine's replies by script.
    let got: Vec<Value> = scripts
        .iter()
        .map(|s| json!({"name": s["name"], "replies": run(s)}))
        .collect();
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    let path = dir().join("golden.json");
    if std::env::var_os("WXLOGIN_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert!(
        want == text,
        "golden.json is stale: rerun with WXLOGIN_BLESS=1 and review the diff"
    );
}
