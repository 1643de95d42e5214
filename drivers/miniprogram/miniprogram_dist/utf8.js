'use strict';
// UTF-8 without TextEncoder/TextDecoder, which mini program runtimes do not all have.
// Lone surrogates encode as U+FFFD; each byte of a malformed sequence decodes to U+FFFD.

// The code point at text[i] (a surrogate pair read whole; a lone surrogate is U+FFFD).
function codePointAt(text, i) {
  var c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < text.length) {
    var low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
  }
  return 0xfffd;
}

// How many bytes `text` takes in UTF-8.
function byteLength(text) {
  var n = 0;
  for (var i = 0; i < text.length; i++) {
    var c = codePointAt(text, i);
    if (c >= 0x10000) i++;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

// Writes `text` into `out` (a Uint8Array) from `at`; the number of bytes written. `out` must
// have room: `byteLength(text)`, or 3 bytes per UTF-16 unit at most.
function encodeInto(text, out, at) {
  var p = at;
  var i = 0;
  var n = text.length;
  // ASCII first, four units a turn (fewer loop steps where there is no JIT): JSON is mostly
  // ASCII. The first non-ASCII unit ends it.
  for (; i + 4 <= n; i += 4, p += 4) {
    var u0 = text.charCodeAt(i);
    var u1 = text.charCodeAt(i + 1);
    var u2 = text.charCodeAt(i + 2);
    var u3 = text.charCodeAt(i + 3);
    if ((u0 | u1 | u2 | u3) >= 0x80) break;
    out[p] = u0;
    out[p + 1] = u1;
    out[p + 2] = u2;
    out[p + 3] = u3;
  }
  for (; i < n; i++) {
    var c = codePointAt(text, i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 63);
      out[p++] = 0x80 | (c & 63);
    } else {
      i++;
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 63);
      out[p++] = 0x80 | ((c >> 6) & 63);
      out[p++] = 0x80 | (c & 63);
    }
  }
  return p - at;
}

function encode(text) {
  var out = new Uint8Array(byteLength(text));
  encodeInto(text, out, 0);
  return out;
}

// The code point of the sequence at bytes[i] whose lead byte needs `need` continuation
// bytes, or -1 if it is malformed.
function sequence(bytes, i, end, need) {
  if (need === 0 || i + need >= end) return -1;
  var c = bytes[i] & (0x3f >> need);
  for (var k = 1; k <= need; k++) {
    var next = bytes[i + k];
    if ((next & 0xc0) !== 0x80) return -1;
    c = (c << 6) | (next & 63);
  }
  var min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
  return c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ? -1 : c;
}

var fromCharCode = String.fromCharCode;
var NON_ASCII = /[^\x00-\x7f]/;
// fromCharCode.apply takes a bounded number of arguments.
var CHUNK = 4096;

// bytes[start, end) one unit per byte (Latin-1), in native calls: no loop per byte, which
// matters where JavaScript runs without a JIT (iOS).
function latin1(bytes, start, end) {
  if (end - start <= CHUNK) return fromCharCode.apply(null, bytes.subarray(start, end));
  var text = '';
  for (var i = start; i < end; i += CHUNK) {
    text += fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)));
  }
  return text;
}

// The text of bytes[start, end) of a Uint8Array. JSON is mostly ASCII, which is its own
// Latin-1 reading; anything else takes the sequence-by-sequence path.
function decode(bytes, start, end) {
  var text = latin1(bytes, start, end);
  return NON_ASCII.test(text) ? decodeMixed(bytes, start, end) : text;
}

function decodeMixed(bytes, start, end) {
  var text = '';
  var units = [];
  var i = start;
  while (i < end) {
    var b = bytes[i];
    if (b < 0x80) {
      var j = i + 1;
      while (j < end && bytes[j] < 0x80) j++;
      if (units.length) {
        text += fromCharCode.apply(null, units);
        units = [];
      }
      text += latin1(bytes, i, j);
      i = j;
    } else {
      var need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : 0;
      var c = sequence(bytes, i, end, need);
      if (c < 0) {
        units.push(0xfffd);
        i++;
      } else if (c >= 0x10000) {
        c -= 0x10000;
        units.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
        i += need + 1;
      } else {
        units.push(c);
        i += need + 1;
      }
    }
    if (units.length >= CHUNK) {
      text += fromCharCode.apply(null, units);
      units = [];
    }
  }
  return units.length ? text + fromCharCode.apply(null, units) : text;
}

module.exports = { encode: encode, encodeInto: encodeInto, byteLength: byteLength, decode: decode };
