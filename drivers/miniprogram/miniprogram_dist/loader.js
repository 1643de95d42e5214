'use strict';
// Finds the platform's WebAssembly and instantiates the module with no imports.
//   WeChat: WXWebAssembly.instantiate(path)  (a path inside the package; .wasm.br from base 2.14.0)
//   Douyin: TTWebAssembly.instantiate(path)
//   Node:   WebAssembly.instantiate(bytes) with the .wasm.br read and decompressed here
// Either `{instance}` or the instance itself may come back; both are accepted.
var WasmError = require('./wasm.js').WasmError;

var PACKAGE = 'wxlogin-miniprogram';
var FILE = 'wxlogin.wasm.br';
var DEFAULT_PATH = '/miniprogram_npm/' + PACKAGE + '/' + FILE;

function isNode() {
  return typeof process !== 'undefined' && !!(process.versions && process.versions.node);
}

function nodeInstantiate() {
  // Through a variable, so that no bundler or mini program compiler follows these requires.
  var req = require;
  var names = ['fs', 'zlib', 'path'];
  var fs = req(names[0]);
  var zlib = req(names[1]);
  var path = req(names[2]);
  var bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(__dirname, FILE)));
  return WebAssembly.instantiate(bytes, {});
}

function platformInstantiate(wasmPath) {
  /* global WXWebAssembly, TTWebAssembly */
  if (typeof WXWebAssembly !== 'undefined') return WXWebAssembly.instantiate(wasmPath, {});
  if (typeof TTWebAssembly !== 'undefined') return TTWebAssembly.instantiate(wasmPath, {});
  if (isNode() && typeof WebAssembly !== 'undefined') return nodeInstantiate();
  throw WasmError('noWebAssembly', 'no WXWebAssembly, TTWebAssembly or Node WebAssembly here; ' +
    'pass options.instantiate');
}

// A promise of the instance. `instantiate(path, imports)` overrides the platform's.
function load(options) {
  var wasmPath = options.wasmPath || DEFAULT_PATH;
  return new Promise(function (resolve) {
    resolve(options.instantiate ? options.instantiate(wasmPath, {}) : platformInstantiate(wasmPath));
  }).then(function (result) {
    var instance = result && result.instance ? result.instance : result;
    if (!instance || !instance.exports) throw WasmError('badModule', 'instantiate gave no instance');
    return instance;
  });
}

module.exports = { load: load, DEFAULT_PATH: DEFAULT_PATH };
