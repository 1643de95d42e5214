'use strict';
// One function per effect command: call the host API, answer with exactly one event.
// `answer.give(event)` is guarded by the driver, so a callback that fires twice or late cannot
// confuse the machine; a host API that throws is answered with a failure right away. The
// events are built inline: no closure per effect beyond the host's own callbacks.
var utf8 = require('./utf8.js');

function wxError(err, fallback) {
  var e = { errMsg: err && typeof err.errMsg === 'string' ? err.errMsg : fallback };
  if (err && Number.isSafeInteger(err.errno)) e.errno = err.errno;
  return e;
}

function thrownMessage(e) {
  return String(e && e.message ? e.message : e);
}

// What storage held, as the record's text: missing is null; a non-string is its JSON.
function storedText(data) {
  if (data === undefined || data === null || data === '') return null;
  if (typeof data === 'string') return data;
  try {
    return JSON.stringify(data);
  } catch (e) {
    return null;
  }
}

function storageRead(command, value) {
  return { type: 'storageRead', id: command.id, value: value };
}

function readStorage(host, command, answer) {
  try {
    if (typeof host.getStorage === 'function') {
      host.getStorage({
        key: command.key,
        success: function (res) { answer.give(storageRead(command, storedText(res && res.data))); },
        // A missing key fails with "data not found": either way there is no record.
        fail: function () { answer.give(storageRead(command, null)); },
      });
    } else {
      answer.give(storageRead(command, storedText(host.getStorageSync(command.key))));
    }
  } catch (e) {
    answer.give(storageRead(command, null));
  }
}

function checkSessionResult(command, result) {
  return { type: 'checkSessionResult', id: command.id, result: result };
}

function checkWxSession(host, command, answer) {
  try {
    host.checkSession({
      success: function () { answer.give(checkSessionResult(command, { ok: null })); },
      fail: function (err) {
        answer.give(checkSessionResult(command, { error: wxError(err, 'checkSession:fail') }));
      },
    });
  } catch (e) {
    var error = { errMsg: 'checkSession:fail ' + thrownMessage(e) };
    answer.give(checkSessionResult(command, { error: error }));
  }
}

function codeObtained(command, result) {
  return { type: 'codeObtained', id: command.id, result: result };
}

function wxLogin(host, command, answer) {
  try {
    host.login({
      timeout: command.timeoutMs,
      success: function (res) {
        var code = res && res.code;
        var result = typeof code === 'string' && code !== '' ? { ok: code }
          : { error: { errMsg: 'login:fail the answer had no code' } };
        answer.give(codeObtained(command, result));
      },
      fail: function (err) { answer.give(codeObtained(command, { error: wxError(err, 'login:fail') })); },
    });
  } catch (e) {
    answer.give(codeObtained(command, { error: { errMsg: 'login:fail ' + thrownMessage(e) } }));
  }
}

function responseBody(data) {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return data;
  if (typeof ArrayBuffer !== 'undefined' && data instanceof ArrayBuffer) {
    var bytes = new Uint8Array(data);
    return utf8.decode(bytes, 0, bytes.length);
  }
  return JSON.stringify(data);
}

// Header values as strings; `header` (WeChat) or `headers` (Alipay).
function responseHeaders(res) {
  var given = res.header || res.headers || {};
  var headers = {};
  var names = Object.keys(given);
  for (var i = 0; i < names.length; i++) {
    var value = given[names[i]];
    headers[names[i]] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function transportError(err) {
  var message = err && typeof err.errMsg === 'string' ? err.errMsg : 'request:fail';
  if (/timeout/i.test(message)) return { kind: 'timeout' };
  return { kind: 'connection', message: message };
}

function otherFailure(message) {
  return { error: { kind: 'other', message: message } };
}

function serverResponse(command, result) {
  return { type: 'serverResponse', id: command.id, result: result };
}

function sendRequest(host, command, answer) {
  var request = command.request;
  var options = {
    url: request.url,
    method: request.method,
    header: request.headers,
    // Any dataType but 'json' keeps the body a string (no JSON.parse by the platform).
    dataType: 'text',
    responseType: 'text',
    timeout: command.timeoutMs,
    success: function (res) {
      var status = res && (res.statusCode !== undefined ? res.statusCode : res.status);
      if (!Number.isInteger(status)) {
        answer.give(serverResponse(command, otherFailure('the response had no status code')));
        return;
      }
      var ok = { status: status, headers: responseHeaders(res), body: responseBody(res.data) };
      answer.give(serverResponse(command, { ok: ok }));
    },
    fail: function (err) { answer.give(serverResponse(command, { error: transportError(err) })); },
  };
  if (request.body !== '') options.data = request.body;
  try {
    host.request(options);
  } catch (e) {
    answer.give(serverResponse(command, otherFailure('request threw: ' + thrownMessage(e))));
  }
}

// Storage writes have no answer: a failed write only means a login at the next launch.
function writeStorage(host, command) {
  try {
    if (typeof host.setStorage === 'function') host.setStorage({ key: command.key, data: command.value });
    else host.setStorageSync(command.key, command.value);
  } catch (e) {
    // Nothing to do: see above.
  }
}

function removeStorage(host, command) {
  try {
    if (typeof host.removeStorage === 'function') host.removeStorage({ key: command.key });
    else host.removeStorageSync(command.key);
  } catch (e) {
    // Nothing to do: the record is checked (version, expiry) whenever it is read.
  }
}

module.exports = {
  readStorage: readStorage,
  checkWxSession: checkWxSession,
  wxLogin: wxLogin,
  sendRequest: sendRequest,
  writeStorage: writeStorage,
  removeStorage: removeStorage,
  wxError: wxError,
};
