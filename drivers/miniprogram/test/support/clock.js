'use strict';
// A virtual clock: `now`, `setTimeout` and `clearTimeout` for the adapter; the test moves time.

class Clock {
  constructor(start) {
    this.t = start === undefined ? 1764547200000 : start;
    this.timers = new Map();
    this.seq = 0;
  }

  now() {
    return this.t;
  }

  setTimeout(f, ms) {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), f });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  // Fires every timer due within `ms`, in order, moving the time to each.
  advance(ms) {
    const target = this.t + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && (!next || timer.at < next[1].at)) next = [id, timer];
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].f();
    }
    this.t = target;
  }

  // When the next timer fires, or null.
  nextAt() {
    let at = null;
    for (const timer of this.timers.values()) if (at === null || timer.at < at) at = timer.at;
    return at;
  }

  // The interface the adapter takes as `options.clock`.
  api() {
    return {
      now: () => this.now(),
      setTimeout: (f, ms) => this.setTimeout(f, ms),
      clearTimeout: (id) => this.clearTimeout(id),
    };
  }
}

module.exports = { Clock };
