'use strict';
// The devtools' "build npm", run by miniprogram-ci's packNpm (offline, dummy key) on the example
// mini program with this package installed: the whole miniprogram_dist, module included, must
// land in miniprogram_npm/wxlogin-miniprogram/ byte for byte.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const ci = require('miniprogram-ci');
const { DIST } = require('./support/module.js');

const PACKAGE = path.join(__dirname, '..');
const EXAMPLE = path.join(PACKAGE, 'example');

// The package as `npm install` would place it: package.json and the `files`.
function install(project) {
  const target = path.join(project, 'node_modules', 'wxlogin-miniprogram');
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(PACKAGE, 'package.json'), path.join(target, 'package.json'));
  fs.cpSync(DIST, path.join(target, 'miniprogram_dist'), { recursive: true });
}

test('packNpm copies the package, .wasm.br included, into miniprogram_npm', { timeout: 120000 }, async (t) => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'wxlogin-example-'));
  t.after(() => fs.rmSync(project, { recursive: true, force: true }));
  fs.cpSync(EXAMPLE, project, { recursive: true });
  install(project);
  const key = path.join(project, 'private.key');
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(key, privateKey.export({ type: 'pkcs1', format: 'pem' }));

  const proj = new ci.Project({
    appid: 'wx0000000000000000', type: 'miniProgram', projectPath: project, privateKeyPath: key,
    ignores: ['node_modules/**/*'],
  });
  const warnings = await ci.packNpm(proj, { reporter: () => {} });
  assert.deepEqual(warnings.map((w) => w.msg), []);

  const packed = path.join(project, 'miniprogram_npm', 'wxlogin-miniprogram');
  const shipped = fs.readdirSync(DIST).sort();
  assert.deepEqual(fs.readdirSync(packed).sort(), shipped);
  for (const file of shipped) {
    assert.ok(fs.readFileSync(path.join(packed, file)).equals(fs.readFileSync(path.join(DIST, file))), file);
  }
});
