// 0G Storage on a live network, from polkadot.js (zombienet's bundled @polkadot/api) and the
// project's own binaries (ZG_WORKER: zg-worker, ZG_STORAGE: zg-storage):
//
// 1. Alice, Bob, Charlie, Dave and Eve become storage providers: each node gets its provider
//    key (author_insertKey, type zgsp) and its worker's URL (offchain local storage), a worker
//    is started for it, and the account bonds the StorageProvider role and registers its
//    endpoint. Dave's worker runs with --fault-discard-confirmed: it confirms its shards with
//    valid proofs, then throws the data away.
// 2. Ferdie uploads a 32 MiB file A with `zg-storage upload` (2 data + 3 parity shards: one per
//    provider) through Alice's worker; the CLI returns once the chain reports it Finalized (every
//    provider's offchain worker proved its shard). Its fee is the chain's current price's.
// 3. The challenge sweep catches Dave: it misses its challenge, is slashed, earns nothing more
//    (no ChallengeAnswered after the miss), its shard is released and the file reported
//    Degraded; the honest providers answer and are paid.
// 4. Ferdie uploads an 8 MiB file B (2 data + 1 parity shards); Dave, now below the minimum
//    bond, is pruned from the pool and not drawn.
// 5. A provider holding a shard of B (not Alice, whose worker is the gateway) deregisters: its
//    shards are handed over; the one provider without a shard of B is drawn, its worker rebuilds
//    the shard from the others and its offchain worker confirms it (repair bounty paid); B is
//    Finalized again.
// 6. With the departed provider's and Dave's workers stopped, `zg-storage download` gives both
//    files back byte-identical (sha256) and checked against their roots.
// 7. Faults, with the three providers left:
//    a. The gateway's worker is killed (SIGKILL) while a 128 MiB file C streams into it: the
//       CLI fails, nothing reaches the chain, Ferdie pays nothing; restarted on its store, the
//       worker has thrown away what the dead process half wrote and holds no new file.
//    b. C is uploaded again; the worker of the first provider a shard is pushed to is killed
//       while that shard is arriving, and restarted on its store: no trace of the half shard
//       is left, the worker rebuilds the shard from the others, and C is Finalized.
//    c. That provider's node is killed (SIGKILL, lib.js's restartNode) the moment its
//       offchain worker's transaction is in its pool, and restarted on its database: its
//       worker reconnects (it reads C's status through the node); the transaction in the pool
//       is included at most once, nothing the provider signs fails (a duty sent twice would),
//       and every shard of C is confirmed once.
//    d. C reads back byte-identical; the shard the provider serves is, byte for byte, the one
//       the gateway encoded (fetched from the gateway while the push was under way); no honest
//       provider missed a challenge.
const { execFile } = require('child_process');
const { send, waitFor, assertNoMissedChallenge, setupProviderNode, startWorker, waitForWorkers, listenArgs, restartNode, signedBy, refusal, finalizedEvents } = require('./lib.js');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ZG = 10n ** 18n;
const NAMES = ['alice', 'bob', 'charlie', 'dave', 'eve'];
const FAULTY = 'dave';

function log(msg) {
  console.log(`[storage] ${msg}`);
}

function run_cli(args) {
  return new Promise((resolve, reject) => {
    execFile(process.env.ZG_STORAGE, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      log(`zg-storage ${args.slice(4).join(' ')}\n${stdout}${stderr}`);
      if (error) reject(new Error(`zg-storage failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function run(nodeName, networkInfo) {
  if (!process.env.ZG_WORKER || !process.env.ZG_STORAGE) throw new Error('ZG_WORKER and ZG_STORAGE must be set');
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-storage-e2e-'));
  const workers = {};
  const workerArgs = {};
  const providers = {};
  const events = [];
  const unsub = await api.query.system.events((records) => {
    for (const { event } of records) if (event.section === 'storage' || event.section === 'staking') events.push(event);
  });
  // The first matching storage event, among those from event number `from` on.
  const find = (method, pred = () => true, from = 0) =>
    events.slice(from).find((e) => e.section === 'storage' && e.method === method && pred(e.data));
  const filter = (method, pred = () => true) => events.filter((e) => e.section === 'storage' && e.method === method && pred(e.data));
  const nameOf = (address) => NAMES.find((n) => providers[n].pair.address === address.toString());
  const cli = (...args) => run_cli(['--node', networkInfo.nodesByName.alice.wsUri, '--worker', providers.alice.endpoint, ...args]);
  const upload = async (file, k, m) => {
    const out = await cli('upload', file, '--data-shards', `${k}`, '--parity-shards', `${m}`, '--lifetime', '3000', '--suri', '//Ferdie', '--timeout', '240');
    const root = /Finalized (0x[0-9a-f]{64})/.exec(out)?.[1];
    if (!root) throw new Error('the CLI did not report Finalized');
    return root;
  };
  const holders = async (root) => {
    const file = (await api.query.storage.files(root)).unwrap();
    return file.shards.map((s) => (s.provider.isSome ? nameOf(s.provider.unwrap()) : null));
  };

  try {
    // 1. Providers: key, worker URL, worker, role bond, registration. Dave bonds the minimum,
    //    the others twice as much (so that a slash leaves them eligible).
    for (const [i, name] of NAMES.entries()) {
      const suri = `//${name[0].toUpperCase()}${name.slice(1)}`;
      const pair = keyring.addFromUri(suri);
      const port = 8701 + i;
      const endpoint = `http://127.0.0.1:${port}`;
      const wsUri = networkInfo.nodesByName[name].wsUri;
      const publicHex = '0x' + Buffer.from(pair.publicKey).toString('hex');
      await setupProviderNode(zombie.WsProvider, wsUri, suri, publicHex, port);
      const args = [...listenArgs(port), '--store', path.join(work, name), '--node', wsUri, '--provider', publicHex];
      if (name === 'alice') args.push('--gateway');
      if (name === FAULTY) args.push('--fault-discard-confirmed');
      workers[name] = startWorker(name, args, work);
      workerArgs[name] = args;
      providers[name] = { pair, endpoint };
      const bond = name === FAULTY ? 1_000n * ZG : 2_000n * ZG;
      await send(
        api,
        api.tx.utility.batchAll([api.tx.staking.registerRole('StorageProvider', bond), api.tx.storage.registerProvider(endpoint)]),
        pair,
      );
      log(`${name} is a storage provider (worker ${endpoint}, logs ${work}/${name}-worker.log)`);
    }
    await waitForWorkers(Object.values(providers).map((p) => p.endpoint));

    // 2. File A: one shard per provider.
    const inputA = path.join(work, 'a.bin');
    fs.writeFileSync(inputA, crypto.randomBytes(32 << 20));
    const started = Date.now();
    const rootA = await upload(inputA, 2, 3);
    log(`file A uploaded and Finalized in ${(Date.now() - started) / 1000} s: ${rootA}`);
    // The CLI charged the chain's price of the moment (governance.js, run before in this
    // network, has just doubled it by referendum): five 16 MiB shards for 3000 blocks.
    const price = (await api.query.storage.price()).toBigInt();
    const submittedA = find('FileSubmitted', (d) => d.root.toHex() === rootA);
    const expectedFee = 5n * (16n << 20n) * price * 3000n;
    if (!submittedA || submittedA.data.fee.toBigInt() !== expectedFee) {
      throw new Error(`file A's fee: ${submittedA?.data.fee}, expected ${expectedFee} at price ${price}`);
    }
    log(`file A's fee ${expectedFee} is the current price's (${price})`);
    // And the submission fee is the governed parameter's (its default 0.01 0G when unset).
    const governed = await api.query.parameters.parameters({ Storage: { SubmissionFee: null } });
    const submissionFee = governed.isSome ? governed.unwrap().asStorage.asSubmissionFee.toBigInt() : ZG / 100n;
    if (submittedA.data.submissionFee.toBigInt() !== submissionFee) {
      throw new Error(`file A's submission fee: ${submittedA.data.submissionFee}, expected ${submissionFee}`);
    }
    const holdersA = await holders(rootA);
    if ([...holdersA].sort().join() !== [...NAMES].sort().join()) throw new Error(`holders of A: ${holdersA}`);
    const daveShard = holdersA.indexOf(FAULTY);

    // Bad input to a worker changes nothing: a shard for a root that is not on chain, and a
    // shard that is not this worker's provider's.
    const put = (endpoint, r, i, body) =>
      fetch(`${endpoint}/v1/shards/${r}/${i}`, { method: 'PUT', body }).then(async (res) => [res.status, (await res.json()).error]);
    const [status1, error1] = await put(providers.bob.endpoint, '0x' + '11'.repeat(32), 0, Buffer.alloc(1024));
    if (status1 !== 404 || !/not on chain/.test(error1)) throw new Error(`unknown root: ${status1} ${error1}`);
    const [status2, error2] = await put(providers.bob.endpoint, rootA, holdersA.indexOf('alice'), Buffer.alloc(1024));
    if (status2 !== 403 || !/assigned to/.test(error2)) throw new Error(`foreign shard: ${status2} ${error2}`);
    log(`workers refuse a shard of an unknown root (${status1}) and a shard assigned to another provider (${status2})`);

    // 3. Dave confirmed, then discarded its shard: caught by the sweep, slashed, unpaid.
    const dave = providers[FAULTY].pair.address;
    const missed = await waitFor('Dave to miss a challenge', async () => find('ChallengeMissed', (d) => d.provider.toString() === dave), 180_000);
    if (!events.find((e) => e.method === 'RoleSlashed' && e.data.who.toString() === dave)) throw new Error('Dave was not slashed');
    if (!find('ShardReleased', (d) => d.root.toString() === rootA && d.shard.toNumber() === daveShard)) throw new Error("Dave's shard was not released");
    if (!find('FileDegraded', (d) => d.root.toString() === rootA)) throw new Error('file A was not reported Degraded');
    // A challenge drawn between Dave's confirmation and its worker's next maintenance pass
    // (when the data is thrown away) is answered honestly: only answers after the miss would
    // mean an answer without the data.
    const missedAt = events.indexOf(missed);
    if (find('ChallengeAnswered', (d) => d.provider.toString() === dave, missedAt)) throw new Error('Dave answered a challenge after it missed one');
    const paid = {};
    for (const e of filter('ChallengeAnswered')) paid[nameOf(e.data.provider)] = (paid[nameOf(e.data.provider)] ?? 0n) + e.data.paid.toBigInt();
    log(`Dave missed challenge ${missed.data.id}: slashed ${missed.data.slashed.toBigInt() / 10n ** 18n} 0G, no answer after the miss; file A Degraded; honest providers paid so far: ${JSON.stringify(Object.fromEntries(Object.entries(paid).map(([k, v]) => [k, v.toString()])))}`);

    // 4. File B: Dave, below the minimum bond, is pruned and not drawn.
    const inputB = path.join(work, 'b.bin');
    fs.writeFileSync(inputB, crypto.randomBytes(8 << 20));
    const rootB = await upload(inputB, 2, 1);
    if (!find('ProviderPruned', (d) => d.who.toString() === dave)) throw new Error('Dave was not pruned');
    const holdersB = await holders(rootB);
    if (holdersB.includes(FAULTY)) throw new Error(`Dave holds a shard of B: ${holdersB}`);
    log(`file B Finalized: ${rootB}, held by ${holdersB.join(', ')}; Dave pruned from the pool`);

    // 5. A holder of B leaves: its shard of B goes to the spare provider, rebuilt and confirmed.
    const leaver = holdersB.find((n) => n !== 'alice');
    const spare = ['alice', 'bob', 'charlie', 'eve'].find((n) => !holdersB.includes(n));
    const leaverShard = holdersB.indexOf(leaver);
    const leaving = events.length;
    await send(api, api.tx.storage.deregisterProvider(), providers[leaver].pair);
    log(`${leaver} deregisters; ${spare} holds no shard of B`);
    await waitFor(`${leaver}'s handover`, async () => find('HandoverCompleted', (d) => nameOf(d.who) === leaver, leaving), 120_000);
    const assigned = await waitFor(`shard ${leaverShard} of B to be drawn`, async () =>
      find('ShardAssigned', (d) => d.root.toString() === rootB && d.shard.toNumber() === leaverShard, leaving), 120_000);
    if (nameOf(assigned.data.provider) !== spare) throw new Error(`handed to ${nameOf(assigned.data.provider)}, not ${spare}`);
    const confirmed = await waitFor(`${spare} to rebuild and confirm shard ${leaverShard} of B`, async () =>
      find('ShardConfirmed', (d) => d.root.toString() === rootB && d.shard.toNumber() === leaverShard && nameOf(d.provider) === spare, leaving), 180_000);
    await waitFor('file B repaired', async () => find('FileRepaired', (d) => d.root.toString() === rootB, leaving), 60_000);
    log(`${spare} rebuilt shard ${leaverShard} of B from the other providers and confirmed it (repair bounty ${confirmed.data.bounty} plancks); B Finalized again`);

    // 6. Both files read back with the leaver's and Dave's workers stopped.
    for (const name of [leaver, FAULTY]) {
      workers[name].kill('SIGKILL');
      log(`stopped ${name}'s worker`);
    }
    for (const [root, input] of [[rootA, inputA], [rootB, inputB]]) {
      const output = `${input}.out`;
      await cli('download', root, output);
      if (sha256(output) !== sha256(input)) throw new Error(`the download of ${root} differs from the upload`);
    }
    log('both files downloaded byte-identical and checked against their roots');
    const honest = ['alice', 'bob', 'charlie', 'eve'].filter((n) => n !== leaver);

    // 7. Faults.
    await faults({ networkInfo, api, cli, find, filter, events, nameOf, providers, workers, workerArgs, work, honest });

    await assertNoMissedChallenge(api, 'storage', honest, (d) => d.provider, nameOf, (n) => providers[n].pair.address);
    log(`honest providers (${honest.join(', ')}) answered every challenge`);
  } catch (e) {
    log(`failed; workers' logs and data kept in ${work}`);
    throw e;
  } finally {
    unsub();
    for (const child of Object.values(workers)) child.kill('SIGKILL');
    await api.disconnect();
  }
  fs.rmSync(work, { recursive: true, force: true });
  return 1;
}

// The temporaries of a store (`<store>/.tmp`) that hold a shard being written, as file names
// (`shard-<pid>-<n>`, and its `.tree`).
function shardTemporaries(store) {
  try {
    return fs.readdirSync(path.join(store, '.tmp')).filter((f) => f.startsWith('shard-'));
  } catch (e) {
    return [];
  }
}

// A shard being written into `store` that has more than `from` and fewer than `to` bytes so
// far (its temporary's name and size), or null: a write of that size under way right now.
function shardBeingWritten(store, from, to) {
  for (const name of shardTemporaries(store).filter((f) => !f.endsWith('.tree'))) {
    try {
      const { size } = fs.statSync(path.join(store, '.tmp', name));
      if (size > from && size < to) return { name, size };
    } catch (e) {
      // Renamed into the store, or removed, since the listing.
    }
  }
  return null;
}

// The files a store holds (its directories, one per root).
function storedFiles(store) {
  return fs.readdirSync(store).filter((f) => f !== '.tmp').sort();
}

// Step 7 of the header: a worker killed mid-upload and mid-push, a node killed after its
// offchain worker sent a transaction.
async function faults({ networkInfo, api, cli, find, filter, events, nameOf, providers, workers, workerArgs, work, honest }) {
  const restartWorker = async (name) => {
    workers[name] = startWorker(`${name}-restarted`, workerArgs[name], work);
    await waitForWorkers([providers[name].endpoint]);
  };
  const store = (name) => path.join(work, name);
  // C: 128 MiB in 2 data shards and 1 parity shard of 64 MiB. Every shard written before is
  // at most 16 MiB (file A's), so a shard temporary past 17 MiB is one of C's.
  const SHARD = 64 << 20;
  const PAST_OTHERS = 17 << 20;
  const inputC = path.join(work, 'c.bin');
  fs.writeFileSync(inputC, crypto.randomBytes(2 * SHARD));
  const ferdie = new zombie.Keyring({ type: 'sr25519' }).addFromUri('//Ferdie').address;
  const held = async () => {
    const { free, reserved } = (await api.query.system.account(ferdie)).data;
    return free.toBigInt() + reserved.toBigInt();
  };
  const cliArgs = ['upload', inputC, '--data-shards', '2', '--parity-shards', '1', '--lifetime', '3000', '--suri', '//Ferdie', '--timeout', '240'];

  // a. The gateway killed while C streams into it.
  const gatewayFiles = storedFiles(store('alice'));
  const submittedBefore = filter('FileSubmitted').length;
  const ferdieBefore = await held();
  const failed = refusal(cli(...cliArgs));
  const cut = await waitFor('the gateway to write C', () => shardBeingWritten(store('alice'), PAST_OTHERS, SHARD), 120_000, 5);
  const gatewayPid = workers.alice.pid;
  workers.alice.kill('SIGKILL');
  const why = await failed;
  if (!why) throw new Error('the upload succeeded although its gateway was killed');
  log(`the gateway's worker (pid ${gatewayPid}) killed with ${cut.name} at ${cut.size} of ${SHARD} bytes: the CLI failed (${why.split('\n').find((l) => /Error/.test(l)) || why})`);
  await restartWorker('alice');
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  await waitFor('two more blocks', async () => (await api.rpc.chain.getHeader()).number.toNumber() >= best + 2, 60_000);
  if (filter('FileSubmitted').length !== submittedBefore) throw new Error('a file was submitted although the upload failed');
  if ((await held()) !== ferdieBefore) throw new Error(`Ferdie's balance changed: ${ferdieBefore} -> ${await held()}`);
  const leftA = shardTemporaries(store('alice')).filter((f) => f.includes(`-${gatewayPid}-`));
  if (leftA.length) throw new Error(`the restarted gateway kept the dead process's temporaries: ${leftA}`);
  if (storedFiles(store('alice')).join() !== gatewayFiles.join()) throw new Error(`the gateway's store changed: ${storedFiles(store('alice'))}`);
  log('nothing submitted, Ferdie charged nothing; restarted, the gateway holds no trace of the upload');

  // b. A provider's worker killed while its shard of C is pushed to it.
  const receivers = honest.filter((n) => n !== 'alice');
  const before = events.length;
  let output = '';
  const uploaded = cli(...cliArgs).then((out) => {
    output = out;
    return /Finalized (0x[0-9a-f]{64})/.exec(out)?.[1];
  });
  uploaded.catch(() => {});
  const [victim, partial] = await waitFor('a shard of C to be pushed', () => {
    for (const n of receivers) {
      const writing = shardBeingWritten(store(n), PAST_OTHERS, SHARD);
      if (writing) return [n, writing];
    }
    return null;
  }, 300_000, 5);
  const victimPid = workers[victim].pid;
  workers[victim].kill('SIGKILL');
  log(`${victim}'s worker (pid ${victimPid}) killed with ${partial.name} at ${partial.size} of ${SHARD} bytes`);
  const submitted = find('FileSubmitted', () => true, before);
  if (!submitted) throw new Error('C was not submitted before its push');
  const rootC = submitted.data.root.toHex();
  const shardOf = (await api.query.storage.files(rootC)).unwrap().shards.findIndex((s) => s.provider.isSome && nameOf(s.provider.unwrap()) === victim);
  const shardFile = path.join(store(victim), rootC, `${shardOf}.shard`);
  if (fs.existsSync(shardFile)) throw new Error(`${victim} holds shard ${shardOf} of C whole: the kill came after the write`);
  const shardBytes = async (name) => {
    const res = await fetch(`${providers[name].endpoint}/v1/shards/${rootC}/${shardOf}`);
    if (!res.ok) throw new Error(`${name} does not serve shard ${shardOf} of C: ${res.status} ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  };
  // The gateway's copy of that shard, fetched now: it keeps every shard until all are pushed,
  // and lets go of the others' once the file is Finalized.
  const encoded = await shardBytes('alice');
  await restartWorker(victim);
  const leftB = shardTemporaries(store(victim)).filter((f) => f.includes(`-${victimPid}-`));
  if (leftB.length) throw new Error(`${victim}'s restarted worker kept the half shard: ${leftB}`);
  if (fs.existsSync(shardFile)) throw new Error(`${victim}'s restarted worker holds shard ${shardOf} at once: it came from the dead process`);
  log(`${victim}'s worker restarted: nothing of the half-written shard ${shardOf} of ${rootC} is left`);

  // c. The victim's node killed when its offchain worker's transaction is in its pool.
  const address = providers[victim].pair.address;
  const node = await zombie.connect(networkInfo.nodesByName[victim].wsUri);
  let pending;
  let killedAt;
  let duty;
  try {
    pending = await waitFor(`${victim}'s offchain worker to send a transaction`, async () => {
      const pool = await node.rpc.author.pendingExtrinsics();
      return pool.find((x) => x.isSigned && x.signer.toString() === address);
    }, 300_000, 20);
    duty = `${pending.method.section}.${pending.method.method}`;
    killedAt = (await api.rpc.chain.getHeader()).number.toNumber();
    const { before: nodePid } = await restartNode(victim, networkInfo.nodesByName[victim].wsUri, 3);
    log(`${victim}'s node (pid ${nodePid}) killed at #${killedAt} with its ${duty} in the pool, and restarted 3 s later`);
  } finally {
    await node.disconnect();
  }

  // Its worker still reads the chain through the restarted node (it reconnects).
  const status = await waitFor(`${victim}'s worker to read C from its restarted node`, async () => {
    const res = await fetch(`${providers[victim].endpoint}/v1/status/${rootC}`);
    return res.ok ? res.json() : null;
  }, 60_000);
  if (!status.on_chain) throw new Error(`${victim}'s worker does not see C on chain: ${JSON.stringify(status)}`);
  const root = await uploaded;
  if (root !== rootC) throw new Error(`the CLI finalized ${root}, not ${rootC}`);
  if (!output.includes(`shard ${shardOf} did not reach its provider`)) throw new Error(`the CLI did not report shard ${shardOf} missing:\n${output}`);
  const rebuilt = fs.readFileSync(path.join(work, `${victim}-restarted-worker.log`), 'utf8');
  if (!rebuilt.includes(`rebuilt shard ${shardOf} of ${rootC}`)) throw new Error(`${victim}'s worker did not log rebuilding shard ${shardOf} of C`);
  // From the finalized chain: a best-block subscription sees a retracted block's events too.
  const confirmations = (await finalizedEvents(api, (e) => e.section === 'storage' && e.method === 'ShardConfirmed' && e.data.root.toHex() === rootC)).map((f) => f.event);
  const perShard = confirmations.map((e) => e.data.shard.toNumber()).sort();
  if (perShard.join() !== '0,1,2') throw new Error(`C's shards confirmed: ${perShard}`);
  if (nameOf(confirmations.find((e) => e.data.shard.toNumber() === shardOf).data.provider) !== victim) throw new Error(`shard ${shardOf} not confirmed by ${victim}`);
  const now = (await api.rpc.chain.getHeader()).number.toNumber();
  await waitFor(`#${now} finalized`, async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber() >= now, 60_000);
  const sent = await signedBy(api, address, killedAt - 3, now);
  if (sent.some((line) => line.endsWith('failed'))) throw new Error(`${victim} sent a failing transaction (a duty twice?): ${sent.join(', ')}`);
  // The very transaction that was in the pool: included at most once (its nonce alone forbids
  // a second copy; a duty sent again would be another transaction, which would fail, above).
  // If it was lost with the node, its duties were done again: no challenge is missed, checked
  // at the end.
  const call = pending.method.toHex();
  const landed = [];
  for (let block = killedAt - 3; block <= now; block++) {
    const { block: { extrinsics } } = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(block));
    if (extrinsics.some((x) => x.isSigned && x.signer.toString() === address && x.method.toHex() === call)) landed.push(block);
  }
  if (landed.length > 1) throw new Error(`${victim}'s ${duty} from the pool at the kill was included twice: #${landed.join(', #')}`);
  log(`C Finalized with each shard confirmed once, shard ${shardOf} rebuilt by ${victim}; the ${duty} in the pool at the kill ${landed.length ? `landed in #${landed[0]}` : 'was lost with the node and its duties done again'}; ${victim} signed ${sent.join(', ')} from #${killedAt - 3} to #${now}: none failed`);

  // d. C reads back; the victim serves the shard the gateway encoded.
  await cli('download', rootC, `${inputC}.out`);
  if (sha256(`${inputC}.out`) !== sha256(inputC)) throw new Error('the download of C differs from the upload');
  const theirs = await shardBytes(victim);
  if (encoded.length !== SHARD || !theirs.equals(encoded)) throw new Error(`${victim}'s shard ${shardOf} (${theirs.length} bytes) is not the one the gateway encoded (${encoded.length} bytes)`);
  log(`C downloaded byte-identical; ${victim} serves shard ${shardOf} byte-identical to the one the gateway encoded (${theirs.length} bytes)`);
}

module.exports = { run };
