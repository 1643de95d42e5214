'use strict';
// The driver loop around one machine: feed an input, carry out every command it gives, keep
// one timer for the next deadline, and settle the waiters' promises.
var effects = require('./host.js');

function noop() {}

// A login failure (`LoginFailure` JSON) as an Error that keeps what the world said.
function failureError(failure) {
  var what = failure.errMsg || (failure.status ? 'status ' + failure.status : '') ||
    (failure.error && (failure.error.message || failure.error.kind)) || '';
  var error = new Error('wxlogin: ' + failure.kind + (what ? ': ' + what : ''));
  error.name = 'WxLoginFailure';
  error.kind = failure.kind;
  error.failure = failure;
  return error;
}

function Driver(abi, handle, host, clock, onDiagnostic) {
  this.abi = abi;
  this.h = handle;
  this.host = host;
  this.clock = clock;
  // A diagnostic hook that throws must not break the loop.
  this.diagnostic = function (d) {
    try {
      (onDiagnostic || noop)(d);
    } catch (e) {
      // Ignored: diagnostics are advisory.
    }
  };
  this.waiters = {};
  this.nextWaiter = 1;
  this.inbox = [];
  this.outbox = [];
  this.pumping = false;
  this.timer = null;
  this.timerAt = 0; // when `timer` fires
  this.deadline = null;
  this.fire = this.onTimer.bind(this);
  this.cached = null; // undefined: ask the module; null: no session; else the session
  this.state = 'idle';
  this.dead = null;
}

// A new waiter named in `event`; the promise settles with its `complete`.
Driver.prototype.wait = function (event) {
  if (this.dead) return Promise.reject(this.dead);
  var self = this;
  var waiter = this.nextWaiter++;
  var promise = new Promise(function (resolve, reject) {
    self.waiters[waiter] = { resolve: resolve, reject: reject };
  });
  event.waiter = waiter;
  this.feed({ event: event });
  return promise;
};

Driver.prototype.feed = function (input) {
  if (this.dead) return;
  this.inbox.push(input);
  this.pump();
};

// Commands first, then the next input: an answer given synchronously inside a host call
// waits until the commands before it have run.
Driver.prototype.pump = function () {
  if (this.pumping) return;
  this.pumping = true;
  try {
    while (!this.dead && (this.outbox.length || this.inbox.length)) {
      if (this.outbox.length) this.execute(this.outbox.shift());
      else this.step(this.inbox.shift());
    }
  } finally {
    this.pumping = false;
  }
};

Driver.prototype.step = function (input) {
  var now = this.clock.now();
  var drain;
  try {
    drain = input.event ? this.abi.handle(this.h, input.event, now) : this.abi.timeout(this.h, now);
  } catch (e) {
    if (this.abi.trapped) return this.die(this.abi.trapped);
    // Refused: the machine is unchanged. A waiter the event named would otherwise hang.
    var waiter = input.event && input.event.waiter;
    if (waiter) this.settle([waiter], null, e);
    this.diagnostic({ type: 'refused', event: input.event && input.event.type, error: e });
    return;
  }
  this.cached = undefined;
  if (drain.handled === 'late') this.diagnostic({ type: 'late', event: input.event.type });
  this.state = drain.state;
  Array.prototype.push.apply(this.outbox, drain.commands);
  this.arm(drain.deadlineMs);
};

// Every command kind, matched exhaustively; an unknown kind is a module newer than this file.
Driver.prototype.execute = function (command) {
  switch (command.type) {
    case 'readStorage': return effects.readStorage(this.host, command, new Answer(this));
    case 'checkWxSession': return effects.checkWxSession(this.host, command, new Answer(this));
    case 'wxLogin': return effects.wxLogin(this.host, command, new Answer(this));
    case 'sendRequest': return effects.sendRequest(this.host, command, new Answer(this));
    case 'writeStorage': return effects.writeStorage(this.host, command);
    case 'removeStorage': return effects.removeStorage(this.host, command);
    case 'complete': {
      var outcome = command.outcome;
      return this.settle(command.waiters, outcome.ok, outcome.error && failureError(outcome.error));
    }
    default: return this.diagnostic({ type: 'unknownCommand', command: command.type });
  }
};

// The one answer to one effect: a second call of a doubled callback is dropped here.
function Answer(driver) {
  this.driver = driver;
  this.given = false;
}

Answer.prototype.give = function (event) {
  if (this.given) {
    this.driver.diagnostic({ type: 'duplicateCallback', event: event.type });
    return;
  }
  this.given = true;
  this.driver.feed({ event: event });
};

Driver.prototype.settle = function (waiters, session, error) {
  for (var i = 0; i < waiters.length; i++) {
    var waiter = this.waiters[waiters[i]];
    if (!waiter) continue;
    delete this.waiters[waiters[i]];
    if (error) waiter.reject(error);
    else waiter.resolve({ token: session.token, expiresAt: session.expiresAt });
  }
};

// One timer for the machine's next deadline. A timer that fires no later than the deadline
// is kept (a later deadline is the common case: each step waits longer than the one
// before); when it fires early it is armed again for the rest. An earlier deadline re-arms
// it; none clears it.
Driver.prototype.arm = function (deadlineMs) {
  var deadline = deadlineMs === undefined ? null : deadlineMs;
  this.deadline = deadline;
  if (this.timer !== null && deadline !== null && this.timerAt <= deadline) return;
  if (this.timer !== null) this.clock.clearTimeout(this.timer);
  this.timer = null;
  if (deadline === null) return;
  this.timerAt = deadline;
  this.timer = this.clock.setTimeout(this.fire, Math.max(0, deadline - this.clock.now()));
};

Driver.prototype.onTimer = function () {
  this.timer = null;
  if (this.deadline === null) return;
  if (this.clock.now() < this.deadline) this.arm(this.deadline);
  else this.feed({ timeout: true });
};

// A trapped module: every waiter fails now, and every later call fails at once.
Driver.prototype.die = function (error) {
  this.dead = error;
  this.inbox = [];
  this.outbox = [];
  this.arm(null);
  var pending = Object.keys(this.waiters);
  for (var i = 0; i < pending.length; i++) {
    this.waiters[pending[i]].reject(error);
  }
  this.waiters = {};
  this.diagnostic({ type: 'dead', error: error });
};

// The verified session valid now, from memory: the module is asked once per change.
Driver.prototype.validSession = function () {
  if (this.dead) return null;
  var now = this.clock.now();
  if (this.cached === undefined) {
    try {
      this.cached = this.abi.session(this.h, now);
    } catch (e) {
      if (this.abi.trapped) this.die(this.abi.trapped);
      return null;
    }
  }
  var session = this.cached;
  return session && now < session.expiresAt ? session : null;
};

Driver.prototype.session = function () {
  var session = this.validSession();
  if (session) return Promise.resolve({ token: session.token, expiresAt: session.expiresAt });
  return this.wait({ type: 'loginRequested' });
};

Driver.prototype.rejected = function (token) {
  return this.wait({ type: 'sessionRejected', token: token });
};

Driver.prototype.logout = function () {
  if (this.dead) return Promise.reject(this.dead);
  this.feed({ event: { type: 'logout' } });
  return Promise.resolve();
};

Driver.prototype.destroy = function () {
  if (this.dead) return;
  this.die(new Error('wxlogin: destroyed'));
  try {
    this.abi.drop(this.h);
  } catch (e) {
    // A trapped module cannot drop anything; the instance is garbage either way.
  }
};

module.exports = { Driver: Driver, failureError: failureError };
