'use strict';
// index.d.ts: real use compiles under --strict with the official wx typings; misuse does not.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const TSC = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const FLAGS = ['--noEmit', '--strict', '--skipLibCheck', '--lib', 'es2015', '--target', 'es2015',
  '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'miniprogram-api-typings'];

function tsc(file) {
  return spawnSync(process.execPath, [TSC, ...FLAGS, path.join(__dirname, 'types', file)], {
    cwd: path.join(__dirname, '..'), encoding: 'utf8',
  });
}

test('types: real use compiles, and wx fits Host', () => {
  const run = tsc('usage.ts');
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('types: misuse is a compile error on each marked line', () => {
  const run = tsc('misuse.ts');
  assert.notEqual(run.status, 0);
  for (const line of [4, 5, 6]) assert.match(run.stdout, new RegExp(`misuse\\.ts\\(${line},`));
});
