// Measures the chain's throughput in balance transfers, on loopback only:
// `node scripts/tps.js` (after scripts/build.sh).
//
// It starts `zg-node --dev` (temporary database, `--pool-limit 20000`), pre-signs transfers
// (`balances.transferKeepAlive`, 1 0G each) from the 12 endowed dev accounts, round robin by
// nonce, submits them as fast as the node accepts them (256 requests in flight, and no more than
// the pool's limit waiting: beyond it the pool would evict older transactions to take new ones;
// a transaction the pool refuses as full is sent again a little later) and follows every block until
// all accepted transfers are included or none has been for 5 blocks. It reports:
// - submitted, accepted, refused and included transfers, and those accepted but never included
//   (lost: the check fails when there is any);
// - sustained transfers/s from the first block holding a transfer to the last;
// - the largest block, and per block the normal class's weight and length against their limits;
// - the ceiling the runtime's own weights allow (normal-class budget ÷ a transfer's weight);
// - the time the node took to prepare each block (from its log) against the proposal deadline;
// - the node's CPU and memory (RSS) under load and after.
//
// Options (environment): TPS_TRANSFERS (24000), TPS_SECONDS (a soak instead of a burst: submit
// for that long, signing as it goes, and report the node's memory every 5 minutes), TPS_ACCOUNTS (12), TPS_POOL (the node's default
// pool; or `fork-aware` / `single-state`), TPS_CHAIN (`dev`), TPS_NODE_ARGS (more node flags, e.g.
// `-l txpool=debug`), TPS_MIN (fail if sustained transfers/s fall below it), TPS_KEEP (keep the
// node's log and database). ZG_NODE names the node binary.
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const modules = path.join(__dirname, '../e2e/node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { cryptoWaitReady } = require(path.join(modules, '@polkadot/util-crypto'));

const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/zg-chain/target');
const NODE = process.env.ZG_NODE ?? path.join(TARGET, 'release/zg-node');
const TRANSFERS = Number(process.env.TPS_TRANSFERS ?? 24_000);
const ACCOUNTS = Number(process.env.TPS_ACCOUNTS ?? 12);
const POOL = process.env.TPS_POOL;
const CHAIN = process.env.TPS_CHAIN ?? 'dev';
const SECONDS = process.env.TPS_SECONDS ? Number(process.env.TPS_SECONDS) : undefined;
const MIN_TPS = process.env.TPS_MIN ? Number(process.env.TPS_MIN) : undefined;
const RPC_PORT = 19955;
const POOL_LIMIT = 20_000;
const IN_FLIGHT = 256;
const ZG = 10n ** 18n;
const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

const log = (msg) => console.log(`[tps] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint() / 1_000_000n);

// CPU (% of one core) and memory (MiB) of a process, sampled every second.
function sampler(pid) {
  const ticks = 100; // USER_HZ on Linux
  const read = () => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    // RSS, and its anonymous part (the heap): the rest is the database's files, mapped.
    return { cpu: (Number(stat[11]) + Number(stat[12])) / ticks, rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024, at: now() };
  };
  const samples = [];
  let last = read();
  const timer = setInterval(() => {
    try {
      const s = read();
      samples.push({ at: s.at, cpu: (100 * (s.cpu - last.cpu) * 1000) / (s.at - last.at), rss: s.rss, anon: s.anon });
      last = s;
    } catch {}
  }, 1000);
  return {
    samples,
    stop: () => clearInterval(timer),
    // Mean CPU and peak RSS between two instants.
    between(from, to) {
      const xs = samples.filter((s) => s.at >= from && s.at <= to);
      if (xs.length === 0) return { cpu: 0, rss: 0, peakRss: 0 };
      return {
        cpu: xs.reduce((a, s) => a + s.cpu, 0) / xs.length,
        rss: xs[xs.length - 1].rss,
        peakRss: Math.max(...xs.map((s) => s.rss)),
      };
    },
  };
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

function startNode(dir) {
  const args = ['--dev', '--chain', CHAIN, '--base-path', path.join(dir, 'node'), '--rpc-port', String(RPC_PORT),
    '--no-prometheus', '--no-telemetry', '--pool-limit', String(POOL_LIMIT), '--rpc-max-request-size', '64',
    '--rpc-max-connections', '1000'];
  if (POOL) args.push('--pool-type', POOL);
  if (process.env.TPS_NODE_ARGS) args.push(...process.env.TPS_NODE_ARGS.split(/\s+/).filter(Boolean));
  const out = fs.openSync(path.join(dir, 'zg-node.log'), 'w');
  log(`${NODE} ${args.join(' ')}`);
  return spawn(NODE, args, { stdio: ['ignore', out, out] });
}

// The node's "Prepared block for proposing at N (T ms)" lines: block number → ms.
function preparedTimes(logFile) {
  const times = new Map();
  for (const m of fs.readFileSync(logFile, 'utf8').matchAll(/Prepared block for proposing at (\d+) \((\d+) ms\)/g)) {
    times.set(Number(m[1]), Number(m[2]));
  }
  return times;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-tps-'));
  const node = startNode(dir);
  let failed = false;
  const stopNode = () => { if (node.exitCode === null) node.kill('SIGTERM'); };
  process.on('exit', stopNode);
  try {
    await cryptoWaitReady();
    const url = `ws://127.0.0.1:${RPC_PORT}`;
    // Wait for the node's RPC port, then connect.
    for (let i = 0; !(await portOpen(RPC_PORT)); i++) {
      if (i > 240 || node.exitCode !== null) throw new Error(`zg-node did not start: see ${dir}/zg-node.log`);
      await sleep(500);
    }
    const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
    const usage = sampler(node.pid);
    const keyring = new Keyring({ type: 'sr25519' });
    const names = [...DEV_NAMES, ...DEV_NAMES.map((n) => `${n}//stash`)];
    if (ACCOUNTS > names.length) throw new Error(`at most ${names.length} endowed dev accounts`);
    const senders = names.slice(0, ACCOUNTS).map((n) => keyring.addFromUri(`//${n}`));
    const dest = keyring.addFromUri('//tps-destination').address;

    // The runtime's own figures: the normal class's budget and what a transfer is charged.
    const weights = api.consts.system.blockWeights;
    const normalMax = weights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
    const lengthMax = api.consts.system.blockLength.max.normal.toNumber();
    const probe = api.tx.balances.transferKeepAlive(dest, ZG);
    const info = await probe.paymentInfo(senders[0].address);
    // What the block is charged: the call and its extensions (paymentInfo) plus the extrinsic base.
    const extrinsicBase = weights.perClass.normal.baseExtrinsic.refTime.toBigInt();
    const transferWeight = info.weight.refTime.toBigInt() + extrinsicBase;
    const blockBase = weights.baseBlock.refTime.toBigInt();
    const ceiling = Number(normalMax / transferWeight);
    log(`runtime: normal-class budget ${Number(normalMax) / 1e9} ms of ref time, a transfer ${Number(transferWeight) / 1e6} µs (of which the extrinsic base ${Number(extrinsicBase) / 1e6} µs), block base ${Number(blockBase) / 1e6} µs: at most ${ceiling} transfers per block by weight`);

    // Pre-sign every transfer before measuring (immortal, explicit nonces).
    const genesis = api.genesisHash;
    const nonces = await Promise.all(senders.map((s) => api.rpc.system.accountNextIndex(s.address).then((n) => n.toNumber())));
    const signing = { era: 0, blockHash: genesis, genesisHash: genesis, runtimeVersion: api.runtimeVersion,
      signedExtensions: api.registry.signedExtensions };
    // Round robin over the senders, each with its next nonce.
    const signedBy = senders.map(() => 0);
    let turn = 0;
    const signOne = () => {
      const a = turn++ % senders.length;
      const tx = api.tx.balances.transferKeepAlive(dest, ZG);
      tx.sign(senders[a], { ...signing, nonce: nonces[a] + signedBy[a]++ });
      return tx.toHex();
    };
    // A fixed burst is signed before measuring; a soak (TPS_SECONDS) signs as it goes.
    const signStart = now();
    const txs = [];
    if (!SECONDS) {
      while (txs.length < TRANSFERS) txs.push(signOne());
      log(`pre-signed ${txs.length} transfers from ${senders.length} accounts in ${((now() - signStart) / 1000).toFixed(1)} s`);
    }

    // Follow blocks: transfers to `dest` per block, weight and length.
    const blocks = new Map();
    let includedCount = 0;
    let lastSeen = (await api.rpc.chain.getHeader()).number.toNumber();
    // Every block's figures are read as it comes: the node keeps the state of its last 256
    // blocks only, which an hour-long soak leaves far behind.
    const startHash = await api.rpc.chain.getBlockHash(lastSeen);
    blocks.set(lastSeen, { transfers: 0, at: Number((await api.query.timestamp.now.at(startHash)).toBigInt()), weight: 0, length: 0 });
    let lastHeadAt = now();
    const unsub = await api.rpc.chain.subscribeNewHeads(async (header) => {
      // Claim the new blocks before awaiting: handlers run concurrently, and a block must be
      // counted once.
      const from = lastSeen + 1, upTo = header.number.toNumber();
      if (upTo < from) return;
      lastSeen = upTo;
      lastHeadAt = now();
      for (let n = from; n <= upTo; n++) {
        const hash = await api.rpc.chain.getBlockHash(n);
        const [block, weight, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.blockWeight.at(hash),
          api.query.timestamp.now.at(hash)]);
        const transfers = block.block.extrinsics.filter((x) => x.isSigned && x.method.section === 'balances').length;
        includedCount += transfers;
        blocks.set(n, {
          transfers,
          at: Number(at.toBigInt()), // the block's own timestamp (ms)
          weight: Number(weight.normal.refTime.toBigInt()) / Number(normalMax),
          length: block.block.extrinsics.reduce((s, x) => s + x.encodedLength, 0) / lengthMax,
        });
      }
    });

    // Submit as fast as the node takes them.
    let accepted = 0, refused = 0, retried = 0, next = 0;
    const errors = new Map();
    const submitStart = now();
    const provider = api._rpcCore.provider;
    // Keep what the pool holds below its limit: beyond it the pool evicts the oldest transaction
    // and every later one of its account to take a new one (upstream, polkadot-sdk #6409).
    const included = () => includedCount;
    const more = () => (SECONDS ? now() - submitStart < SECONDS * 1000 : next < txs.length);
    async function submitter() {
      for (;;) {
        while (more() && accepted - included() >= POOL_LIMIT - IN_FLIGHT) await sleep(100);
        if (!more()) break;
        const i = next++;
        const hex = SECONDS ? signOne() : txs[i];
        for (;;) {
          try {
            await provider.send('author_submitExtrinsic', [hex]);
            accepted++;
            break;
          } catch (e) {
            const msg = String(e.message ?? e);
            if (/1014|1016|limit|full|Priority is too low/i.test(msg) && !/Stale|Outdated/.test(msg)) {
              retried++;
              await sleep(200);
              continue;
            }
            refused++;
            errors.set(msg, (errors.get(msg) ?? 0) + 1);
            break;
          }
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, submitter));
    const submitEnd = now();
    log(`submitted ${next} in ${((submitEnd - submitStart) / 1000).toFixed(1)} s: ${accepted} accepted, ${refused} refused, ${retried} retries after a full pool`);
    for (const [msg, n] of errors) log(`  refused ${n}×: ${msg}`);

    // Wait until every accepted transfer is included, or none is for 5 blocks (or no block comes
    // for 5 slots).
    const slotMs = Number(api.consts.babe.expectedBlockTime.toBigInt());
    let idle = 0, seen = lastSeen, before = included();
    while (included() < accepted && idle < 5 && now() - lastHeadAt < 5 * slotMs && node.exitCode === null) {
      await sleep(1000);
      if (lastSeen > seen) {
        idle = included() === before ? idle + (lastSeen - seen) : 0;
        seen = lastSeen;
        before = included();
      }
    }
    await sleep(500);
    unsub();
    const pending = (await api.rpc.author.pendingExtrinsics()).length;
    // Which transfers were lost: each sender's next nonce against what it signed.
    const finalNonces = await Promise.all(senders.map((s) => api.rpc.system.accountNextIndex(s.address).then((n) => n.toNumber())));
    const short = senders.map((s, a) => [names[a], nonces[a] + signedBy[a] - finalNonces[a], finalNonces[a]]).filter(([, n]) => n > 0);
    const endAt = now();

    // Report.
    const withTransfers = [...blocks.entries()].filter(([, b]) => b.transfers > 0).sort((a, b) => a[0] - b[0]);
    const total = included();
    const lost = accepted - total;
    if (withTransfers.length === 0) throw new Error(`no transfer was included (${accepted} accepted); see the node's log`);
    const first = withTransfers[0], last = withTransfers[withTransfers.length - 1];
    // By the blocks' own timestamps: from the block before the first with transfers to the last.
    const beforeFirst = blocks.get(first[0] - 1)?.at ?? 0;
    // Genesis has no timestamp (0): then the first block's slot starts the clock.
    const start = beforeFirst > 0 ? beforeFirst : first[1].at - Number(api.consts.babe.expectedBlockTime.toBigInt());
    const seconds = (last[1].at - start) / 1000;
    const tps = total / seconds;
    const largest = withTransfers.reduce((m, e) => (e[1].transfers > m[1].transfers ? e : m));
    const prepared = preparedTimes(path.join(dir, 'zg-node.log'));
    const full = withTransfers.slice(0, -1); // the last block is a remainder
    const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const load = usage.between(submitStart, endAt);
    const after = usage.between(endAt - 5000, endAt);
    log(`included ${total} of ${accepted} accepted in ${withTransfers.length} blocks (#${first[0]}..#${last[0]}) over ${seconds.toFixed(1)} s: ${tps.toFixed(0)} transfers/s sustained`);
    log(`lost (accepted, never included): ${lost}; still in the pool: ${pending}`);
    for (const [name, n, from] of short) log(`  //${name}: its last ${n} transfers (from nonce ${from}) were not included`);
    log(`largest block #${largest[0]}: ${largest[1].transfers} transfers, normal weight ${(100 * largest[1].weight).toFixed(1)} %, length ${(100 * largest[1].length).toFixed(1)} %; ceiling by weight ${ceiling} per block (${(ceiling / (slotMs / 1000)).toFixed(0)}/s)`);
    log(`full blocks (all but the last): mean ${mean(full.map(([, b]) => b.transfers)).toFixed(0)} transfers, weight ${(100 * mean(full.map(([, b]) => b.weight))).toFixed(1)} %, length ${(100 * mean(full.map(([, b]) => b.length))).toFixed(1)} %`);
    const prep = withTransfers.map(([n, b]) => [n, b.transfers, prepared.get(n)]).filter(([, , t]) => t !== undefined);
    if (prep.length) {
      const worst = prep.reduce((m, e) => (e[2] > m[2] ? e : m));
      log(`preparing a block: mean ${mean(prep.map((e) => e[2])).toFixed(0)} ms, slowest #${worst[0]} ${worst[2]} ms for ${worst[1]} transfers (deadline ${slotMs / 2} ms: half the ${slotMs / 1000} s slot)`);
    }
    log(`node under load: ${load.cpu.toFixed(0)} % CPU (of one core), RSS peak ${load.peakRss.toFixed(0)} MiB; after: RSS ${after.rss.toFixed(0)} MiB`);
    if (SECONDS) {
      // Memory over the soak, every 5 minutes.
      for (let t = submitStart; t <= endAt; t += 300_000) {
        const s = usage.samples.find((x) => x.at >= t);
        if (s) log(`  after ${((s.at - submitStart) / 60_000).toFixed(0)} min: RSS ${s.rss.toFixed(0)} MiB (heap ${s.anon.toFixed(0)} MiB, the rest the database's mapped files), CPU ${s.cpu.toFixed(0)} %`);
      }
    } else for (const [n, b] of withTransfers) {
      log(`  #${n}: ${b.transfers} transfers, weight ${(100 * b.weight).toFixed(1)} %, length ${(100 * b.length).toFixed(1)} %${prepared.has(n) ? `, prepared in ${prepared.get(n)} ms` : ''}`);
    }
    if (lost > 0) { log(`FAILED: ${lost} accepted transfers were never included`); failed = true; }
    if (refused > 0) { log(`FAILED: ${refused} transfers refused`); failed = true; }
    if (MIN_TPS !== undefined && tps < MIN_TPS) { log(`FAILED: ${tps.toFixed(0)} transfers/s < TPS_MIN ${MIN_TPS}`); failed = true; }
    usage.stop();
    await api.disconnect();
  } finally {
    // Wait for the node to stop before removing its database.
    const exited = node.exitCode !== null ? Promise.resolve() : new Promise((r) => node.once('exit', r));
    stopNode();
    await Promise.race([exited, sleep(20_000)]);
    if (node.exitCode === null) node.kill('SIGKILL');
    if (process.env.TPS_KEEP) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`[tps] ${e.stack ?? e}`);
  process.exit(1);
});
