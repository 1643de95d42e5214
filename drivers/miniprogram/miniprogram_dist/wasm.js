'use strict';
// The module's ABI (drivers/wasm/src/lib.rs): JSON in through one input buffer, JSON out
// through the reply buffer, time as f64 milliseconds. The view on memory is made again
// whenever `memory.buffer` changes, because a call that grows memory detaches the old one.
var utf8 = require('./utf8.js');

var ABI_VERSION = 1;
var EXPORTS = ['memory', 'wxl_abi_version', 'wxl_alloc', 'wxl_free', 'wxl_out_ptr', 'wxl_new',
  'wxl_handle', 'wxl_timeout', 'wxl_poll', 'wxl_session', 'wxl_drop'];

function WasmError(kind, message, detail) {
  var error = new Error('wxlogin: ' + message);
  error.name = 'WxLoginError';
  error.kind = kind;
  if (detail) error.detail = detail;
  return error;
}

// Checks the instance's exports and ABI version; throws a WxLoginError when it is not ours.
function Abi(instance) {
  var x = instance && instance.exports;
  var missing = EXPORTS.filter(function (name) { return !x || !x[name]; });
  if (missing.length) throw WasmError('badModule', 'the module lacks ' + missing.join(', '));
  var version = x.wxl_abi_version();
  if (version !== ABI_VERSION) {
    throw WasmError('badModule', 'ABI version ' + version + ', this adapter speaks ' + ABI_VERSION);
  }
  this.x = x;
  // One input buffer, kept for the machine's life and grown when too small.
  this.inAddr = 0;
  this.inCap = 0;
  // A view on the whole memory, made again only when a call has grown (detached) it.
  this.buffer = null;
  this.bytes = null;
  this.trapped = null;
}

Abi.prototype.view = function () {
  var buffer = this.x.memory.buffer;
  if (buffer !== this.buffer) {
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
  }
  return this.bytes;
};

// Calls the export `name` (surplus arguments are dropped by the wasm call). A trap (a
// RuntimeError from panic=abort) kills the instance for good: that call and every later one
// throw it.
Abi.prototype.call = function (name, a, b, c, d) {
  if (this.trapped) throw this.trapped;
  try {
    return this.x[name](a, b, c, d);
  } catch (e) {
    this.trapped = WasmError('trap', 'the module trapped: ' + (e && e.message), e);
    throw this.trapped;
  }
};

// Writes the JSON text into the input buffer; its length in bytes. A UTF-16 unit takes at
// most 3 bytes, so a buffer of 3 bytes a unit always fits and no length is counted first
// (counting costs as much as encoding where there is no JIT). 4 KiB holds the events of a
// login with a response's usual headers, so the buffer is allocated once per machine.
Abi.prototype.write = function (json) {
  if (json.length * 3 > this.inCap) {
    var old = this.inAddr;
    this.inAddr = 0;
    this.inCap = 0;
    if (old) this.call('wxl_free', old);
    var cap = Math.max(4096, json.length * 3);
    this.inAddr = this.call('wxl_alloc', cap);
    this.inCap = cap;
  }
  return utf8.encodeInto(json, this.view(), this.inAddr);
};

// The reply of the call that returned `len`: its `ok`, or a thrown WxLoginError.
Abi.prototype.reply = function (len) {
  var at = this.x.wxl_out_ptr();
  var reply = JSON.parse(utf8.decode(this.view(), at, at + len));
  if (reply.error) throw WasmError(reply.error.kind, reply.error.message, reply.error);
  return reply.ok;
};

Abi.prototype.create = function (config) {
  var len = this.write(JSON.stringify(config));
  return this.reply(this.call('wxl_new', this.inAddr, len));
};

Abi.prototype.handle = function (h, event, now) {
  var len = this.write(JSON.stringify(event));
  return this.reply(this.call('wxl_handle', h, this.inAddr, len, now));
};

Abi.prototype.timeout = function (h, now) {
  return this.reply(this.call('wxl_timeout', h, now));
};

Abi.prototype.session = function (h, now) {
  return this.reply(this.call('wxl_session', h, now));
};

// Drops the machine and frees the input buffer: many machines may share one instance.
Abi.prototype.drop = function (h) {
  var old = this.inAddr;
  this.inAddr = 0;
  this.inCap = 0;
  if (old) this.call('wxl_free', old);
  return this.reply(this.call('wxl_drop', h));
};

module.exports = { Abi: Abi, WasmError: WasmError, ABI_VERSION: ABI_VERSION };
