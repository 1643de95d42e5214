'use strict';
// The shipped JavaScript is ES2015 CommonJS that every mini program runtime and the devtools'
// npm build accept: parsed as ES2015 scripts, with no later built-ins and nothing the
// platforms lack or forbid.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const acorn = require('acorn');
const { DIST } = require('./support/module.js');

const files = fs.readdirSync(DIST).filter((f) => f.endsWith('.js'));

const FORBIDDEN = [
  [/\bTextEncoder\b|\bTextDecoder\b/, 'TextEncoder/TextDecoder (missing on devices)'],
  [/\beval\s*\(|new\s+Function\b/, 'eval or new Function (forbidden in mini programs)'],
  [/\bfetch\s*\(|\bimport\.meta\b|new\s+URL\b/, 'fetch, import.meta or URL (not in mini programs)'],
  [/\.includes\(|\.padStart\(|\.padEnd\(|Object\.(values|entries|fromEntries)\b/, 'a post-ES2015 built-in'],
  [/\.flat\(|\.flatMap\(|\.finally\(|\.at\(|\.replaceAll\(|globalThis\b|BigInt\b/, 'a post-ES2015 built-in'],
];

test('dist: the files are the ones the package ships', () => {
  assert.deepEqual(files.sort(), ['driver.js', 'host.js', 'index.js', 'loader.js', 'login.js', 'utf8.js', 'wasm.js']);
});

for (const file of files) {
  test(`dist/${file}: parses as an ES2015 script`, () => {
    const source = fs.readFileSync(path.join(DIST, file), 'utf8');
    acorn.parse(source, { ecmaVersion: 2015, sourceType: 'script' });
    // The same parser does reject later syntax: the check can fail.
    assert.throws(() => acorn.parse('a?.b', { ecmaVersion: 2015 }));
    const code = source.replace(/\/\/.*$/gm, '');
    for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(code, pattern, `${file}: ${what}`);
  });
}

test('dist: only relative requires, plus Node built-ins behind a variable', () => {
  for (const file of files) {
    const source = fs.readFileSync(path.join(DIST, file), 'utf8');
    for (const m of source.matchAll(/require\(([^)]*)\)/g)) {
      assert.match(m[1], /^'\.\/[a-z0-9]+\.js'$|^names\[\d\]$/, `${file}: require(${m[1]})`);
    }
  }
});
