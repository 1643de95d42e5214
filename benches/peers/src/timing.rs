//! The default mode: interleaved rounds. In each round every side runs one batch of each
//! operation, in an order that rotates from round to round, so that a burst of load on this
//! shared machine falls on all sides alike; the figure of a side is its median over the rounds.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::ops::{Op, Runner, Setup, Side};

/// Aim for batches of about this long: far above the clock's resolution, well under a
/// scheduler time slice, so that on a loaded machine most batches run uninterrupted and the
/// median is one of those.
const BATCH: Duration = Duration::from_micros(500);

/// Times a batch of `iters` calls; returns nanoseconds per call.
pub struct Timer {
    iters: usize,
}

impl Runner for Timer {
    fn run<I, R>(&mut self, mut make: impl FnMut() -> I, op: impl Fn(I) -> R) -> f64 {
        let inputs: Vec<I> = (0..self.iters).map(|_| make()).collect();
        let start = Instant::now();
        for input in inputs {
            drop(black_box(op(black_box(input))));
        }
        start.elapsed().as_nanos() as f64 / self.iters as f64
    }
}

/// The median nanoseconds per call of each side on `op`, over `rounds` interleaved rounds
/// (`None` where a side has no such operation).
pub fn medians(setup: &Setup, op: Op, sides: &[Side], rounds: usize) -> Vec<Option<f64>> {
    // Calibration doubles as warm-up: a first batch per side, then the size of a batch.
    let iters: Vec<usize> = sides
        .iter()
        .map(|&side| {
            let per_call = setup.dispatch(op, side, &mut Timer { iters: 200 });
            let per_call = per_call.unwrap_or(f64::INFINITY).max(1.0);
            ((BATCH.as_nanos() as f64 / per_call) as usize).clamp(50, 20_000)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); sides.len()];
    for round in 0..rounds {
        for k in 0..sides.len() {
            let i = (round + k) % sides.len();
            let mut timer = Timer { iters: iters[i] };
            if let Some(ns) = setup.dispatch(op, sides[i], &mut timer) {
                samples[i].push(ns);
            }
        }
    }
    samples.into_iter().map(median).collect()
}

fn median(mut samples: Vec<f64>) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    Some(samples[samples.len() / 2])
}
