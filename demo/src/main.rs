//! `cargo run -p wxlogin-demo`: starts a fake WeChat and the developer server on loopback for
//! each scenario, runs the client over real HTTP, prints every trace and the summary table,
//! and exits 0 only if every scenario ended as expected.
//!
//! `cargo run -p wxlogin-demo -- --load [clients]` runs the load run instead.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use wxlogin_demo::load::{self, LoadPlan};
use wxlogin_demo::scenarios;

/// Trace lines shown per scenario; the 1,000-caller one has thousands.
const SHOWN: usize = 40;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--load") {
        let clients = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
        return run_load(clients).await;
    }
    let mut results = Vec::new();
    for scenario in scenarios::all() {
        let result = scenarios::run(&scenario).await;
        println!("== {} (expected: {})", result.name, result.expect);
        for line in result.trace.iter().take(SHOWN) {
            println!("   {line}");
        }
        if result.trace.len() > SHOWN {
            println!("   … {} more lines", result.trace.len() - SHOWN);
        }
        let label = if result.verdict.ok {
            "ok"
        } else {
            "UNEXPECTED"
        };
        println!("   {label}: {}\n", result.verdict.got);
        results.push(result);
    }
    print!("{}", scenarios::table(&results));
    if results.iter().all(|r| r.verdict.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run_load(clients: usize) -> ExitCode {
    let plan = LoadPlan {
        clients,
        ..LoadPlan::default()
    };
    match load::run(&plan).await {
        Ok(report) => {
            print!("{report}");
            if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            println!("the load run could not start: {e}");
            ExitCode::FAILURE
        }
    }
}
