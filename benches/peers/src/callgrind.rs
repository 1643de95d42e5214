//! The `--callgrind` mode: each (operation, side) runs in its own child process under
//! `valgrind --tool=callgrind --toggle-collect=<measured>`, so only the calls made inside
//! [`measured`] are counted: input construction, warm-up and process start-up are not.
//! Instruction counts are repeatable to a few instructions on a loaded machine, where times
//! are not.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use crate::ops::{Op, Runner, Side};

/// The function callgrind counts (its demangled name, as `--toggle-collect` matches it).
pub const MEASURED: &str = "wxlogin_peers::callgrind::measured";

/// Calls before counting: first-call costs (lazy statics, tracing call sites) stay out.
const WARM_UP: usize = 20;

/// Runs `iters` counted calls, after a warm-up; the count is read from callgrind's output.
pub struct Counter {
    /// Counted calls.
    pub iters: usize,
}

impl Runner for Counter {
    fn run<I, R>(&mut self, mut make: impl FnMut() -> I, op: impl Fn(I) -> R) -> f64 {
        for _ in 0..WARM_UP {
            drop(black_box(op(black_box(make()))));
        }
        let inputs: Vec<I> = (0..self.iters).map(|_| make()).collect();
        for input in inputs {
            measured(&op, input);
        }
        0.0
    }
}

/// One counted call: the operation, and the drop of its input and result.
#[inline(never)]
fn measured<I, R>(op: &impl Fn(I) -> R, input: I) {
    drop(black_box(op(black_box(input))));
}

/// Instructions per call of `side` on `op`: runs this executable under callgrind.
pub fn instructions(
    exe: &Path,
    op: Op,
    side: Side,
    iters: usize,
    dir: &Path,
) -> Result<f64, String> {
    let out = dir.join(format!("callgrind.{}.{}.out", op.name(), side.name()));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--toggle-collect={MEASURED}*"))
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--quiet")
        .arg(exe)
        .args(["--count", op.name(), side.name(), &iters.to_string()])
        .status()
        .map_err(|e| format!("cannot run valgrind ({e}); is it installed?"))?;
    if !status.success() {
        return Err(format!("valgrind exited with {status}"));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let total = text
        .lines()
        .find_map(|line| {
            line.strip_prefix("summary:")
                .or_else(|| line.strip_prefix("totals:"))
        })
        .and_then(|n| n.split_whitespace().next()?.parse::<u64>().ok())
        .ok_or_else(|| format!("{}: no instruction total", out.display()))?;
    Ok(total as f64 / iters as f64)
}
