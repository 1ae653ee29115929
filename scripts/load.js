// A bounded load test of one worker, on loopback only: `node scripts/load.js` (after
// scripts/build.sh). It starts a dev node (`--dev --chain dev-fast`, temporary database) and a
// gateway worker beside it, then, measuring what the node's duties need (`GET /v1/held`, the
// route the offchain worker polls every block) all along:
//
// 1. slow clients: 40 uploads that announce 8 MiB and send a byte a second, and 40 downloads
//    whose client never reads (they hold the download slots until they leave or 30 s pass);
// 2. a flood: 24 uploads of 8 MiB at once (two are taken at a time, the rest get 503) and 300
//    concurrent small requests;
// 3. a crash: the worker is killed (SIGKILL) in the middle of an upload and restarted: the
//    upload left nothing behind, and what was stored before is served unchanged.
//
// It first measures one 256 MiB upload and its download (MiB/s), then prints the latency of
// `/v1/held` under each load, the worker's peak memory (VmHWM) and what each request got, and fails if the node's route ever took longer than 1 s, if memory
// passed 512 MiB, or if anything partial was left.
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/zg-chain/target');
const NODE = process.env.ZG_NODE ?? path.join(TARGET, 'release/zg-node');
const WORKER = process.env.ZG_WORKER ?? path.join(TARGET, 'release/zg-worker');
const RPC_PORT = 19944;
const PORT = 18700;
const BASE = `http://127.0.0.1:${PORT}`;
// The worker's private API (what the node calls: held shards, proofs), on loopback.
const PRIVATE = `http://127.0.0.1:${PORT + 100}`;
const MIB = 1 << 20;

const log = (msg) => console.log(`[load] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function request(method, url, { headers = {}, body, timeout = 120_000 } = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method, headers, timeout }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      res.on('error', () => resolve({ status: 0, ms: 0 }));
    });
    req.on('error', (e) => resolve({ status: 0, error: e.code, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    req.on('timeout', () => req.destroy());
    if (body) req.end(body);
    else req.end();
  });
}

function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

// Polls the node's route every 100 ms while `work` runs; gives its latencies (ms).
async function probing(work) {
  const latencies = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const r = await request('GET', `${PRIVATE}/v1/held`, { timeout: 5_000 });
      latencies.push(r.status === 200 ? r.ms : Infinity);
      await sleep(100);
    }
  })();
  const result = await work();
  done = true;
  await probe;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { result, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1], n: latencies.length };
}

function count(results) {
  const by = {};
  for (const r of results) by[r.status] = (by[r.status] ?? 0) + 1;
  return JSON.stringify(by);
}

function startWorker(dir) {
  const args = ['--listen', `127.0.0.1:${PORT}`, '--private-listen', `127.0.0.1:${PORT + 100}`, '--store', path.join(dir, 'store'), '--node', `ws://127.0.0.1:${RPC_PORT}`, '--gateway'];
  const child = spawn(WORKER, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'worker.log'), 'a')] });
  return child;
}

async function waitFor(what, check, tries = 600) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what} did not start`);
}

const waitHealthy = () =>
  waitFor('the worker', async () => (await request('GET', `${BASE}/health`, { timeout: 1_000 })).status === 200);

// An upload that announces `len` bytes and sends one byte a second until stopped.
function slowUpload(len) {
  const req = http.request(`${BASE}/v1/files?data_shards=2&parity_shards=1`, { method: 'POST', headers: { 'content-length': len } });
  req.on('error', () => {});
  let status = 0;
  req.on('response', (res) => {
    status = res.statusCode;
    res.resume();
  });
  const timer = setInterval(() => req.write(Buffer.alloc(1)), 1_000);
  return { stop: () => (clearInterval(timer), req.destroy(), status) };
}

// A download whose client reads the headers and never the body.
function stalledDownload(root) {
  return new Promise((resolve) => {
    const req = http.get(`${BASE}/v1/files/${root}`, (res) => {
      res.pause();
      resolve({ status: res.statusCode, stop: () => req.destroy() });
    });
    req.on('error', () => resolve({ status: 0, stop: () => {} }));
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-load-'));
  const node = spawn(NODE, ['--dev', '--chain', 'dev-fast', '--tmp', '--rpc-port', `${RPC_PORT}`, '--port', '0', '--no-prometheus'], { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'node.log'), 'a')] });
  let worker;
  const failures = [];
  try {
    await waitFor('the dev node', () => request('POST', `http://127.0.0.1:${RPC_PORT}`, {
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}',
      timeout: 1_000,
    }).then((r) => r.status === 200));
    worker = startWorker(dir);
    await waitHealthy();
    const file = crypto.randomBytes(8 * MIB);
    const stored = await request('POST', `${BASE}/v1/files?data_shards=2&parity_shards=1`, { body: file, headers: { 'content-length': file.length } });
    if (stored.status !== 200) throw new Error(`a plain upload got ${stored.status}: ${stored.body}`);
    const root = JSON.parse(stored.body).root;
    // 0. Throughput of one upload and of its download through the HTTP API (4 + 2).
    const large = crypto.randomBytes(256 * MIB);
    const up = await request('POST', `${BASE}/v1/files?data_shards=4&parity_shards=2`, { body: large, headers: { 'content-length': large.length }, timeout: 600_000 });
    if (up.status !== 200) throw new Error(`the 256 MiB upload got ${up.status}: ${up.body}`);
    const down = await request('GET', `${BASE}/v1/files/${JSON.parse(up.body).root}`, { timeout: 600_000 });
    log(`one upload of 256 MiB (k 4, m 2) through POST /v1/files: ${(256_000 / up.ms).toFixed(0)} MiB/s; its download: ${(256_000 / down.ms).toFixed(0)} MiB/s, ${down.body?.equals(large) ? 'identical' : 'DIFFERENT'}; worker ${JSON.stringify(memory(worker.pid))} MiB`);
    if (!down.body?.equals(large)) failures.push('the 256 MiB download differed');
    const idle = await probing(() => sleep(3_000));
    log(`idle: /v1/held p50 ${idle.p50.toFixed(1)} ms, p99 ${idle.p99.toFixed(1)} ms; worker ${JSON.stringify(memory(worker.pid))} MiB`);

    // 1. Slow and stalled clients.
    const slow = await probing(async () => {
      const uploads = Array.from({ length: 40 }, () => slowUpload(8 * MIB));
      const downloads = await Promise.all(Array.from({ length: 40 }, () => stalledDownload(root)));
      await sleep(10_000);
      // While they hold the download slots, other downloads get 503; once they go, the
      // slots are free again.
      const during = await request('GET', `${BASE}/v1/files/${root}`);
      for (const d of downloads) d.stop();
      const statuses = uploads.map((u) => u.stop());
      await sleep(500);
      const fresh = await request('GET', `${BASE}/v1/files/${root}`);
      return { during, fresh, downloads: count(downloads), uploads: count(statuses.map((s) => ({ status: s }))) };
    });
    log(`40 slow uploads (${slow.result.uploads}) and 40 stalled downloads (${slow.result.downloads}): another download got ${slow.result.during.status} meanwhile, ${slow.result.fresh.status} once they left, in ${slow.result.fresh.ms.toFixed(0)} ms; /v1/held p50 ${slow.p50.toFixed(1)} ms, p99 ${slow.p99.toFixed(1)} ms, max ${slow.max.toFixed(1)} ms`);
    if (slow.result.fresh.status !== 200 || !slow.result.fresh.body.equals(file)) failures.push('a download during slow clients failed or differed');
    if (slow.max > 1_000) failures.push(`/v1/held took ${slow.max} ms under slow clients`);

    // 2. A flood.
    const flood = await probing(async () => {
      const bodies = Array.from({ length: 24 }, () => crypto.randomBytes(8 * MIB));
      const uploads = bodies.map((b) => request('POST', `${BASE}/v1/files?data_shards=4&parity_shards=2`, { body: b, headers: { 'content-length': b.length } }));
      const small = Array.from({ length: 300 }, (_, i) => request('GET', i % 2 ? `${BASE}/v1/status/${root}` : `${PRIVATE}/v1/proofs/${root}/0/${i}`));
      return { uploads: count(await Promise.all(uploads)), small: count(await Promise.all(small)) };
    });
    const mem = memory(worker.pid);
    log(`24 uploads of 8 MiB at once (${flood.result.uploads}) and 300 small requests (${flood.result.small}): /v1/held p50 ${flood.p50.toFixed(1)} ms, p99 ${flood.p99.toFixed(1)} ms, max ${flood.max.toFixed(1)} ms; worker RSS ${mem.rss.toFixed(0)} MiB, peak ${mem.peak.toFixed(0)} MiB`);
    if (flood.max > 1_000) failures.push(`/v1/held took ${flood.max} ms under the flood`);
    if (mem.peak > 512) failures.push(`the worker's memory peaked at ${mem.peak} MiB`);

    // 3. A crash in the middle of an upload.
    const tmp = path.join(dir, 'store', '.tmp');
    const big = crypto.randomBytes(32 * MIB);
    const cut = http.request(`${BASE}/v1/files?data_shards=2&parity_shards=1`, { method: 'POST', headers: { 'content-length': big.length } });
    cut.on('error', () => {});
    cut.write(big.subarray(0, 20 * MIB));
    await sleep(1_500);
    const partial = fs.readdirSync(tmp).length;
    worker.kill('SIGKILL');
    await sleep(500);
    const dirsBefore = fs.readdirSync(path.join(dir, 'store')).filter((d) => d.startsWith('0x')).sort();
    worker = startWorker(dir);
    await waitHealthy();
    const left = fs.readdirSync(tmp).length;
    const dirsAfter = fs.readdirSync(path.join(dir, 'store')).filter((d) => d.startsWith('0x')).sort();
    const again = await request('GET', `${BASE}/v1/files/${root}`);
    log(`killed mid-upload with ${partial} temporaries on disk; after the restart: ${left} temporaries, files ${dirsAfter.length} (before ${dirsBefore.length}), the first file served ${again.status} and ${again.body?.equals(file) ? 'identical' : 'DIFFERENT'}`);
    if (left !== 0 || dirsAfter.join() !== dirsBefore.join() || again.status !== 200 || !again.body.equals(file)) failures.push('the crash left something behind or lost a file');
  } finally {
    worker?.kill('SIGKILL');
    node.kill('SIGKILL');
  }
  if (failures.length) {
    console.error(`[load] FAILED: ${failures.join('; ')} (logs in ${dir})`);
    process.exit(1);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  log('passed');
}

// Clients that the worker cuts off (as it should) see their sockets fail.
process.on('uncaughtException', (e) => {
  if (!['EPIPE', 'ECONNRESET'].includes(e.code)) throw e;
});

main().catch((e) => {
  console.error(`[load] ${e.stack ?? e}`);
  process.exit(1);
});
