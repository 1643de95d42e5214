'use strict';
// End to end against the Rust developer server (the demo's, on wxlogin-server, with its fake WeChat),
// started here on free loopback ports and stopped after: the adapter, the module, real HTTP,
// the server's LoginCoordinator and code2Session, all with the real clock.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const http = require('node:http');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { createLogin } = require('../miniprogram_dist/index.js');
const { FakeHost } = require('./support/host.js');

const ROOT = path.join(__dirname, '..', '..', '..');

// Starts `cargo run --example dev_server` and resolves with its URLs; stops when stdin closes.
function startDevServer(t) {
  const child = spawn('cargo', ['run', '--quiet', '-p', 'wxlogin-demo', '--example', 'dev_server'], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.after(() => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', resolve);
    child.stdin.end();
  }));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`dev_server exited with ${code} before it listened`)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  });
}

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => resolve(JSON.parse(data)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// The fake host with wx.login asking the fake WeChat for a code, as the WeChat app would.
class PhoneHost extends FakeHost {
  constructor(wxLoginUrl, user) {
    super({ now: () => Date.now() });
    this.wxLoginUrl = wxLoginUrl;
    this.user = user;
    this.codes = [];
  }

  login(options) {
    this.calls.login++;
    post(this.wxLoginUrl, { user: this.user }).then(
      (answer) => { this.codes.push(answer.code); options.success({ code: answer.code, errMsg: 'login:ok' }); },
      (e) => options.fail({ errMsg: `login:fail ${e.message}` }),
    );
  }
}

test('e2e: cold login, the token accepted by the server, relaunch, concurrency, logout', { timeout: 10 * 60 * 1000 }, async (t) => {
  const urls = await startDevServer(t);
  const host = new PhoneHost(urls.wxLogin, 'alice');
  const open = () => createLogin({ baseUrl: urls.server, host });

  const login = open();
  const callers = await Promise.all(Array.from({ length: 10 }, () => login.session()));
  assert.equal(new Set(callers.map((s) => s.token)).size, 1, 'one session for ten callers');
  assert.equal(host.codes.length, 1, 'one wx.login');
  const session = callers[0];
  assert.ok(session.expiresAt > Date.now());

  // The server's own session check, called as a business request with the token added.
  const checked = await login.request({ url: `${urls.server}/session`, method: 'GET' });
  assert.equal(checked.statusCode, 200);
  assert.ok(JSON.parse(checked.data).expires_in > 0);

  // A relaunch: the stored token is confirmed with the server, no new code.
  const relaunched = open();
  assert.equal((await relaunched.session()).token, session.token);
  assert.equal(host.codes.length, 1);

  // Logout forgets it; the next session is a new login with a new code.
  await relaunched.logout();
  assert.equal(host.storage.size, 0);
  const fresh = await open().session();
  assert.notEqual(fresh.token, session.token);
  assert.equal(host.codes.length, 2);
  assert.equal(new Set(host.codes).size, 2, 'codes are never reused');
});
