'use strict';
// The shipped wasm module gives the same replies as the native build (golden.json, checked by
// `cargo test -p wxlogin-wasm --test golden`) for the same event scripts: what binaryen's
// lowering and the f64 time conversion do cannot change behaviour unnoticed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Abi } = require('../miniprogram_dist/wasm.js');
const { instance } = require('./support/module.js');
const scripts = require('./golden-scripts.json');
const golden = require('./golden.json');

// The reply JSON of one call, `ok` or `error` kept as it came.
function raw(abi, call) {
  try {
    return { ok: call() };
  } catch (e) {
    if (abi.trapped) throw e;
    return { error: e.detail };
  }
}

test('golden: the wasm module answers every script as the native build does', async () => {
  const abi = new Abi(await instance());
  assert.deepEqual(scripts.map((s) => s.name), golden.map((g) => g.name));
  scripts.forEach((script, i) => {
    const created = raw(abi, () => abi.create(script.config));
    const replies = [created];
    for (const step of script.steps) {
      replies.push(raw(abi, () => (step.event
        ? abi.handle(created.ok, step.event, step.nowMs)
        : abi.timeout(created.ok, step.nowMs))));
    }
    assert.deepEqual(replies, golden[i].replies, script.name);
  });
});
