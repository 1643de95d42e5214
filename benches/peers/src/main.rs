//! wxlogin next to open-wechat 1.1.1 and wechat-minapp 3.4.3 on the same bytes: the official
//! open-data vector, code2Session's errcode 40029 answer and its success answer; and each
//! code2Session parser next to the floor `serde_json::from_slice::<IgnoredAny>`, and the client
//! machine serving a verified session next to what that needed before issue 14.
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml                # times
//! cargo run --release --manifest-path benches/peers/Cargo.toml -- --callgrind  # instructions
//! ```
//!
//! Options: `--rounds N` (times, default 101), `--iters N` (callgrind, default 2000),
//! `--only SIDE` (e.g. `wxlogin`), `--machine` (also print `figure MODE OP SIDE VALUE` lines,
//! which `wechatpy_bench.py` reads). The peers' parsers are private: see `vendor/visibility.diff`.

mod callgrind;
mod fixtures;
mod ops;
mod timing;

use std::process::ExitCode;

use ops::{Op, Runner, Setup, Side};

struct Args {
    callgrind: bool,
    rounds: usize,
    iters: usize,
    sides: Vec<Side>,
    machine: bool,
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--count") {
        return count(&argv[1..]);
    }
    let args = match parse(&argv) {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "{e}\nusage: wxlogin-peers [--callgrind] [--rounds N] [--iters N] [--only SIDE] [--machine]"
            );
            return ExitCode::from(2);
        }
    };
    let setup = Setup::new();
    setup.check();
    println!("load average before: {}", load_average());
    let table = if args.callgrind {
        match instruction_table(&args) {
            Ok(table) => table,
            Err(e) => {
                eprintln!("callgrind mode: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        Op::ALL
            .into_iter()
            .map(|op| (op, timing::medians(&setup, op, &args.sides, args.rounds)))
            .collect()
    };
    let (mode, unit) = if args.callgrind {
        (
            "instructions",
            format!(
                "instructions per call (callgrind, {} counted calls)",
                args.iters
            ),
        )
    } else {
        (
            "time",
            format!("median ns per call over {} interleaved rounds", args.rounds),
        )
    };
    println!("load average after:  {}", load_average());
    print_table(&unit, &args.sides, &table);
    print_ratios(&args.sides, &table);
    if args.machine {
        for (op, figures) in &table {
            for (side, figure) in args.sides.iter().zip(figures) {
                if let Some(figure) = figure {
                    println!("figure {mode} {} {} {figure:.1}", op.name(), side.name());
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut args = Args {
        callgrind: std::env::var_os("WXLOGIN_PEERS_CALLGRIND").is_some(),
        rounds: 101,
        iters: 2000,
        sides: Side::ALL.to_vec(),
        machine: false,
    };
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--callgrind" => args.callgrind = true,
            "--machine" => args.machine = true,
            "--rounds" => args.rounds = number(value()?)?,
            "--iters" => args.iters = number(value()?)?,
            "--only" => {
                let name = value()?;
                let side = Side::from_name(name).ok_or(format!("no side {name}"))?;
                args.sides = vec![side];
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn number(text: &str) -> Result<usize, String> {
    match text.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{text} is not a positive number")),
    }
}

/// The child of `--callgrind`: `--count OP SIDE N`.
fn count(argv: &[String]) -> ExitCode {
    let [op, side, iters] = argv else {
        return ExitCode::from(2);
    };
    let (Some(op), Some(side), Ok(iters)) =
        (Op::from_name(op), Side::from_name(side), iters.parse())
    else {
        return ExitCode::from(2);
    };
    let mut counter = callgrind::Counter { iters };
    match Setup::new().dispatch(op, side, &mut counter) {
        Some(_) => ExitCode::SUCCESS,
        None => ExitCode::from(3),
    }
}

type Table = Vec<(Op, Vec<Option<f64>>)>;

fn instruction_table(args: &Args) -> Result<Table, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("wxlogin-peers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let setup = Setup::new();
    let mut table = Vec::new();
    for op in Op::ALL {
        let mut row = Vec::new();
        for &side in &args.sides {
            // Only the pairs that exist; the probe runs nothing.
            let exists = setup.dispatch(op, side, &mut Probe).is_some();
            row.push(if exists {
                Some(callgrind::instructions(&exe, op, side, args.iters, &dir)?)
            } else {
                None
            });
        }
        table.push((op, row));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(table)
}

/// A runner that runs nothing: tells which (operation, side) pairs exist.
struct Probe;

impl Runner for Probe {
    fn run<I, R>(&mut self, _: impl FnMut() -> I, _: impl Fn(I) -> R) -> f64 {
        0.0
    }
}

fn print_table(unit: &str, sides: &[Side], table: &Table) {
    println!("\n{unit}");
    print!("{:<18}", "operation");
    for side in sides {
        print!("{:>15}", side.name());
    }
    println!();
    for (op, figures) in table {
        print!("{:<18}", op.name());
        for figure in figures {
            match figure {
                Some(figure) => print!("{figure:>15.0}"),
                None => print!("{:>15}", "-"),
            }
        }
        println!();
    }
}

fn print_ratios(sides: &[Side], table: &Table) {
    let Some(ours) = sides.iter().position(|&s| s == Side::Wxlogin) else {
        return;
    };
    println!("\nratios wxlogin / other (below 1.00: wxlogin does less)");
    for (op, figures) in table {
        let Some(mine) = figures[ours] else { continue };
        let ratios: Vec<String> = sides
            .iter()
            .zip(figures)
            .filter(|(side, _)| **side != Side::Wxlogin)
            .filter_map(|(side, theirs)| {
                Some(format!("vs {} {:.2}x", side.name(), mine / (*theirs)?))
            })
            .collect();
        if !ratios.is_empty() {
            println!("{:<18}{}", op.name(), ratios.join("   "));
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
