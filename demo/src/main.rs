//! `cargo run -p wxlogin-demo [-- OPTIONS]`. Every run prints its summary first; traces only
//! with `--trace`. The exit status is 0 only if the run met its checks.
//!
//! | command | run |
//! |---|---|
//! | (no option) | every client scenario on a fresh stack: the summary table |
//! | `--load` | 1,000 clients at once against one server, WeChat answering -1 and answers lost |
//! | `--load --replicas 3 --redis` | the multi-replica run: three replicas on a `redis-server` it starts, a round-robin front, a replica killed and Redis restarted mid-run |
//!
//! Options of the runs: `--clients N` (default 1,000), `--busy PER_MILLE` (code2Session calls
//! answered -1, default 100), `--lost PER_MILLE` (login answers lost, default 50), `--trace`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use wxlogin_demo::lab::fleet::{self, FleetPlan};
use wxlogin_demo::lab::load::{self, LoadPlan};
use wxlogin_demo::lab::scenarios;
use wxlogin_demo::lab::stack::FaultRates;
use wxlogin_demo::lab::trace::TraceLine;

/// What the command line asked for.
#[derive(Debug, Default)]
struct Options {
    load: bool,
    redis: bool,
    trace: bool,
    replicas: Option<usize>,
    clients: Option<usize>,
    busy: Option<u32>,
    lost: Option<u32>,
}

impl Options {
    fn fault_rates(&self) -> FaultRates {
        let defaults = FaultRates::default();
        FaultRates {
            busy_per_mille: self.busy.unwrap_or(defaults.busy_per_mille),
            lost_answers_per_mille: self.lost.unwrap_or(defaults.lost_answers_per_mille),
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let value = args.next().ok_or(format!("{name} needs a number"))?;
            value
                .parse()
                .map_err(|_| format!("{name} needs a number, not {value:?}"))
        };
        match arg.as_str() {
            "--load" => options.load = true,
            "--redis" => options.redis = true,
            "--trace" => options.trace = true,
            "--replicas" => options.replicas = Some(number("--replicas")? as usize),
            "--clients" => options.clients = Some(number("--clients")? as usize),
            "--busy" => options.busy = Some(number("--busy")? as u32),
            "--lost" => options.lost = Some(number("--lost")? as u32),
            other => return Err(format!("unknown option {other:?} (see demo/README.md)")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("wxlogin-demo: {e}");
            return ExitCode::from(2);
        }
    };
    let ok = match (options.load, options.redis, options.replicas) {
        (false, false, None) => run_scenarios(options.trace).await,
        (true, true, _) => run_fleet(&options).await,
        (true, false, None | Some(1)) => run_load(&options).await,
        _ => {
            eprintln!(
                "wxlogin-demo: replicas share sessions only through Redis: \
                 use --load --replicas N --redis"
            );
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run_scenarios(trace: bool) -> bool {
    let mut results = Vec::new();
    for scenario in scenarios::all() {
        results.push(scenarios::run(&scenario).await);
    }
    print!("{}", scenarios::table(&results));
    for result in results.iter().filter(|r| !r.verdict.ok || trace) {
        let label = if result.verdict.ok {
            "ok"
        } else {
            "UNEXPECTED"
        };
        println!("\n== {} (expected: {})", result.name, result.expect);
        println!("   {label}: {}", result.verdict.got);
        if trace {
            print_trace(&result.trace);
        }
    }
    results.iter().all(|r| r.verdict.ok)
}

async fn run_load(options: &Options) -> bool {
    let defaults = LoadPlan::default();
    let plan = LoadPlan {
        clients: options.clients.unwrap_or(defaults.clients),
        faults: options.fault_rates(),
        keep_trace: options.trace,
    };
    let report = load::run(&plan).await;
    conclude(
        "the load run",
        report.map(|r| (r.to_string(), r.trace, r.problems)),
    )
}

async fn run_fleet(options: &Options) -> bool {
    let defaults = FleetPlan::default();
    let plan = FleetPlan {
        clients: options.clients.unwrap_or(defaults.clients),
        replicas: options.replicas.unwrap_or(defaults.replicas),
        faults: options.fault_rates(),
        keep_trace: options.trace,
        ..defaults
    };
    let report = fleet::run(&plan).await;
    conclude(
        "the multi-replica run",
        report.map(|r| (r.to_string(), r.trace, r.problems)),
    )
}

/// Prints a run's summary (then its trace, if kept); true when it found no problem.
fn conclude(
    run: &str,
    outcome: Result<(String, Vec<TraceLine>, Vec<String>), impl std::fmt::Display>,
) -> bool {
    match outcome {
        Ok((summary, trace, problems)) => {
            print!("{summary}");
            print_trace(&trace);
            problems.is_empty()
        }
        Err(e) => {
            eprintln!("{run} could not start: {e}");
            false
        }
    }
}

fn print_trace(trace: &[TraceLine]) {
    for line in trace {
        println!("   {line}");
    }
}
