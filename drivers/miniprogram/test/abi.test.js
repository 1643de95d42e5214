'use strict';
// The raw ABI of the shipped module, called as the adapter calls it.
const test = require('node:test');
const assert = require('node:assert/strict');
const utf8 = require('../miniprogram_dist/utf8.js');
const { instance } = require('./support/module.js');

function caller(x) {
  const reply = (len) => {
    const bytes = new Uint8Array(x.memory.buffer, x.wxl_out_ptr(), len);
    return JSON.parse(utf8.decode(bytes, 0, len));
  };
  const put = (text) => {
    const bytes = utf8.encode(text);
    const addr = x.wxl_alloc(bytes.length);
    new Uint8Array(x.memory.buffer, addr, bytes.length).set(bytes);
    return [addr, bytes.length];
  };
  return { reply, put };
}

test('abi: version, create, handle, poll, session, drop', async () => {
  const x = (await instance()).exports;
  const { reply, put } = caller(x);
  assert.equal(x.wxl_abi_version(), 1);
  const [cfg, cfgLen] = put('{"baseUrl":"https://api.example.com"}');
  const h = reply(x.wxl_new(cfg, cfgLen)).ok;
  assert.equal(x.wxl_free(cfg), 1);
  assert.equal(x.wxl_free(cfg), 0, 'freed twice');
  const [ev, evLen] = put('{"type":"loginRequested","waiter":1}');
  const drain = reply(x.wxl_handle(h, ev, evLen, 1764547200000.5)).ok;
  assert.equal(drain.handled, 'applied');
  assert.deepEqual(drain.commands, [{ type: 'readStorage', id: 0, key: 'wxlogin.session' }]);
  assert.equal(drain.deadlineMs, 1764547205000);
  assert.deepEqual(reply(x.wxl_poll(h)).ok.commands, []);
  assert.equal(reply(x.wxl_session(h, 1764547200000)).ok, null);
  assert.equal(reply(x.wxl_drop(h)).ok, null);
  assert.equal(reply(x.wxl_drop(h)).error.kind, 'badHandle');
});

test('abi: wrong buffers, times and JSON are typed errors, never traps', async () => {
  const x = (await instance()).exports;
  const { reply, put } = caller(x);
  const [cfg, cfgLen] = put('{"baseUrl":"https://api.example.com"}');
  const h = reply(x.wxl_new(cfg, cfgLen)).ok;
  const [ev, evLen] = put('{"type":"logout"}');
  const kind = (len) => reply(len).error.kind;
  assert.equal(kind(x.wxl_handle(h, ev + 1, evLen, 0)), 'badBuffer');
  assert.equal(kind(x.wxl_handle(h, ev, evLen + 1, 0)), 'badBuffer');
  assert.equal(kind(x.wxl_handle(h, ev, -1, 0)), 'badBuffer');
  assert.equal(kind(x.wxl_handle(h, ev, evLen, NaN)), 'badTime');
  assert.equal(kind(x.wxl_handle(h, ev, evLen, Infinity)), 'badTime');
  assert.equal(kind(x.wxl_timeout(h, -1e300)), 'badTime');
  assert.equal(kind(x.wxl_handle(h + 7, ev, evLen, 0)), 'badHandle');
  assert.equal(x.wxl_alloc(-1), 0);
  const [bad, badLen] = put('{"type":"codeObtained","id":0,"result":{"ok":"S3CRET-CODE","x":1}}');
  const error = reply(x.wxl_handle(h, bad, badLen, 0)).error;
  assert.equal(error.kind, 'badJson');
  assert.doesNotMatch(error.message, /S3CRET/);
  const [big, bigLen] = put('{"type":"loginRequested","waiter":9007199254740992}');
  assert.match(reply(x.wxl_handle(h, big, bigLen, 0)).error.message, /2\^53/);
  const [answer, answerLen] = put('{"type":"storageRead","id":5,"value":null}');
  const contract = reply(x.wxl_handle(h, answer, answerLen, 0)).error;
  assert.equal(contract.kind, 'contract');
  assert.ok(contract.variant);
});

test('abi: a large event grows memory and still reads back', async () => {
  const x = (await instance()).exports;
  const { reply, put } = caller(x);
  const [cfg, cfgLen] = put('{"baseUrl":"https://api.example.com"}');
  const h = reply(x.wxl_new(cfg, cfgLen)).ok;
  const pages = x.memory.buffer.byteLength;
  const value = '中'.repeat(700000);
  const [ev, evLen] = put(JSON.stringify({ type: 'loginRequested', waiter: 1, pad: value }));
  assert.ok(x.memory.buffer.byteLength > pages, 'memory grew');
  assert.equal(reply(x.wxl_handle(h, ev, evLen, 0)).ok.handled, 'applied', 'unknown keys are ignored');
});
