//! `cargo run -p wxlogin-demo --example dev_server`: the developer server and the fake WeChat
//! on loopback ports the OS chooses, for drivers written in other languages (the mini program
//! package's end-to-end test drives it from Node).
//!
//! Prints one JSON line, then serves until its standard input closes:
//! `{"server":"http://127.0.0.1:…","wechat":"http://127.0.0.1:…","wxLogin":"http://127.0.0.1:…/_fake/wx/login"}`.
//! The server has `POST /login` and `GET /session`; `POST {wxLogin}` with `{"user": name}`
//! answers `{"code": …}` as `wx.login` would on that user's phone.
#![forbid(unsafe_code)]

use std::io::{BufRead, Write};
use std::process::ExitCode;

use wxlogin_demo::lab::stack::{Stack, StackOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let stack = match Stack::start(StackOptions::default()).await {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("dev_server: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let wechat = stack.wechat.base_url();
    let line = serde_json::json!({
        "server": stack.server.base_url(),
        "wechat": wechat,
        "wxLogin": format!("{wechat}/_fake/wx/login"),
    });
    println!("{line}");
    // The parent reads the line before anything else; without a flush it would wait forever.
    let _ = std::io::stdout().flush();
    let stdin_closed = tokio::task::spawn_blocking(|| {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
        }
    });
    let _ = stdin_closed.await;
    drop(stack);
    ExitCode::SUCCESS
}
