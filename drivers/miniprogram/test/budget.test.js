'use strict';
// What a login costs the adapter in countable units (no time is asserted; `npm run bench`
// measures those): each event crosses the wasm boundary once and its reply once, nothing is
// allocated in the module per event, the JSON stays within a bound, and one timer serves
// the whole flow. A change that adds a call per event, re-sends text or re-arms the timer
// at each step fails here.
const test = require('node:test');
const assert = require('node:assert/strict');
const { wasmBytes } = require('./support/module.js');
const { recordColdAndWarm, recordLogin } = require('./support/boundary.js');

// Four events each way (request, storage, wx.login or checkSession, the server's answer):
// wxl_handle and the read of its reply, nothing else.
const CALLS = { wxl_handle: 4, wxl_out_ptr: 4 };
// JSON bytes measured when this test was written, plus about 15% for the core's wording.
// `headers`: a cold login whose responses carry a usual set of eight headers, which must still
// fit the input buffer allocated with the machine (no wxl_alloc during the login).
const BYTES = { cold: { in: 370, out: 1060 }, warm: { in: 480, out: 880 }, headers: { in: 680, out: 1060 } };

test('budget: a cold login, a relaunch and a login with usual headers: 8 boundary calls, bounded JSON, one timer', async () => {
  const module = new WebAssembly.Module(wasmBytes());
  const flows = await recordColdAndWarm(module);
  for (const name of ['cold', 'warm', 'headers']) {
    const { counts, session } = flows[name];
    assert.equal(session.token, 'bench-token-0123456789abcdef', name);
    assert.deepEqual(counts.byName, CALLS, `${name}: calls across the boundary`);
    assert.ok(counts.bytesIn <= BYTES[name].in, `${name}: ${counts.bytesIn} JSON bytes in`);
    assert.ok(counts.bytesOut <= BYTES[name].out, `${name}: ${counts.bytesOut} JSON bytes out`);
    assert.equal(counts.timersArmed, 1, `${name}: timers armed`);
    assert.equal(counts.timersCleared, 1, `${name}: timers cleared (at the end, no deadline left)`);
  }
});

// Every callback fired twice: the second answers are dropped before the boundary.
function doubled(host) {
  const twice = (api) => (o) => api(Object.assign({}, o, {
    success: (res) => {
      o.success(res);
      o.success(res);
    },
  }));
  return Object.assign({}, host, {
    checkSession: twice(host.checkSession),
    login: twice(host.login),
    request: twice(host.request),
  });
}

test('budget: callbacks fired twice cost no boundary call', async () => {
  const module = new WebAssembly.Module(wasmBytes());
  const { counts } = await recordLogin(module, new Map(), doubled);
  assert.deepEqual(counts.byName, CALLS);
});
