'use strict';
// The platform's gates, checked on the shipped .wasm.br: what iOS WeChat needs to compile and
// link it (no imports, no exported globals, no i64 at the boundary, MVP + mutable globals
// only), and the size budget. Each check is shown to fail on a module that breaks it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');
const { BR, wasmBytes } = require('./support/module.js');

const BUDGET = 80 * 1024;
const VALIDATE = path.join(__dirname, '..', 'node_modules', 'wabt', 'bin', 'wasm-validate');
// Every post-MVP feature wabt turns on by default, turned off; the rest are off already.
const MVP = ['--disable-saturating-float-to-int', '--disable-sign-extension', '--disable-simd',
  '--disable-multi-value', '--disable-bulk-memory', '--disable-reference-types'];

// (module (func (export "f") (result i32) i32.const 1 i32.extend8_s)): sign-extension.
const SIGN_EXT = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0,
  7, 5, 1, 1, 102, 0, 0, 10, 7, 1, 5, 0, 65, 1, 192, 11]);
// (module (global (export "g") i32 (i32.const 0)) (func (export "f") (param i64)) (import "env" "h" (func)))
const BAD_BOUNDARY = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 2, 96, 0, 0, 96, 1, 126, 0,
  2, 9, 1, 3, 101, 110, 118, 1, 104, 0, 0, 3, 2, 1, 1, 6, 6, 1, 127, 0, 65, 0, 11,
  7, 9, 2, 1, 103, 3, 0, 1, 102, 0, 1, 10, 4, 1, 2, 0, 11]);

function validateMvp(bytes) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxlogin-gate-')), 'm.wasm');
  fs.writeFileSync(file, bytes);
  const run = spawnSync(process.execPath, [VALIDATE, ...MVP, file], { encoding: 'utf8' });
  fs.rmSync(path.dirname(file), { recursive: true });
  return run;
}

// Export names whose signature has an i64, read with binaryen.
async function i64Exports(bytes) {
  const { default: binaryen } = await import('binaryen');
  const module = binaryen.readBinary(bytes);
  const found = [];
  for (let i = 0; i < module.getNumExports(); i++) {
    const info = binaryen.getExportInfo(module.getExportByIndex(i));
    if (info.kind !== binaryen.ExternalFunction) continue;
    const fn = binaryen.getFunctionInfo(module.getFunction(info.value));
    const types = [...binaryen.expandType(fn.params), ...binaryen.expandType(fn.results)];
    if (types.includes(binaryen.i64)) found.push(info.name);
  }
  module.dispose();
  return found;
}

function boundary(bytes) {
  const module = new WebAssembly.Module(bytes);
  return {
    imports: WebAssembly.Module.imports(module),
    globals: WebAssembly.Module.exports(module).filter((e) => e.kind === 'global').map((e) => e.name),
  };
}

test('gate: no imports, so instantiate(path, {}) always links', () => {
  assert.deepEqual(boundary(wasmBytes()).imports, []);
  assert.equal(boundary(BAD_BOUNDARY).imports.length, 1, 'the check sees an import');
});

test('gate: no exported globals (iOS WeChat does not support them)', () => {
  assert.deepEqual(boundary(wasmBytes()).globals, []);
  assert.deepEqual(boundary(BAD_BOUNDARY).globals, ['g'], 'the check sees a global');
});

test('gate: no i64 in an exported signature (no BigInt at the boundary)', async () => {
  assert.deepEqual(await i64Exports(wasmBytes()), []);
  assert.deepEqual(await i64Exports(BAD_BOUNDARY), ['f'], 'the check sees an i64');
});

test('gate: validates with every post-MVP feature but mutable globals disabled', () => {
  const shipped = validateMvp(wasmBytes());
  assert.equal(shipped.status, 0, shipped.stdout + shipped.stderr);
  const control = validateMvp(SIGN_EXT);
  assert.notEqual(control.status, 0, 'the validator rejects sign-extension with these flags');
});

test(`gate: the .wasm.br is within the ${BUDGET / 1024} KB budget`, () => {
  const size = fs.statSync(BR).size;
  assert.ok(size <= BUDGET, `${size} bytes > ${BUDGET}`);
  assert.deepEqual(zlib.brotliDecompressSync(fs.readFileSync(BR)).subarray(0, 4), Buffer.from([0, 97, 115, 109]));
});
