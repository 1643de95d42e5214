'use strict';
// A fake developer server over real HTTP on loopback: POST /login exchanges a code for a
// token (each code once), GET /session checks a token, GET /api/data is a business route.
// Switches make it answer 5xx, hang, or reject tokens; it records every request.
const http = require('node:http');

class FakeServer {
  constructor() {
    this.tokens = new Map(); // token -> expiresAtMs (server clock = the virtual clock)
    this.codesSeen = [];
    this.requests = [];
    this.loginAnswers = []; // queued: 'hang' | {status, body}
    this.sessionAnswers = []; // the same, for GET /session
    this.nextToken = 1;
    this.tokenPrefix = 'tok';
    this.expiresIn = 7200;
    this.now = () => Date.now();
    this.hanging = [];
  }

  start() {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => this.route(req, res, body));
    });
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.baseUrl = `http://127.0.0.1:${this.server.address().port}`;
        resolve(this);
      });
    });
  }

  stop() {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }

  token(req) {
    const header = req.headers.authorization || '';
    const [scheme, token] = header.split(' ');
    if (scheme !== 'Bearer' || !this.tokens.has(token)) return null;
    return this.tokens.get(token) > this.now() ? token : null;
  }

  send(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  route(req, res, body) {
    this.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    if (req.method === 'POST' && req.url === '/login') return this.login(res, body);
    if (req.method === 'GET' && req.url === '/session') {
      const answer = this.sessionAnswers.shift();
      if (answer === 'hang') return this.hanging.push(res);
      if (answer) return this.send(res, answer.status, answer.body);
      return this.token(req)
        ? this.send(res, 200, { expires_in: this.expiresIn })
        : this.send(res, 401, { error: 'session_expired', message: 'log in again' });
    }
    if (req.url === '/api/data') {
      return this.token(req)
        ? this.send(res, 200, { data: '数据 ok' })
        : this.send(res, 401, { error: 'session_expired', message: 'log in again' });
    }
    return this.send(res, 404, { error: 'not_found', message: req.url });
  }

  login(res, body) {
    const code = JSON.parse(body).code;
    const used = this.codesSeen.includes(code);
    this.codesSeen.push(code);
    const answer = this.loginAnswers.shift();
    if (answer === 'hang') {
      this.hanging.push(res);
      return undefined;
    }
    if (answer) return this.send(res, answer.status, answer.body);
    if (used) return this.send(res, 400, { error: 'code_used', message: 'code used', errcode: 40163 });
    const token = `${this.tokenPrefix}${this.nextToken++}`;
    this.tokens.set(token, this.now() + this.expiresIn * 1000);
    return this.send(res, 200, { token, expires_in: this.expiresIn });
  }

  revokeAll() {
    this.tokens.clear();
  }

  logins() {
    return this.requests.filter((r) => r.url === '/login').length;
  }
}

module.exports = { FakeServer };
