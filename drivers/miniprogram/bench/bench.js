'use strict';
// The README's figures: `npm run bench` in drivers/miniprogram. Not a test: it only measures.
//   module size raw / gzip / brotli; cold instantiate in Node (a fresh process per sample);
//   what one cold login costs in countable units (boundary calls, JSON bytes, timers) and in
//   CPU time, split into the module's own calls and the adapter's JS on top of them;
//   session() and token() from memory.
// Times are CPU time of this process (process.cpuUsage: user + system), which a busy machine
// inflates far less than wall time. Each figure is measured in rounds of many logins, the
// adapter and the bare module interleaved round by round so that both see the same load;
// the median round is the figure, the quartiles of the rounds show the spread. The login
// figures are measured twice: with Node's JIT, and in a child process whose JavaScript is
// only interpreted (V8's Ignition, `--no-opt --no-sparkplug --no-maglev`; wasm is still
// compiled), a stand-in for iOS, where the mini program's JavaScriptCore runs without a JIT.
// BENCH_ROUNDS and BENCH_BATCH override the defaults.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const { createLogin } = require('../miniprogram_dist/index.js');
const { BASE_URL, USUAL_HEADERS, syncHost, recordColdAndWarm } = require('../test/support/boundary.js');

const BR = path.join(__dirname, '..', 'miniprogram_dist', 'wxlogin.wasm.br');
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 101;
const BATCH = Number(process.env.BENCH_BATCH) || 50;
const INTERPRETED = ['--no-opt', '--no-sparkplug', '--no-maglev'];
const quantile = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.round(q * (xs.length - 1))];
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function sizes() {
  const br = fs.readFileSync(BR);
  const wasm = zlib.brotliDecompressSync(br);
  return { raw: wasm.length, gzip: zlib.gzipSync(wasm, { level: 9 }).length, br: br.length };
}

// One sample in a fresh process: read + brotli-decompress, then compile and instantiate.
const COLD = `
const fs = require('fs'), zlib = require('zlib');
const t = () => Number(process.hrtime.bigint()) / 1e6;
const t0 = t(); const bytes = zlib.brotliDecompressSync(fs.readFileSync(${JSON.stringify(BR)}));
const t1 = t();
WebAssembly.instantiate(bytes, {}).then(() => console.log(JSON.stringify({ unpack: t1 - t0, instantiate: t() - t1 })));
`;

function coldInstantiate(samples) {
  const runs = [];
  for (let i = 0; i < samples; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, ['-e', COLD], { encoding: 'utf8' })));
  }
  return { unpack: runs.map((r) => r.unpack), instantiate: runs.map((r) => r.instantiate) };
}

// CPU µs per cold login through the adapter: BATCH machines created first (not timed), then
// session() on each, every promise settled, timers and GC included.
async function adapterRound(instance, header) {
  const logins = [];
  for (let i = 0; i < BATCH; i++) {
    const host = syncHost(new Map(), header);
    logins.push(createLogin({ baseUrl: BASE_URL, host, instantiate: () => instance, seed: 1 }));
  }
  await Promise.all(logins.map((l) => l.ready));
  const t0 = cpu();
  await Promise.all(logins.map((l) => l.session()));
  const spent = cpu() - t0;
  await Promise.all(logins.map((l) => l.destroy()));
  return spent / BATCH;
}

// CPU µs per cold login inside the module: the recorded calls of one login replayed on the
// bare exports for BATCH new machines, inputs copied into one buffer, replies left unread.
function moduleRound(x, recorded) {
  const calls = recorded.log.slice(recorded.setup);
  const config = recorded.log.find((c) => c.name === 'wxl_new').input;
  const buffer = x.wxl_alloc(4096);
  const put = (bytes) => new Uint8Array(x.memory.buffer, buffer, bytes.length).set(bytes);
  const handles = [];
  for (let i = 0; i < BATCH; i++) {
    put(config);
    const len = x.wxl_new(buffer, config.length);
    const reply = new Uint8Array(x.memory.buffer, x.wxl_out_ptr(), len);
    handles.push(JSON.parse(Buffer.from(reply).toString()).ok);
  }
  const t0 = cpu();
  for (const h of handles) {
    for (const { name, args, input } of calls) {
      if (name === 'wxl_handle') {
        put(input);
        x.wxl_handle(h, buffer, input.length, args[3]);
      } else if (name === 'wxl_timeout' || name === 'wxl_session') x[name](h, args[1]);
      else if (name === 'wxl_poll') x.wxl_poll(h);
    }
  }
  const spent = cpu() - t0;
  for (const h of handles) x.wxl_drop(h);
  x.wxl_free(buffer);
  return spent / BATCH;
}

async function coldLogins(module, recorded, header) {
  const instance = new WebAssembly.Instance(module, {});
  const bare = new WebAssembly.Instance(module, {}).exports;
  const total = [];
  const inModule = [];
  const js = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = await adapterRound(instance, header);
    const m = moduleRound(bare, recorded);
    total.push(t);
    inModule.push(m);
    js.push(t - m);
  }
  return { total, inModule, js };
}

// CPU µs per call of session() (resolved from memory) and token(), in interleaved rounds.
async function fromMemory(module) {
  const login = createLogin({ baseUrl: BASE_URL, host: syncHost(), instantiate: () => new WebAssembly.Instance(module, {}) });
  await login.session();
  const n = 20000;
  const session = [];
  const token = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = cpu();
    for (let i = 0; i < n; i++) login.session();
    session.push((cpu() - t0) / n);
    t0 = cpu();
    for (let i = 0; i < n; i++) login.token();
    token.push((cpu() - t0) / n);
  }
  await login.destroy();
  return { session, token };
}

function show(label, xs, unit, digits) {
  const f = (q) => quantile(xs, q).toFixed(digits);
  console.log(`| ${label} | ${f(0.5)} ${unit} (${f(0.25)}–${f(0.75)}) |`);
}

function counts(label, c) {
  const calls = Object.keys(c.byName).map((k) => `${k} ${c.byName[k]}`).join(', ');
  console.log(`| ${label}: boundary calls / JSON bytes in / out / timers armed / cleared | ` +
    `${c.calls} (${calls}) / ${c.bytesIn} / ${c.bytesOut} / ${c.timersArmed} / ${c.timersCleared} |`);
}

// The login figures of this process, as JSON on stdout when run as the child.
async function loginFigures(module, recorded) {
  await coldLogins(module, recorded.cold); // warms the JIT (or the interpreter's caches)
  const login = await coldLogins(module, recorded.cold);
  const headers = await coldLogins(module, recorded.headers, USUAL_HEADERS);
  const memory = await fromMemory(module);
  return Object.assign(login, { headersJs: headers.js }, memory);
}

function showLogins(how, f) {
  show(`one cold login, CPU, ${how}: total`, f.total, 'µs', 1);
  show(`one cold login, CPU, ${how}: inside the module`, f.inModule, 'µs', 1);
  show(`one cold login, CPU, ${how}: **the adapter's JS on top of the module**`, f.js, 'µs', 1);
  show(`the same, the responses with ${Object.keys(USUAL_HEADERS).length} usual headers`, f.headersJs, 'µs', 1);
  show(`session() from memory, CPU, ${how}`, f.session, 'µs', 3);
  show(`token() from memory, CPU, ${how}`, f.token, 'µs', 3);
}

async function main() {
  const module = new WebAssembly.Module(zlib.brotliDecompressSync(fs.readFileSync(BR)));
  const recorded = await recordColdAndWarm(module);
  if (process.env.BENCH_CHILD) {
    process.stdout.write(JSON.stringify(await loginFigures(module, recorded)));
    return;
  }
  const loadBefore = os.loadavg()[0];
  const s = sizes();
  const cold = coldInstantiate(9);
  const jit = await loginFigures(module, recorded);
  const interpreted = JSON.parse(execFileSync(process.execPath, INTERPRETED.concat([__filename]), {
    encoding: 'utf8',
    env: Object.assign({}, process.env, { BENCH_CHILD: '1' }),
  }));
  console.log(`node ${process.version}, ${os.cpus()[0].model} x${os.cpus().length}, ` +
    `load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after; ` +
    `${ROUNDS} rounds of ${BATCH} logins; median (quartiles of the rounds)`);
  console.log('| figure | value |');
  console.log('|---|---|');
  console.log(`| module size raw / gzip -9 / brotli 11 | ${s.raw} / ${s.gzip} / ${s.br} bytes |`);
  show('cold start, fresh process: unpack .br (wall)', cold.unpack, 'ms', 2);
  show('cold start, fresh process: instantiate (wall)', cold.instantiate, 'ms', 2);
  counts('one cold login', recorded.cold.counts);
  counts('one relaunch with a stored token', recorded.warm.counts);
  counts(`one cold login, ${Object.keys(USUAL_HEADERS).length} usual response headers`, recorded.headers.counts);
  showLogins('JIT', jit);
  showLogins('interpreter only', interpreted);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
