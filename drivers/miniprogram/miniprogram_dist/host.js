'use strict';
// One function per effect command: call the host API, answer with exactly one event.
// `answer` is guarded by the driver, so a callback that fires twice or late cannot confuse
// the machine; a host API that throws is answered with a failure right away.
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

function readStorage(host, command, answer) {
  var reply = function (value) {
    answer({ type: 'storageRead', id: command.id, value: value });
  };
  try {
    if (typeof host.getStorage === 'function') {
      host.getStorage({
        key: command.key,
        success: function (res) { reply(storedText(res && res.data)); },
        // A missing key fails with "data not found": either way there is no record.
        fail: function () { reply(null); },
      });
    } else {
      reply(storedText(host.getStorageSync(command.key)));
    }
  } catch (e) {
    reply(null);
  }
}

function checkWxSession(host, command, answer) {
  var reply = function (result) {
    answer({ type: 'checkSessionResult', id: command.id, result: result });
  };
  try {
    host.checkSession({
      success: function () { reply({ ok: null }); },
      fail: function (err) { reply({ error: wxError(err, 'checkSession:fail') }); },
    });
  } catch (e) {
    reply({ error: { errMsg: 'checkSession:fail ' + thrownMessage(e) } });
  }
}

function wxLogin(host, command, answer) {
  var reply = function (result) {
    answer({ type: 'codeObtained', id: command.id, result: result });
  };
  try {
    host.login({
      timeout: command.timeoutMs,
      success: function (res) {
        var code = res && res.code;
        if (typeof code === 'string' && code !== '') reply({ ok: code });
        else reply({ error: { errMsg: 'login:fail the answer had no code' } });
      },
      fail: function (err) { reply({ error: wxError(err, 'login:fail') }); },
    });
  } catch (e) {
    reply({ error: { errMsg: 'login:fail ' + thrownMessage(e) } });
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
  Object.keys(given).forEach(function (name) {
    var value = given[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  });
  return headers;
}

function transportError(err) {
  var message = err && typeof err.errMsg === 'string' ? err.errMsg : 'request:fail';
  if (/timeout/i.test(message)) return { kind: 'timeout' };
  return { kind: 'connection', message: message };
}

function sendRequest(host, command, answer) {
  var reply = function (result) {
    answer({ type: 'serverResponse', id: command.id, result: result });
  };
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
        reply({ error: { kind: 'other', message: 'the response had no status code' } });
        return;
      }
      reply({ ok: { status: status, headers: responseHeaders(res), body: responseBody(res.data) } });
    },
    fail: function (err) { reply({ error: transportError(err) }); },
  };
  if (request.body !== '') options.data = request.body;
  try {
    host.request(options);
  } catch (e) {
    reply({ error: { kind: 'other', message: 'request threw: ' + thrownMessage(e) } });
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
