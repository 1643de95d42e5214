'use strict';
// Loading: the platform's WebAssembly, either result shape, a module that is not ours, and a
// module that traps.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createLogin, DEFAULT_WASM_PATH } = require('../miniprogram_dist/index.js');
const { world } = require('./support/world.js');
const { outcome, drive } = require('./support/host.js');
const { instance, wasmBytes } = require('./support/module.js');

function withGlobal(t, name, value) {
  globalThis[name] = value;
  t.after(() => { delete globalThis[name]; });
}

for (const name of ['WXWebAssembly', 'TTWebAssembly']) {
  for (const shape of ['{instance}', 'instance']) {
    test(`${name}.instantiate(path) resolving to ${shape}`, async (t) => {
      const w = await world(t);
      const paths = [];
      withGlobal(t, name, {
        instantiate(path, imports) {
          paths.push(path);
          assert.deepEqual(imports, {});
          return WebAssembly.instantiate(wasmBytes(), imports)
            .then((r) => (shape === 'instance' ? r.instance : r));
        },
      });
      const session = await w.open().session();
      assert.equal(session.token, 'tok1');
      assert.deepEqual(paths, [DEFAULT_WASM_PATH]);
      assert.equal(DEFAULT_WASM_PATH, '/miniprogram_npm/wxlogin-miniprogram/wxlogin.wasm.br');
    });
  }
}

test('wasmPath and instantiate are overridable (Taro, uni-app, subpackages)', async (t) => {
  const w = await world(t);
  const paths = [];
  const login = w.open({
    wasmPath: '/pkg/wx.wasm.br',
    instantiate: (path) => { paths.push(path); return instance(); },
  });
  await login.session();
  assert.deepEqual(paths, ['/pkg/wx.wasm.br']);
});

test('a module that is not ours, or fails to load, rejects every call', async (t) => {
  const w = await world(t);
  const cases = [
    [() => ({ exports: {} }), /lacks/],
    [() => Promise.reject(new Error('CompileError: invalid wasm file')), /invalid wasm file/],
    [() => null, /no instance/],
  ];
  for (const [instantiate, message] of cases) {
    const login = w.open({ instantiate });
    await assert.rejects(login.session(), message);
    await assert.rejects(login.ready, message);
    assert.equal(login.token(), null);
    assert.equal(login.state(), 'loading');
  }
  const wrongVersion = async () => {
    const real = await instance();
    return { exports: Object.assign({}, real.exports, { wxl_abi_version: () => 99 }) };
  };
  await assert.rejects(w.open({ instantiate: wrongVersion }).session(), /ABI version 99/);
});

test('a bad option is refused by the machine\'s config, loudly', async (t) => {
  const w = await world(t);
  const login = w.open({ timeouts: { wxLogin: 5 } });
  await assert.rejects(login.session(), (e) => e.kind === 'badConfig' && /wxLogin/.test(e.message));
  assert.throws(() => createLogin({}), /baseUrl/);
  assert.throws(() => createLogin({ baseUrl: 'https://x', host: null }), /no wx/);
});

test('a trap fails every waiter and every later call, and is never thrown at the caller', async (t) => {
  const w = await world(t);
  let trap = false;
  const trapping = async () => {
    const real = await instance();
    const exports = Object.assign({}, real.exports, {
      wxl_handle(...args) {
        if (trap) throw new WebAssembly.RuntimeError('unreachable');
        return real.exports.wxl_handle(...args);
      },
    });
    return { exports };
  };
  w.host.script.login.push('hang');
  const login = w.open({ instantiate: trapping });
  const first = outcome(login.session());
  const second = outcome(login.session());
  await drive(w.clock, () => w.host.calls.login === 1, 'wx.login called');
  trap = true;
  const third = outcome(login.session());
  await drive(w.clock, () => first.done && second.done && third.done, 'all settled');
  for (const o of [first, second, third]) {
    assert.equal(o.ok, false);
    assert.equal(o.error.kind, 'trap');
  }
  assert.equal(login.state(), 'dead');
  assert.equal(login.token(), null);
  await assert.rejects(login.session(), /trapped/);
  await assert.rejects(login.logout(), /trapped/);
  assert.ok(w.diagnostics.some((d) => d.type === 'dead'));
});
