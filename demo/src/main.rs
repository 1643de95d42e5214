//! `cargo run -p wxlogin-demo`: starts a fake WeChat and the developer server on loopback for
//! each scenario, runs the client over real HTTP, prints every trace and the summary table,
//! and exits 0 only if every scenario ended as expected.
//!
//! `cargo run -p wxlogin-demo -- --load [clients] [busy per mille] [lost per mille]` runs the
//! load run instead (default: 1,000 clients, 100 = 10% of code2Session calls answer -1, 50 = 5%
//! of login answers lost).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use wxlogin_demo::lab::load::{self, LoadPlan};
use wxlogin_demo::lab::scenarios;

/// Trace lines shown per scenario; the 1,000-caller one has thousands.
const SHOWN: usize = 40;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--load") {
        let defaults = LoadPlan::default();
        let mut number = |default| args.next().and_then(|n| n.parse().ok()).unwrap_or(default);
        let plan = LoadPlan {
            clients: number(defaults.clients as u32) as usize,
            busy_per_mille: number(defaults.busy_per_mille),
            lost_answers_per_mille: number(defaults.lost_answers_per_mille),
        };
        return run_load(&plan).await;
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

async fn run_load(plan: &LoadPlan) -> ExitCode {
    match load::run(plan).await {
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
