'use strict';
// The public API: createLogin(options) -> { ready, session, token, logout, request, state, destroy }.
var loader = require('./loader.js');
var Abi = require('./wasm.js').Abi;
var Driver = require('./driver.js').Driver;

// Options for the adapter itself; every other key is the machine's LoginConfig JSON, which
// refuses unknown keys, so a misspelt option fails loudly.
var ADAPTER_OPTIONS = ['host', 'clock', 'wasmPath', 'instantiate', 'onDiagnostic'];

function defaultHost() {
  /* global wx, tt, uni */
  if (typeof wx !== 'undefined') return wx;
  if (typeof tt !== 'undefined') return tt;
  if (typeof uni !== 'undefined') return uni;
  return null;
}

function defaultClock() {
  return {
    now: function () { return Date.now(); },
    setTimeout: function (f, ms) { return setTimeout(f, ms); },
    clearTimeout: function (t) { clearTimeout(t); },
  };
}

function machineConfig(options) {
  var config = {};
  Object.keys(options).forEach(function (key) {
    if (ADAPTER_OPTIONS.indexOf(key) < 0) config[key] = options[key];
  });
  // Clients launched together spread their retries apart.
  if (config.seed === undefined) config.seed = Math.floor(Math.random() * 4294967296);
  return config;
}

function headerFor(tokenHeader, token) {
  var header = {};
  var scheme = tokenHeader.scheme === undefined ? 'Bearer' : tokenHeader.scheme;
  header[tokenHeader.name || 'Authorization'] = scheme === null ? token : scheme + ' ' + token;
  return header;
}

function statusOf(res) {
  return res && (res.statusCode !== undefined ? res.statusCode : res.status);
}

// One business request with `token`; settles even if the host never calls back.
function send(driver, options, tokenHeader, token) {
  var clock = driver.clock;
  return new Promise(function (resolve, reject) {
    var limit = options.timeout > 0 ? options.timeout : 60000;
    var timer = clock.setTimeout(function () {
      reject(Object.assign(new Error('wxlogin: request timed out'), { errMsg: 'request:fail timeout' }));
    }, limit + 1000);
    var done = function (f) {
      return function (value) {
        clock.clearTimeout(timer);
        f(value);
      };
    };
    var header = Object.assign({}, options.header, headerFor(tokenHeader, token));
    var request = Object.assign({}, options, { header: header, success: done(resolve), fail: done(reject) });
    delete request.complete;
    try {
      driver.host.request(request);
    } catch (e) {
      done(reject)(e);
    }
  });
}

// `request` with the token; on 401 the machine logs in once and the request is replayed once.
function authorizedRequest(driver, options, tokenHeader) {
  return driver.session().then(function (session) {
    return send(driver, options, tokenHeader, session.token).then(function (res) {
      if (statusOf(res) !== 401) return res;
      return driver.rejected(session.token).then(function (fresh) {
        return send(driver, options, tokenHeader, fresh.token);
      });
    });
  });
}

function createLogin(options) {
  if (!options || typeof options.baseUrl !== 'string') {
    throw new TypeError('wxlogin: createLogin needs options.baseUrl');
  }
  var host = options.host || defaultHost();
  if (!host) throw new TypeError('wxlogin: no wx, tt or uni here; pass options.host');
  var clock = options.clock || defaultClock();
  var tokenHeader = options.tokenHeader || {};
  var driver = null;

  var ready = loader.load(options).then(function (instance) {
    var abi = new Abi(instance);
    var handle = abi.create(machineConfig(options));
    driver = new Driver(abi, handle, host, clock, options.onDiagnostic);
    return driver;
  });
  var loaded = ready.then(function () {});
  // Marked handled here (a caller need not look at `ready`); every call below passes the
  // failure on to its own caller.
  ready.catch(function () {});
  loaded.catch(function () {});

  return {
    ready: loaded,
    session: function () {
      return driver ? driver.session() : ready.then(function (d) { return d.session(); });
    },
    token: function () {
      var session = driver && driver.validSession();
      return session ? session.token : null;
    },
    logout: function () {
      return ready.then(function (d) { return d.logout(); });
    },
    request: function (requestOptions) {
      return ready.then(function (d) { return authorizedRequest(d, requestOptions, tokenHeader); });
    },
    state: function () {
      if (!driver) return 'loading';
      return driver.dead ? 'dead' : driver.state;
    },
    destroy: function () {
      return ready.then(function (d) { d.destroy(); });
    },
  };
}

module.exports = { createLogin: createLogin };
