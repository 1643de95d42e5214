'use strict';
// The adapter's own UTF-8 codec agrees with Node's on every kind of text.
const test = require('node:test');
const assert = require('node:assert/strict');
const utf8 = require('../miniprogram_dist/utf8.js');

const TEXTS = ['', 'ascii', 'é', '中文登录', '😀𝄞 astral', 'mixed 中 é 😀 \u0000 \u007f \u0080 \u07ff \u0800 \uffff',
  String.fromCodePoint(0x10ffff), 'x'.repeat(10000) + '中'.repeat(5000)];

test('utf8: encodes like Buffer and decodes back', () => {
  for (const text of TEXTS) {
    const bytes = utf8.encode(text);
    assert.deepEqual(Buffer.from(bytes), Buffer.from(text, 'utf8'));
    assert.equal(utf8.byteLength(text), bytes.length);
    assert.equal(utf8.decode(bytes, 0, bytes.length), text);
  }
});

test('utf8: ASCII runs of every length around 16-unit chunks, mixed with other text, inside a larger buffer', () => {
  const pieces = ['', 'é', '中', '😀'];
  for (let n = 0; n <= 40; n++) {
    for (const piece of pieces) {
      const text = piece + 'a'.repeat(n) + piece + '{"k":1}'.repeat(n % 5) + piece;
      const buffer = new Uint8Array(3 * text.length + 8).fill(0xff);
      const len = utf8.encodeInto(text, buffer, 3);
      assert.deepEqual(Buffer.from(buffer.subarray(3, 3 + len)), Buffer.from(text, 'utf8'));
      assert.equal(buffer[3 + len], 0xff, 'nothing written past the text');
      assert.equal(utf8.decode(buffer, 3, 3 + len), text);
    }
  }
});

test('utf8: every code point round-trips', () => {
  for (let c = 0; c <= 0x10ffff; c += c < 0x10000 ? 1 : 97) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const text = String.fromCodePoint(c);
    const bytes = utf8.encode(text);
    assert.equal(utf8.decode(bytes, 0, bytes.length), text);
  }
});

test('utf8: lone surrogates and malformed bytes become U+FFFD, never a throw', () => {
  assert.deepEqual([...utf8.encode('\ud800')], [0xef, 0xbf, 0xbd]);
  assert.deepEqual([...utf8.encode('a\udc00b')], [0x61, 0xef, 0xbf, 0xbd, 0x62]);
  const bad = Uint8Array.from([0xc0, 0x80, 0xe0, 0x80, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xff, 0xe4, 0xb8]);
  const text = utf8.decode(bad, 0, bad.length);
  assert.equal(text, '\ufffd'.repeat(bad.length));
  assert.equal(utf8.decode(Uint8Array.from([0x61, 0x62, 0x63]), 1, 3), 'bc', 'a sub-range');
});
