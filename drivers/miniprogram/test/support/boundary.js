'use strict';
// What one cold login costs in countable units: calls across the wasm boundary, JSON bytes
// in and out of the module, timers armed and cleared. Deterministic, so `test/budget.test.js`
// asserts bounds on them; `bench/bench.js` prints them beside the times.
const { createLogin } = require('../../miniprogram_dist/index.js');

const BASE_URL = 'https://api.example.com';
const GRANTED = JSON.stringify({ token: 'bench-token-0123456789abcdef', expires_in: 7200 });

// The headers of a usual API response behind nginx: what `wx.request` hands over.
const USUAL_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': '57',
  Connection: 'keep-alive',
  Date: 'Tue, 01 Dec 2026 11:16:18 GMT',
  Server: 'nginx/1.24.0',
  Vary: 'Accept-Encoding',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Request-Id': '7f3c9a2e-5b1d-4c8e-9f60-2a7b3d4e5f61',
};

// A host that answers at once, inside the call: a login runs to its end synchronously.
// `storage` may be shared, so that a second machine finds what the first one stored;
// `header` is what every response carries.
function syncHost(storage = new Map(), header = { 'content-type': 'application/json' }) {
  return {
    getStorage: (o) => (storage.has(o.key)
      ? o.success({ data: storage.get(o.key) })
      : o.fail({ errMsg: 'getStorage:fail data not found' })),
    setStorage: (o) => storage.set(o.key, o.data),
    removeStorage: (o) => storage.delete(o.key),
    checkSession: (o) => o.success({}),
    login: (o) => o.success({ code: 'bench-code' }),
    request: (o) => o.success({ statusCode: 200, header: Object.assign({}, header), data: GRANTED }),
  };
}

// The exports of a fresh instance, each call logged with its arguments, result and (for the
// calls that read an input buffer) the input bytes.
function recordingInstance(module, log) {
  const real = new WebAssembly.Instance(module, {}).exports;
  const exports = { memory: real.memory };
  const bytes = (addr, len) => new Uint8Array(real.memory.buffer, addr, len).slice();
  for (const name of Object.keys(real)) {
    if (typeof real[name] !== 'function') continue;
    exports[name] = (...args) => {
      const input = name === 'wxl_new' ? bytes(args[0], args[1])
        : name === 'wxl_handle' ? bytes(args[1], args[2]) : null;
      const result = real[name](...args);
      log.push({ name, args, input, result });
      return result;
    };
  }
  return { exports };
}

// A clock on Date.now whose timers are counted (and never left running).
function countingClock(counts) {
  return {
    now: () => Date.now(),
    setTimeout: (f, ms) => {
      counts.armed++;
      return setTimeout(f, ms);
    },
    clearTimeout: (t) => {
      counts.cleared++;
      clearTimeout(t);
    },
  };
}

const REPLIES = ['wxl_new', 'wxl_handle', 'wxl_timeout', 'wxl_poll', 'wxl_session', 'wxl_drop'];

// One login (a new machine in a loaded instance, session() until it settles) recorded:
// `calls` are the module calls of the login itself, creation excluded. A cold login starts
// with empty storage; `storage` holding a record makes it a relaunch. `wrap` may change the
// host (a host whose callbacks misbehave); `header` is the responses' headers.
async function recordLogin(module, storage = new Map(), wrap = (host) => host, header = undefined) {
  const log = [];
  const timers = { armed: 0, cleared: 0 };
  const login = createLogin({
    baseUrl: BASE_URL,
    host: wrap(syncHost(storage, header)),
    clock: countingClock(timers),
    instantiate: () => recordingInstance(module, log),
    seed: 1,
  });
  await login.ready;
  const setup = log.length;
  const before = Object.assign({}, timers);
  const session = await login.session();
  const calls = log.slice(setup);
  const counts = {
    calls: calls.length,
    bytesIn: calls.reduce((n, c) => n + (c.input ? c.input.length : 0), 0),
    bytesOut: calls.reduce((n, c) => n + (REPLIES.includes(c.name) ? c.result : 0), 0),
    timersArmed: timers.armed - before.armed,
    timersCleared: timers.cleared - before.cleared,
    byName: {},
  };
  for (const c of calls) counts.byName[c.name] = (counts.byName[c.name] || 0) + 1;
  await login.destroy();
  return { log, setup, counts, session, storage };
}

// A cold login, then a relaunch that finds its record; and a cold login whose responses carry
// the usual headers.
async function recordColdAndWarm(module) {
  const cold = await recordLogin(module);
  const warm = await recordLogin(module, cold.storage);
  const headers = await recordLogin(module, new Map(), undefined, USUAL_HEADERS);
  return { cold, warm, headers };
}

module.exports = { BASE_URL, USUAL_HEADERS, syncHost, recordLogin, recordColdAndWarm };
