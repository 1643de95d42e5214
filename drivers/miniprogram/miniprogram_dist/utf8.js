'use strict';
// UTF-8 without TextEncoder/TextDecoder, which mini program runtimes do not all have.
// Lone surrogates encode as U+FFFD; each byte of a malformed sequence decodes to U+FFFD.

function encode(text) {
  var out = [];
  for (var i = 0; i < text.length; i++) {
    var c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      var low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) {
      out.push(c);
    } else if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    } else if (c < 0x10000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    } else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return out;
}

// The code point of the sequence at bytes[i] and its length, or U+FFFD and 1 when malformed.
function decodeOne(bytes, i, end) {
  var b = bytes[i];
  if (b < 0x80) return [b, 1];
  var need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : 0;
  if (need === 0 || i + need >= end) return [0xfffd, 1];
  var c = b & (0x3f >> need);
  for (var k = 1; k <= need; k++) {
    var next = bytes[i + k];
    if ((next & 0xc0) !== 0x80) return [0xfffd, 1];
    c = (c << 6) | (next & 63);
  }
  var min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return [0xfffd, 1];
  return [c, need + 1];
}

function decode(bytes, start, end) {
  var units = [];
  var text = '';
  var i = start;
  while (i < end) {
    var one = decodeOne(bytes, i, end);
    var c = one[0];
    i += one[1];
    if (c >= 0x10000) {
      c -= 0x10000;
      units.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
    } else {
      units.push(c);
    }
    // fromCharCode.apply takes a bounded number of arguments.
    if (units.length >= 4096) {
      text += String.fromCharCode.apply(null, units);
      units = [];
    }
  }
  return text + String.fromCharCode.apply(null, units);
}

module.exports = { encode: encode, decode: decode };
