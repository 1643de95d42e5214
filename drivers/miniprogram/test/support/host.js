'use strict';
// A fake `wx`: storage that can fail, hang or throw; `login` that mints codes; `checkSession`;
// `request` over real HTTP. Each API takes scripted behaviours, one per call, from a queue.
// It checks the world's invariants as they happen: never two `login` in flight.
const http = require('node:http');

const turn = () => new Promise((resolve) => setImmediate(resolve));

class FakeHost {
  constructor(clock) {
    this.clock = clock;
    this.storage = new Map();
    this.script = { login: [], checkSession: [], getStorage: [], request: [] };
    this.calls = { login: 0, checkSession: 0, getStorage: 0, setStorage: 0, removeStorage: 0, request: 0 };
    this.logins = []; // { at, timeout, answered }
    this.violations = [];
    this.nextCode = 1;
  }

  next(api) {
    return this.script[api].shift() || 'ok';
  }

  // Runs `answer` as the behaviour says: now (on a later turn), twice, late, or never.
  perform(behaviour, answer) {
    if (behaviour === 'throw') throw new Error('host API threw');
    if (behaviour === 'hang') return;
    if (behaviour && behaviour.late) {
      this.clock.setTimeout(answer, behaviour.late);
      return;
    }
    setImmediate(answer);
    if (behaviour === 'double') setImmediate(answer);
  }

  getStorage(options) {
    this.calls.getStorage++;
    const behaviour = this.next('getStorage');
    this.perform(behaviour, () => {
      if (behaviour === 'fail') return options.fail({ errMsg: 'getStorage:fail' });
      if (!this.storage.has(options.key)) return options.fail({ errMsg: 'getStorage:fail data not found' });
      return options.success({ data: this.storage.get(options.key) });
    });
  }

  setStorage(options) {
    this.calls.setStorage++;
    this.storage.set(options.key, options.data);
  }

  removeStorage(options) {
    this.calls.removeStorage++;
    this.storage.delete(options.key);
  }

  checkSession(options) {
    this.calls.checkSession++;
    const behaviour = this.next('checkSession');
    this.perform(behaviour, () => {
      if (behaviour === 'fail') return options.fail({ errMsg: 'checkSession:fail 会话过期', errno: 1 });
      return options.success({ errMsg: 'checkSession:ok' });
    });
  }

  login(options) {
    this.calls.login++;
    const now = this.clock.now();
    const inFlight = this.logins.filter((l) => !l.answered && now < l.at + l.timeout);
    if (inFlight.length) this.violations.push(`wx.login at ${now} with another in flight`);
    const record = { at: now, timeout: options.timeout, answered: false };
    this.logins.push(record);
    const behaviour = this.next('login');
    // A call that throws never started.
    if (behaviour === 'throw') record.answered = true;
    this.perform(behaviour, () => {
      record.answered = true;
      if (behaviour.fail) return options.fail({ errMsg: behaviour.fail, errno: behaviour.errno });
      if (behaviour === 'noCode') return options.success({ errMsg: 'login:ok' });
      return options.success({ code: `code-${this.nextCode++}`, errMsg: 'login:ok' });
    });
  }

  request(options) {
    this.calls.request++;
    const behaviour = this.next('request');
    if (behaviour === 'throw') throw new Error('request threw');
    if (behaviour === 'hang') return;
    const url = new URL(options.url);
    const body = options.data === undefined ? '' : String(options.data);
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search,
      method: options.method || 'GET', headers: options.header || {},
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => {
        const answer = { statusCode: res.statusCode, header: res.headers, data, errMsg: 'request:ok' };
        options.success(answer);
        if (behaviour === 'double') options.success(answer);
      });
    });
    req.on('error', (e) => options.fail({ errMsg: `request:fail ${e.message}` }));
    req.end(body);
  }
}

// Waits (in real time, on event-loop turns) until `cond()` holds; fails after `turns` turns.
async function until(cond, what, turns = 1000) {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await turn();
    if (i > 100) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`never happened: ${what}`);
}

// Runs the world until `cond()` holds: real I/O first, then virtual time up to the next timer.
async function drive(clock, cond, what, steps = 200) {
  for (let i = 0; i < steps; i++) {
    for (let k = 0; k < 20 && !cond(); k++) await turn();
    if (cond()) return;
    const at = clock.nextAt();
    if (at === null) await new Promise((resolve) => setTimeout(resolve, 2));
    else clock.advance(Math.max(0, at - clock.now()));
  }
  throw new Error(`never happened: ${what}`);
}

// The outcome of a promise without throwing: { ok, value } or { ok: false, error }.
function outcome(promise) {
  const o = { done: false };
  promise.then(
    (value) => Object.assign(o, { done: true, ok: true, value }),
    (error) => Object.assign(o, { done: true, ok: false, error }),
  );
  return o;
}

module.exports = { FakeHost, until, drive, outcome, turn };
