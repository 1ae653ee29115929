// 0G Storage on a live network, from polkadot.js (zombienet's bundled @polkadot/api) and the
// project's own binaries (ZG_WORKER: zg-worker, ZG_STORAGE: zg-storage):
//
// 1. Alice, Bob, Charlie and Dave become storage providers: each node gets its provider key
//    (author_insertKey, type zgsp) and its worker's URL (offchain local storage), a worker is
//    started for it, and the account bonds the StorageProvider role and registers its endpoint.
// 2. Ferdie uploads a 64 MiB file with `zg-storage upload` (2 data + 2 parity shards) through
//    Alice's worker; the CLI returns once the chain reports the file Finalized (every provider's
//    offchain worker confirmed its shard).
// 3. Charlie's and Dave's workers are stopped; `zg-storage download` through Alice's worker
//    gives the file back byte-identical (from Alice's and Bob's shards) and checks its root.
// 4. The offchain workers of Alice and Bob answer their challenges (ChallengeAnswered); Charlie
//    and Dave cannot, and when the round ends their role bonds are slashed (ChallengeMissed and
//    staking RoleSlashed events, and the bonds read back 10 % lower).
const { execFile } = require('child_process');
const { send, waitFor, setupProviderNode, startWorker, waitForWorkers } = require('./lib.js');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ZG = 10n ** 18n;
const ROLE_BOND = 1_000n * ZG;
const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const SIZE = 64 * 1024 * 1024;

function log(msg) {
  console.log(`[storage] ${msg}`);
}

function run_cli(args) {
  return new Promise((resolve, reject) => {
    execFile(process.env.ZG_STORAGE, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      log(`zg-storage ${args.join(' ')}\n${stdout}${stderr}`);
      if (error) reject(new Error(`zg-storage ${args[2] || args[0]} failed: ${stderr || error.message}`));
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
  const ferdie = keyring.addFromUri('//Ferdie');
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-storage-e2e-'));
  const workers = {};
  const providers = {};

  try {
    // 1. Providers: key, worker URL, worker, role bond, registration.
    for (const [i, name] of NAMES.entries()) {
      const suri = `//${name[0].toUpperCase()}${name.slice(1)}`;
      const pair = keyring.addFromUri(suri);
      const port = 8701 + i;
      const endpoint = `http://127.0.0.1:${port}`;
      const wsUri = networkInfo.nodesByName[name].wsUri;
      const publicHex = '0x' + Buffer.from(pair.publicKey).toString('hex');
      await setupProviderNode(zombie.WsProvider, wsUri, suri, publicHex, endpoint);
      workers[name] = startWorker(
        name,
        ['--listen', `127.0.0.1:${port}`, '--store', path.join(work, name), '--node', wsUri, '--provider', publicHex],
        work,
      );
      providers[name] = { pair, endpoint };
      await send(
        api,
        api.tx.utility.batchAll([
          api.tx.staking.registerRole('StorageProvider', ROLE_BOND),
          api.tx.storage.registerProvider(endpoint),
        ]),
        pair,
      );
      log(`${name} is a storage provider (worker ${endpoint}, logs ${work}/${name}-worker.log)`);
    }
    await waitForWorkers(Object.values(providers).map((p) => p.endpoint));

    // 2. Upload 64 MiB through Alice's worker; the CLI waits for Finalized.
    const input = path.join(work, 'input.bin');
    fs.writeFileSync(input, crypto.randomBytes(SIZE));
    const started = Date.now();
    const out = await run_cli([
      '--node', networkInfo.nodesByName.alice.wsUri,
      '--worker', providers.alice.endpoint,
      'upload', input,
      '--data-shards', '2', '--parity-shards', '2',
      '--lifetime', '2000',
      '--suri', '//Ferdie',
      '--timeout', '240',
    ]);
    const root = /Finalized (0x[0-9a-f]{64})/.exec(out)?.[1];
    if (!root) throw new Error('the CLI did not report Finalized');
    log(`uploaded and Finalized in ${(Date.now() - started) / 1000} s: ${root}`);
    const file = (await api.query.storage.files(root)).unwrap();
    if (!file.status.isFinalized) throw new Error('the chain does not say Finalized');
    const holders = {};
    file.shards.forEach((s, i) => (holders[s.provider.toString()] = i));
    for (const name of NAMES) {
      if (holders[providers[name].pair.address] === undefined) throw new Error(`${name} holds no shard`);
    }

    // Bad input to a worker changes nothing: a shard for a root that is not on chain, and a
    // shard that is not this worker's provider's.
    const put = (endpoint, r, i, body) =>
      fetch(`${endpoint}/v1/shards/${r}/${i}`, { method: 'PUT', body }).then(async (res) => [res.status, (await res.json()).error]);
    const unknown = '0x' + '11'.repeat(32);
    const [status1, error1] = await put(providers.bob.endpoint, unknown, 0, Buffer.alloc(1024));
    if (status1 !== 404 || !/not on chain/.test(error1)) throw new Error(`unknown root: ${status1} ${error1}`);
    const notBobs = file.shards.findIndex((s) => s.provider.toString() !== providers.bob.pair.address);
    const [status2, error2] = await put(providers.bob.endpoint, root, notBobs, Buffer.alloc(1024));
    if (status2 !== 403 || !/assigned to/.test(error2)) throw new Error(`foreign shard: ${status2} ${error2}`);
    log(`workers refuse a shard of an unknown root (${status1}) and a shard assigned to another provider (${status2})`);
    const rpc = await fetch(`${providers.bob.endpoint}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'storage_status', params: [root] }),
    }).then((res) => res.json());
    if (rpc.result?.on_chain?.status !== 'Finalized') throw new Error(`storage_status: ${JSON.stringify(rpc)}`);
    log(`JSON-RPC storage_status on Bob's worker: ${rpc.result.on_chain.status}, holds ${JSON.stringify(rpc.result.held_here)}`);

    // 3. Two providers' workers stop; the file still reads back byte-identical.
    for (const name of ['charlie', 'dave']) {
      workers[name].kill('SIGKILL');
      log(`stopped ${name}'s worker`);
    }
    const output = path.join(work, 'output.bin');
    await run_cli(['--node', networkInfo.nodesByName.alice.wsUri, '--worker', providers.alice.endpoint, 'download', root, output]);
    if (sha256(output) !== sha256(input)) throw new Error('the download differs from the upload');
    log('downloaded byte-identical with two of four providers offline');

    // 4. Challenges: Alice and Bob answer, Charlie and Dave are slashed when the round ends.
    const offline = [providers.charlie.pair.address, providers.dave.pair.address];
    const answered = new Set();
    const missed = new Set();
    const slashed = new Set();
    const unsub = await api.query.system.events((events) => {
      for (const { event } of events) {
        if (api.events.storage.ChallengeAnswered.is(event)) answered.add(event.data.provider.toString());
        if (api.events.storage.ChallengeMissed.is(event)) missed.add(event.data.provider.toString());
        if (api.events.staking.RoleSlashed.is(event)) slashed.add(event.data.who.toString());
      }
    });
    await waitFor(
      'Charlie and Dave slashed and Alice and Bob answering',
      async () =>
        offline.every((a) => missed.has(a) && slashed.has(a)) &&
        [providers.alice.pair.address, providers.bob.pair.address].every((a) => answered.has(a)),
      300_000,
    );
    unsub();
    for (const who of offline) {
      const bond = (await api.query.staking.roleBonds(who, 'StorageProvider')).unwrap().amount.toBigInt();
      if (bond >= ROLE_BOND) throw new Error(`${who}'s bond was not slashed: ${bond}`);
      log(`${who}: missed a challenge, role bond now ${Number(bond) / 1e18} 0G`);
    }
    for (const who of [providers.alice.pair.address, providers.bob.pair.address]) {
      if (missed.has(who)) throw new Error(`${who} missed a challenge with its worker running`);
    }
    log('online providers answered their challenges; offline providers were slashed');
  } catch (e) {
    log(`failed; workers' logs and data kept in ${work}`);
    throw e;
  } finally {
    for (const child of Object.values(workers)) child.kill('SIGKILL');
    await api.disconnect();
  }
  fs.rmSync(work, { recursive: true, force: true });
  return 1;
}

module.exports = { run };
