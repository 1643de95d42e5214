'use strict';
// The adapter's flows against a fake host and a fake developer server over HTTP.
const test = require('node:test');
const assert = require('node:assert/strict');
const { world } = require('./support/world.js');
const { until, drive, outcome } = require('./support/host.js');

const KEY = 'wxlogin.session';

test('cold start: one wx.login, one POST, the record written, then served from memory', async (t) => {
  const w = await world(t);
  const login = w.open();
  const session = await login.session();
  assert.match(session.token, /^tok\d+$/);
  assert.equal(session.expiresAt, w.clock.now() + 7200 * 1000);
  assert.equal(w.host.calls.login, 1);
  assert.equal(w.server.logins(), 1);
  assert.equal(JSON.parse(w.host.storage.get(KEY)).token, session.token);
  assert.equal(login.token(), session.token);
  assert.equal(login.state(), 'ready');

  const requests = w.server.requests.length;
  assert.deepEqual(await login.session(), session, 'warm: from memory');
  assert.equal(w.server.requests.length, requests);
  assert.equal(w.host.calls.login, 1);
  w.invariants(assert);
});

test('relaunch with a stored token: checkSession and the server check, no wx.login', async (t) => {
  const w = await world(t);
  const first = await w.open().session();
  const relaunched = w.open();
  const session = await relaunched.session();
  assert.equal(session.token, first.token);
  assert.equal(w.host.calls.login, 1, 'only the first launch logged in');
  assert.equal(w.host.calls.checkSession, 1);
  assert.deepEqual(w.server.requests.map((r) => `${r.method} ${r.url}`), ['POST /login', 'GET /session']);
  assert.equal(w.server.requests[1].headers.authorization, `Bearer ${first.token}`);
  w.invariants(assert);
});

test('checkSession failure: a new wx.login', async (t) => {
  const w = await world(t);
  await w.open().session();
  w.host.script.checkSession.push('fail');
  const session = await w.open().session();
  assert.equal(w.host.calls.login, 2);
  assert.equal(session.token, 'tok2');
  w.invariants(assert);
});

test('a stored token the server no longer knows: a new wx.login', async (t) => {
  const w = await world(t);
  await w.open().session();
  w.server.revokeAll();
  const session = await w.open().session();
  assert.equal(session.token, 'tok2');
  assert.equal(w.host.calls.login, 2);
  w.invariants(assert);
});

test('expiry mid-session: the next session() logs in again', async (t) => {
  const w = await world(t);
  const login = w.open();
  const first = await login.session();
  w.clock.advance(7200 * 1000);
  assert.equal(login.token(), null, 'an expired session is not served');
  const second = await login.session();
  assert.notEqual(second.token, first.token);
  assert.equal(w.host.calls.login, 2);
  w.invariants(assert);
});

test('ten concurrent callers at cold start: one wx.login and one POST', async (t) => {
  const w = await world(t);
  const login = w.open();
  const sessions = await Promise.all(Array.from({ length: 10 }, () => login.session()));
  assert.equal(new Set(sessions.map((s) => s.token)).size, 1);
  assert.equal(w.host.calls.login, 1);
  assert.equal(w.server.logins(), 1);
  w.invariants(assert);
});

test('request: the token header is added; a 401 re-logs in once and replays once', async (t) => {
  const w = await world(t);
  const login = w.open();
  const ok = await login.request({ url: `${w.server.baseUrl}/api/data`, method: 'GET', dataType: 'json' });
  assert.equal(ok.statusCode, 200);
  const token = login.token();
  assert.equal(w.server.requests.at(-1).headers.authorization, `Bearer ${token}`);

  w.server.revokeAll();
  const replayed = await login.request({ url: `${w.server.baseUrl}/api/data`, header: { 'x-trace': '1' } });
  assert.equal(replayed.statusCode, 200);
  const data = w.server.requests.filter((r) => r.url === '/api/data');
  assert.equal(data.length, 3, 'the first call, the rejected one, the replay');
  assert.equal(data[2].headers['x-trace'], '1');
  assert.notEqual(data[2].headers.authorization, `Bearer ${token}`);
  assert.equal(w.host.calls.login, 2, 'one re-login');
  w.invariants(assert);
});

test('request: a replay rejected again is reported, not looped', async (t) => {
  const w = await world(t);
  const login = w.open();
  await login.session();
  // Every token the server grants from now on is refused by the business route.
  w.server.token = () => null;
  const first = await login.request({ url: `${w.server.baseUrl}/api/data` });
  assert.equal(first.statusCode, 401, 'the replay got 401 too: the caller sees it');
  assert.equal(w.host.calls.login, 2);
  const again = outcome(login.request({ url: `${w.server.baseUrl}/api/data` }));
  await until(() => again.done, 'the second request settles');
  assert.equal(again.ok, false);
  assert.equal(again.error.kind, 'rejectedAfterRelogin');
  assert.equal(w.host.calls.login, 2, 'no login loop');
  w.invariants(assert);
});

test('concurrent 401s on one token: one re-login for all of them', async (t) => {
  const w = await world(t);
  const login = w.open();
  await login.session();
  w.server.revokeAll();
  const url = `${w.server.baseUrl}/api/data`;
  const results = await Promise.all([1, 2, 3].map(() => login.request({ url })));
  assert.deepEqual(results.map((r) => r.statusCode), [200, 200, 200]);
  assert.equal(w.host.calls.login, 2);
  w.invariants(assert);
});

test('corrupt storage: removed, then a fresh login', async (t) => {
  const w = await world(t);
  w.host.storage.set(KEY, '{"v":1,"token":');
  const session = await w.open().session();
  assert.equal(session.token, 'tok1');
  assert.ok(w.host.calls.removeStorage >= 1);
  assert.equal(JSON.parse(w.host.storage.get(KEY)).token, 'tok1');
  w.invariants(assert);
});

test('a stored object instead of text is read as its JSON', async (t) => {
  const w = await world(t);
  await w.open().session();
  w.host.storage.set(KEY, JSON.parse(w.host.storage.get(KEY)));
  const session = await w.open().session();
  assert.equal(session.token, 'tok1', 'the record parsed from the object');
  assert.equal(w.host.calls.login, 1);
  w.invariants(assert);
});

test('logout during a login: the waiters fail with loggedOut, the record is gone', async (t) => {
  const w = await world(t);
  w.host.script.login.push('hang');
  const login = w.open();
  const pending = outcome(login.session());
  await until(() => w.host.calls.login === 1, 'wx.login called');
  await login.logout();
  await until(() => pending.done, 'the waiter settles');
  assert.equal(pending.error.kind, 'loggedOut');
  assert.equal(w.host.storage.has(KEY), false);
  assert.equal(login.token(), null);
  w.invariants(assert);
});

test('logout after login: storage cleared, the next session() logs in again', async (t) => {
  const w = await world(t);
  const login = w.open();
  await login.session();
  await login.logout();
  assert.equal(w.host.storage.has(KEY), false);
  assert.equal(login.token(), null);
  const again = await login.session();
  assert.equal(again.token, 'tok2');
  w.invariants(assert);
});

test('failures keep what the world said: errMsg and errno, in any script', async (t) => {
  const w = await world(t);
  for (let i = 0; i < 3; i++) w.host.script.login.push({ fail: 'login:fail 网络错误 😀', errno: 600001 });
  const login = w.open({ backoff: { maxAttempts: 3, initialMs: 10, maxMs: 10 }, seed: 1 });
  const result = outcome(login.session());
  await drive(w.clock, () => result.done, 'the waiter settles after three tries');
  assert.equal(w.host.calls.login, 3);
  assert.equal(result.error.kind, 'wxLogin');
  assert.equal(result.error.failure.errMsg, 'login:fail 网络错误 😀');
  assert.equal(result.error.failure.errno, 600001);
  assert.equal(result.error.failure.attempts, 3);
  w.invariants(assert);
});

test('server errors keep the status and the server\'s error body', async (t) => {
  const w = await world(t);
  const body = { error: 'forbidden', message: '用户被封禁', errcode: 40226 };
  w.server.loginAnswers.push({ status: 403, body });
  const result = outcome(w.open().session());
  await until(() => result.done, 'settles');
  assert.equal(result.error.kind, 'server');
  assert.equal(result.error.failure.status, 403);
  assert.equal(result.error.failure.error.message, '用户被封禁');
  assert.equal(result.error.failure.error.errcode, 40226);
  w.invariants(assert);
});
