'use strict';
// wxlogin-miniprogram: the wxlogin LoginMachine (WebAssembly) driven by the mini program's own
// APIs. See index.d.ts for the API and README.md in the package for the setup.
var login = require('./login.js');
var loader = require('./loader.js');

module.exports = {
  createLogin: login.createLogin,
  DEFAULT_WASM_PATH: loader.DEFAULT_PATH,
};
