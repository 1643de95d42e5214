'use strict';
// The shipped module, read the way the Node loader reads it.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const DIST = path.join(__dirname, '..', '..', 'miniprogram_dist');
const BR = path.join(DIST, 'wxlogin.wasm.br');

function wasmBytes(file = BR) {
  return zlib.brotliDecompressSync(fs.readFileSync(file));
}

async function instance() {
  return (await WebAssembly.instantiate(wasmBytes(), {})).instance;
}

module.exports = { DIST, BR, wasmBytes, instance };
