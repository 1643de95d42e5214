'use strict';
// One test's world: virtual clock, fake server over HTTP, fake host, and logins on them.
const { createLogin } = require('../../miniprogram_dist/index.js');
const { Clock } = require('./clock.js');
const { FakeServer } = require('./server.js');
const { FakeHost } = require('./host.js');

async function world(t) {
  const clock = new Clock();
  const server = await new FakeServer().start();
  server.now = () => clock.now();
  const host = new FakeHost(clock);
  const diagnostics = [];
  const logins = [];
  t.after(async () => {
    for (const login of logins) await login.destroy().catch(() => {});
    await server.stop();
  });
  const open = (options) => {
    const login = createLogin(Object.assign({
      baseUrl: server.baseUrl,
      host,
      clock: clock.api(),
      seed: 7,
      onDiagnostic: (d) => diagnostics.push(d),
    }, options));
    logins.push(login);
    return login;
  };
  // The invariants every test ends with: never two wx.login in flight, each code sent once.
  const invariants = (assert) => {
    assert.deepEqual(host.violations, []);
    const codes = server.codesSeen;
    assert.equal(new Set(codes).size, codes.length, `a code was sent twice: ${codes}`);
  };
  return { clock, server, host, diagnostics, open, invariants };
}

module.exports = { world };
