'use strict';
// The module's ABI (drivers/wasm/src/lib.rs): JSON in through one input buffer, JSON out
// through the reply buffer, time as f64 milliseconds. Views on memory are made after every
// call, because a call that grows memory detaches the old buffer.
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
  this.inAddr = 0;
  this.inCap = 0;
  this.trapped = null;
}

// Runs one export; a trap (a RuntimeError from panic=abort) kills the instance for good.
Abi.prototype.run = function (f) {
  if (this.trapped) throw this.trapped;
  try {
    return f(this.x);
  } catch (e) {
    this.trapped = WasmError('trap', 'the module trapped: ' + (e && e.message), e);
    throw this.trapped;
  }
};

// Writes the JSON text into the input buffer (grown when too small); its length in bytes.
Abi.prototype.write = function (json) {
  var len = utf8.byteLength(json);
  var self = this;
  this.run(function (x) {
    if (len > self.inCap) {
      if (self.inAddr) x.wxl_free(self.inAddr);
      self.inCap = Math.max(1024, len * 2);
      self.inAddr = x.wxl_alloc(self.inCap);
    }
    utf8.encodeInto(json, new Uint8Array(x.memory.buffer, self.inAddr, len), 0);
  });
  return len;
};

// The reply of the call that returned `len`: its `ok`, or a thrown WxLoginError.
Abi.prototype.reply = function (len) {
  var x = this.x;
  var reply = JSON.parse(utf8.decode(new Uint8Array(x.memory.buffer, x.wxl_out_ptr(), len), 0, len));
  if (reply.error) throw WasmError(reply.error.kind, reply.error.message, reply.error);
  return reply.ok;
};

Abi.prototype.create = function (config) {
  var len = this.write(JSON.stringify(config));
  var self = this;
  return this.reply(this.run(function (x) { return x.wxl_new(self.inAddr, len); }));
};

Abi.prototype.handle = function (h, event, now) {
  var len = this.write(JSON.stringify(event));
  var self = this;
  return this.reply(this.run(function (x) { return x.wxl_handle(h, self.inAddr, len, now); }));
};

Abi.prototype.timeout = function (h, now) {
  return this.reply(this.run(function (x) { return x.wxl_timeout(h, now); }));
};

Abi.prototype.session = function (h, now) {
  return this.reply(this.run(function (x) { return x.wxl_session(h, now); }));
};

Abi.prototype.drop = function (h) {
  return this.reply(this.run(function (x) { return x.wxl_drop(h); }));
};

module.exports = { Abi: Abi, WasmError: WasmError, ABI_VERSION: ABI_VERSION };
