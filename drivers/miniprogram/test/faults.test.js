'use strict';
// Effects that time out, callbacks that fire twice, late or throw, a module that traps,
// a business request that never calls back: every promise settles, nothing is thrown.
const test = require('node:test');
const assert = require('node:assert/strict');
const { world } = require('./support/world.js');
const { until, drive, outcome } = require('./support/host.js');

const FAST = { backoff: { maxAttempts: 2, initialMs: 10, maxMs: 10 }, seed: 3 };

// A silent storage read, checkSession or wx.login is retried, then reported as a timeout of
// its step.
for (const [api, step] of [['getStorage', 'readStorage'], ['checkSession', 'checkSession'], ['login', 'wxLogin']]) {
  test(`${api} that never answers: the deadline decides, the waiter settles`, async (t) => {
    const w = await world(t);
    if (api === 'checkSession') await w.open().session(); // a stored record to check
    w.host.script[api].push('hang', 'hang', 'hang');
    const result = outcome(w.open(FAST).session());
    await drive(w.clock, () => result.done, 'settled');
    assert.equal(result.error.kind, 'timeout');
    assert.equal(result.error.failure.step, step);
    w.invariants(assert);
  });
}

test('the login request that never answers: retried with a fresh code, then a timeout', async (t) => {
  const w = await world(t);
  w.server.loginAnswers.push('hang', 'hang');
  const result = outcome(w.open(FAST).session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.error.kind, 'timeout');
  assert.equal(result.error.failure.step, 'serverLogin');
  assert.equal(w.server.codesSeen.length, 2);
  w.invariants(assert);
});

test('callbacks fired twice: one answer counts', async (t) => {
  const w = await world(t);
  w.host.script.getStorage.push('double');
  w.host.script.login.push('double');
  w.host.script.request.push('double');
  const login = w.open();
  const session = await login.session();
  await drive(w.clock, () => w.diagnostics.filter((d) => d.type === 'duplicateCallback').length === 3, 'duplicates seen');
  assert.equal(session.token, 'tok1');
  assert.equal(w.host.calls.login, 1);
  assert.equal(w.server.logins(), 1);
  w.invariants(assert);
});

test('a late wx.login answer after its deadline is ignored, the retry wins', async (t) => {
  const w = await world(t);
  w.host.script.login.push({ late: 60000 }); // the deadline is 10 s
  const login = w.open(FAST);
  const result = outcome(login.session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.ok, true);
  await drive(w.clock, () => w.diagnostics.some((d) => d.type === 'late'), 'the late answer arrives');
  assert.equal(w.host.calls.login, 2);
  assert.equal(login.token(), result.value.token);
  w.invariants(assert);
});

test('host APIs that throw are answered as failures', async (t) => {
  const w = await world(t);
  w.host.script.getStorage.push('throw');
  w.host.script.login.push('throw', 'throw');
  const result = outcome(w.open(FAST).session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.error.kind, 'wxLogin');
  assert.match(result.error.failure.errMsg, /host API threw/);
  w.invariants(assert);
});

test('a request that throws is a transport failure, retried', async (t) => {
  const w = await world(t);
  w.host.script.request.push('throw');
  const result = outcome(w.open(FAST).session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.ok, true, 'the retry got through');
  assert.equal(w.host.calls.login, 2, 'a fresh code for the retry');
  w.invariants(assert);
});

test('wx.login success without a code is a failure, not a session', async (t) => {
  const w = await world(t);
  w.host.script.login.push('noCode', 'noCode');
  const result = outcome(w.open(FAST).session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.error.kind, 'wxLogin');
  assert.equal(w.server.logins(), 0);
});

test('a business request whose callback never comes still settles', async (t) => {
  const w = await world(t);
  const login = w.open();
  await login.session();
  w.host.script.request.push('hang');
  const result = outcome(login.request({ url: `${w.server.baseUrl}/api/data`, timeout: 5000 }));
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.error.errMsg, 'request:fail timeout');
});

test('a business request that throws rejects with the error', async (t) => {
  const w = await world(t);
  const login = w.open();
  await login.session();
  w.host.script.request.push('throw');
  await assert.rejects(login.request({ url: `${w.server.baseUrl}/api/data` }), /request threw/);
});

test('a diagnostic hook that throws changes nothing', async (t) => {
  const w = await world(t);
  w.host.script.login.push('double');
  const login = w.open({ onDiagnostic: () => { throw new Error('hook'); } });
  const session = await login.session();
  await drive(w.clock, () => w.host.calls.login === 1 && login.state() === 'ready', 'ready');
  assert.equal(session.token, 'tok1');
});

test('the server session check that never answers: retried, then a timeout of serverCheck', async (t) => {
  const w = await world(t);
  await w.open().session();
  w.server.sessionAnswers.push('hang', 'hang');
  const result = outcome(w.open(FAST).session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.error.kind, 'timeout');
  assert.equal(result.error.failure.step, 'serverCheck');
  assert.equal(w.host.calls.login, 1, 'a silent server is no reason for a new code');
  w.invariants(assert);
});

test('a 5xx from the session check is retried, then reported with its status', async (t) => {
  const w = await world(t);
  await w.open().session();
  const busy = { status: 503, body: { error: 'upstream_unavailable', message: '忙' } };
  w.server.sessionAnswers.push(busy, busy);
  const result = outcome(w.open(FAST).session());
  await drive(w.clock, () => result.done, 'settled');
  assert.equal(result.error.kind, 'server');
  assert.equal(result.error.failure.status, 503);
  assert.equal(result.error.failure.error.message, '忙');
  w.invariants(assert);
});

test('storage that fails outright means no record: a fresh login', async (t) => {
  const w = await world(t);
  w.host.script.getStorage.push('fail');
  const session = await w.open(FAST).session();
  assert.equal(session.token, 'tok1');
  assert.equal(w.host.calls.login, 1);
  w.invariants(assert);
});
