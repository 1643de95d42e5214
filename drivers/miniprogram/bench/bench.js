'use strict';
// The README's figures: `npm run bench` in drivers/miniprogram. Not a test: it only measures.
//   module size raw / gzip / brotli; cold instantiate in Node (a fresh process per sample);
//   the JS cost of one cold login on top of the module's own calls (CPU time, measured by
//   replaying the recorded calls on the bare exports); session() and token() from memory.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const { createLogin } = require('../miniprogram_dist/index.js');

const BR = path.join(__dirname, '..', 'miniprogram_dist', 'wxlogin.wasm.br');
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, fractional
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

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
  return { unpack: median(runs.map((r) => r.unpack)), instantiate: median(runs.map((r) => r.instantiate)) };
}

// A host that answers at once, inside the call: a cold login runs to its end synchronously.
function syncHost() {
  const storage = new Map();
  const granted = JSON.stringify({ token: 'bench-token-0123456789abcdef', expires_in: 7200 });
  return {
    getStorage: (o) => (storage.has(o.key) ? o.success({ data: storage.get(o.key) }) : o.fail({ errMsg: 'getStorage:fail data not found' })),
    setStorage: (o) => storage.set(o.key, o.data),
    removeStorage: (o) => storage.delete(o.key),
    checkSession: (o) => o.success({}),
    login: (o) => o.success({ code: 'bench-code' }),
    request: (o) => o.success({ statusCode: 200, header: { 'content-type': 'application/json' }, data: granted }),
  };
}

// CPU time in µs of this process (user + system): steadier than wall time on a busy machine.
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };

// An instance whose exports record each call, with the input bytes a call reads.
function recordingInstance(module, log) {
  const real = new WebAssembly.Instance(module, {}).exports;
  const exports = { memory: real.memory };
  const bytes = (addr, len) => new Uint8Array(real.memory.buffer, addr, len).slice();
  for (const name of Object.keys(real)) {
    if (typeof real[name] !== 'function') continue;
    exports[name] = (...args) => {
      const input = name === 'wxl_new' ? bytes(args[0], args[1]) : name === 'wxl_handle' ? bytes(args[1], args[2]) : null;
      const result = real[name](...args);
      log.push({ name, args, input, result });
      return result;
    };
  }
  return { exports };
}

// The module's share: the recorded calls replayed on the bare exports, inputs copied in,
// replies left unread; the CPU time of those from `from` on (the login, not the creation).
function replay(x, log, from) {
  let t0 = 0;
  const addrs = new Map();
  // Buffers allocated before the recording started are allocated here on first use.
  const addr = (a) => {
    if (!addrs.has(a)) addrs.set(a, x.wxl_alloc(4096));
    return addrs.get(a);
  };
  let handle = 0;
  for (let i = 0; i < log.length; i++) {
    if (i === from) t0 = cpu();
    const { name, args, input, result } = log[i];
    if (name === 'wxl_alloc') addrs.set(result, x.wxl_alloc(args[0]));
    else if (name === 'wxl_new') {
      new Uint8Array(x.memory.buffer, addr(args[0]), input.length).set(input);
      const len = x.wxl_new(addr(args[0]), args[1]);
      const reply = new Uint8Array(x.memory.buffer, x.wxl_out_ptr(), len);
      handle = JSON.parse(Buffer.from(reply).toString()).ok;
    } else if (name === 'wxl_handle') {
      new Uint8Array(x.memory.buffer, addr(args[1]), input.length).set(input);
      x.wxl_handle(handle, addr(args[1]), args[2], args[3]);
    } else if (name === 'wxl_timeout' || name === 'wxl_session') x[name](handle, args[1]);
    else if (name === 'wxl_poll') x.wxl_poll(handle);
  }
  const spent = cpu() - t0;
  for (const addr of addrs.values()) x.wxl_free(addr);
  x.wxl_drop(handle);
  return spent;
}

// A cold login is a new machine from nothing in an instance already loaded; the flow runs to
// its end inside session() because the host answers at once. CPU time per sample, median.
async function coldLogins(module, samples) {
  const log = [];
  const instance = recordingInstance(module, log);
  const open = (inst) => createLogin({ baseUrl: 'https://api.example.com', host: syncHost(), instantiate: () => inst, seed: 1 });
  const recorded = open(instance);
  await recorded.ready;
  const setup = log.length; // the machine's creation: not part of the login
  await recorded.session();
  const calls = log.slice(setup).filter((c) => c.name !== 'wxl_out_ptr');

  // One machine at a time, as in an app; the median sample, so a collection that happens to
  // fall into one sample does not count as the login's cost.
  const bare = new WebAssembly.Instance(module, {});
  const totals = [];
  for (let i = 0; i < samples; i++) {
    const login = open(bare);
    await login.ready;
    const t0 = cpu();
    const session = login.session();
    totals.push(cpu() - t0);
    await session;
    await login.destroy();
  }
  const x = new WebAssembly.Instance(module, {}).exports;
  const replays = [];
  for (let i = 0; i < samples; i++) replays.push(replay(x, log, setup));
  const total = median(totals);
  const wasm = median(replays);
  return { total, wasm, calls: calls.length };
}

async function fromMemory(module, n) {
  const login = createLogin({ baseUrl: 'https://api.example.com', host: syncHost(), instantiate: () => new WebAssembly.Instance(module, {}) });
  await login.session();
  let t0 = cpu();
  for (let i = 0; i < n; i++) login.session();
  const session = (cpu() - t0) / n;
  t0 = cpu();
  for (let i = 0; i < n; i++) login.token();
  return { session, token: (cpu() - t0) / n };
}

async function main() {
  const s = sizes();
  const cold = coldInstantiate(9);
  const module = new WebAssembly.Module(zlib.brotliDecompressSync(fs.readFileSync(BR)));
  await coldLogins(module, 200); // warm the JIT for the adapter's own code
  const login = await coldLogins(module, 2000);
  const memory = await fromMemory(module, 200000);
  const us = (x) => `${x.toFixed(2)} µs`;
  console.log(`node ${process.version}, ${require('node:os').cpus()[0].model}`);
  console.log('| figure | value |');
  console.log('|---|---|');
  console.log(`| module size raw / gzip -9 / brotli 11 | ${s.raw} / ${s.gzip} / ${s.br} bytes |`);
  console.log(`| cold start in a fresh Node process: unpack .br / instantiate | ${cold.unpack.toFixed(2)} ms / ${cold.instantiate.toFixed(2)} ms |`);
  console.log(`| cold login (host answering at once), CPU: total / the module's ${login.calls} calls | ${us(login.total)} / ${us(login.wasm)} |`);
  console.log(`| JS cost of one cold login on top of the module (CPU) | ${us(login.total - login.wasm)} |`);
  console.log(`| session() from memory / token() (CPU) | ${us(memory.session)} / ${us(memory.token)} |`);
}

main().catch((e) => { console.error(e); process.exit(1); });
