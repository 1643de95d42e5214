'use strict';
// The shipped module is what drivers/wasm/build.sh makes from this tree now: no stale artifact
// in the package. The build is deterministic (pinned crates, one toolchain, remapped paths),
// so the modules are compared byte for byte; the brotli wrapping is compared by content,
// since another Node may bundle another brotli encoder.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { BR, wasmBytes } = require('./support/module.js');

const BUILD = path.join(__dirname, '..', '..', 'wasm', 'build.sh');

test('the shipped module equals a fresh build', { timeout: 15 * 60 * 1000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wxlogin-build-'));
  try {
    const run = spawnSync('bash', [BUILD, out], { encoding: 'utf8' });
    assert.equal(run.status, 0, `build.sh failed:\n${run.stdout}${run.stderr}`);
    const fresh = wasmBytes(path.join(out, 'wxlogin.wasm.br'));
    const shipped = wasmBytes(BR);
    assert.ok(fresh.equals(shipped),
      `miniprogram_dist/wxlogin.wasm.br is stale (${shipped.length} bytes shipped, ${fresh.length} built): ` +
      `run drivers/wasm/build.sh and commit the result (rustc: ${rustc()})`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

function rustc() {
  return spawnSync('rustc', ['--version'], { encoding: 'utf8' }).stdout.trim();
}
