// 0G DA on a live network, from polkadot.js and the project's own binaries (ZG_WORKER:
// zg-worker, ZG_DA: zg-da). It runs after storage.js in the same network:
//
// 1. Alice, Bob, Charlie, Dave and Eve become DA signers: each a worker with --da-suri on
//    127.0.0.1:8711..8715 (private API 8811..8815, where its node's offchain worker now asks
//    for proofs) and a registration at it (Eve also bonds the DaSigner role; the four genesis
//    validators are bonded signers from genesis); then a committee with all five.
// 2. Ferdie disperses a 16 MiB blob with `zg-da submit`: every member checks its lines and
//    signs, and the chain reports the blob Available. `zg-da sample` proves 30 random chunks.
//    Bad input to a signer changes nothing.
//    Eve's worker disperses a 3 MiB blob handed to it over HTTP (`POST /v1/dispersals` with the
//    operator's token), paying with Ferdie's key; bad requests are refused.
// 3. Dave's worker is stopped; `zg-da get` still rebuilds the blob byte-identical from the
//    other members' rows, and again from single chunks only (`--from-cells`).
// 4. Dave's worker comes back withholding (--fault-da-withhold: it serves nothing): challenged
//    by Ferdie (bonded as a compute provider), or by the chain first, it misses the challenge
//    and loses part of its DaSigner bond.
// 5. A dishonest disperser (`zg-da submit --fault-bad-lines`) delivers lines that do not match
//    its commitment: every signer refuses them, the blob gets no quorum and fails, and only
//    its fee and deposit are refunded (the submission fee is lost).
// 6. The honest signers answered every availability challenge the chain drew.
const { execFile } = require('child_process');
const { send, waitFor, assertNoMissedChallenge, setupProviderNode, startWorker, waitForWorkers, listenArgs } = require('./lib.js');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ZG = 10n ** 18n;
const NAMES = ['alice', 'bob', 'charlie', 'dave', 'eve'];
const FAULTY = 'dave';
const BASE_PORT = 8711;
const TOKEN = crypto.randomBytes(16).toString('hex');

function log(msg) {
  console.log(`[da] ${msg}`);
}

function runCli(args) {
  return new Promise((resolve) => {
    execFile(process.env.ZG_DA, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      log(`zg-da ${args.slice(2).join(' ')}\n${stdout}${stderr}`);
      resolve({ ok: !error, out: `${stdout}${stderr}` });
    });
  });
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function run(nodeName, networkInfo) {
  if (!process.env.ZG_WORKER || !process.env.ZG_DA) throw new Error('ZG_WORKER and ZG_DA must be set');
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-da-e2e-'));
  const workers = {};
  const signers = {};
  const events = [];
  const unsub = await api.query.system.events((records) => {
    for (const { event } of records) if (event.section === 'da' || event.section === 'staking') events.push(event);
  });
  const find = (method, pred = () => true, from = 0) =>
    events.slice(from).find((e) => e.section === 'da' && e.method === method && pred(e.data));
  const nameOf = (address) => NAMES.find((n) => signers[n].pair.address === address.toString());
  const cli = (...args) => runCli(['--node', networkInfo.nodesByName.alice.wsUri, ...args]);
  const startSigner = (name, extra = []) => {
    const { port, suri } = signers[name];
    const wsUri = networkInfo.nodesByName[name].wsUri;
    // Eve's worker also disperses for clients with the token, paying with Ferdie's key.
    const dispersal = name === 'eve' ? ['--da-disperser-suri', '//Ferdie', '--da-disperse-token', TOKEN] : [];
    const args = [...listenArgs(port), '--store', path.join(work, name), '--node', wsUri, '--da-suri', suri, ...dispersal, ...extra];
    workers[name] = startWorker(`${name}${extra.length ? '-faulty' : ''}`, args, work);
  };
  const daBond = async (name) => {
    const bond = await api.query.staking.roleBonds(signers[name].pair.address, 'DaSigner');
    return bond.isSome ? bond.unwrap().amount.toBigInt() : 0n;
  };

  try {
    // 1. Signers: worker, the node's worker URL, role bond, registration.
    for (const [i, name] of NAMES.entries()) {
      const suri = `//${name[0].toUpperCase()}${name.slice(1)}`;
      const pair = keyring.addFromUri(suri);
      const port = BASE_PORT + i;
      const endpoint = `http://127.0.0.1:${port}`;
      const publicHex = '0x' + Buffer.from(pair.publicKey).toString('hex');
      signers[name] = { pair, suri, port, endpoint };
      await setupProviderNode(zombie.WsProvider, networkInfo.nodesByName[name].wsUri, suri, publicHex, port);
      startSigner(name);
      // The four genesis validators are DA signers from genesis (bonded, registered at the
      // testnet workers' endpoints): they only move their endpoint here.
      const bonded = (await api.query.staking.roleBonds(pair.address, 'DaSigner')).isSome;
      const calls = bonded ? [] : [api.tx.staking.registerRole('DaSigner', 2_000n * ZG)];
      await send(api, api.tx.utility.batchAll([...calls, api.tx.da.registerSigner(endpoint)]), pair);
      log(`${name} is a DA signer (worker ${endpoint}, logs ${work}/${name}-worker.log)`);
    }
    await waitForWorkers(Object.values(signers).map((s) => s.endpoint));
    // Ferdie, the disperser, also bonds a role: any bonded account may challenge (the signers'
    // own keys are busy answering from their nodes' offchain workers).
    const ferdie = keyring.addFromUri('//Ferdie');
    if ((await api.query.staking.roleBonds(ferdie.address, 'ComputeProvider')).isNone) {
      await send(api, api.tx.staking.registerRole('ComputeProvider', 1_000n * ZG), ferdie);
    }
    const committee = await waitFor(
      'a committee of all five signers',
      async () => {
        const epoch = (await api.query.da.currentEpoch()).toNumber();
        const c = await api.query.da.committees(epoch);
        if (c.isNone) return null;
        const members = c.unwrap().members.map(([who, seats]) => [nameOf(who), seats.toNumber()]);
        return members.length === NAMES.length ? { epoch, members } : null;
      },
      180_000,
    );
    log(`epoch ${committee.epoch}'s committee: ${committee.members.map(([n, s]) => `${n} ${s} seats`).join(', ')}`);

    // 2. A 16 MiB blob dispersed, Available, sampled.
    const input = path.join(work, 'blob.bin');
    fs.writeFileSync(input, crypto.randomBytes(16 << 20));
    const started = Date.now();
    const submitted = await cli('submit', input, '--suri', '//Ferdie');
    const root = /Available (0x[0-9a-f]{64})/.exec(submitted.out)?.[1];
    if (!submitted.ok || !root) throw new Error('zg-da submit did not report the blob Available');
    log(`16 MiB blob Available in ${(Date.now() - started) / 1000} s: ${root}`);
    const blob = (await api.query.da.blobs(root)).unwrap();
    if (!blob.status.isAvailable || blob.attesters.length !== NAMES.length) throw new Error(`blob on chain: ${blob.toString()}`);
    // The runtime API, as a rollup would ask it (`DaApi_is_available`, a SCALE bool).
    const answer = await api.rpc.state.call('DaApi_is_available', root);
    if (!api.createType('bool', answer).isTrue) throw new Error('DaApi.is_available says no');
    const sampled = await cli('sample', root, '--samples', '30');
    if (!sampled.ok || !/30 of 30 chunks proven/.test(sampled.out)) throw new Error('sampling failed');

    // Bad input to a signer: an unknown root, no or a wrong disperser's signature, a malformed
    // body, a row not held.
    const bob = signers.bob.endpoint;
    const bobKey = Buffer.from(signers.bob.pair.publicKey);
    const sign = (pair, r) =>
      '0x' + Buffer.from(pair.sign(Buffer.concat([Buffer.from('zg-da-deliver'), Buffer.from(api.genesisHash.toU8a()), Buffer.from(r.slice(2), 'hex'), bobKey]))).toString('hex');
    const put = (r, body, signature) =>
      fetch(`${bob}/v1/da/${r}`, { method: 'PUT', body, headers: signature ? { 'x-zg-disperser-signature': signature } : {} }).then((res) => res.status);
    const statuses = {
      unknown: await put(`0x${'11'.repeat(32)}`, Buffer.alloc(64), '0x' + '00'.repeat(64)),
      unsigned: await put(root, Buffer.alloc(64)),
      notDisperser: await put(root, Buffer.alloc(64), sign(signers.eve.pair, root)),
      malformed: await put(root, Buffer.alloc(64), sign(keyring.addFromUri('//Ferdie'), root)),
    };
    const want = { unknown: 404, unsigned: 401, notDisperser: 403, malformed: 400 };
    for (const [what, status] of Object.entries(statuses)) {
      if (status !== want[what]) throw new Error(`${what} delivery: ${status}, expected ${want[what]}`);
    }
    const none = await fetch(`${bob}/v1/da/0x${'22'.repeat(32)}/rows/0`);
    if (none.status !== 404) throw new Error(`a row not held: ${none.status}`);
    log(`signers refuse deliveries for an unknown root (${statuses.unknown}), without (${statuses.unsigned}) or with another's signature than the disperser's (${statuses.notDisperser}), and a malformed one (${statuses.malformed}); a row not held is 404`);

    // 2b. A blob handed to Eve's worker over HTTP, which disperses it paying with Ferdie's key.
    const eve = `${signers.eve.endpoint}/v1/dispersals`;
    const post = (body, token) =>
      fetch(eve, { method: 'POST', body, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const viaHttp = crypto.randomBytes(3 << 20);
    // (The worker refuses a bad token before it reads the body: small bodies here.)
    const refusedPosts = {
      noToken: (await post(Buffer.alloc(16))).status,
      wrongToken: (await post(Buffer.alloc(16), `${TOKEN}x`)).status,
      empty: (await post(Buffer.alloc(0), TOKEN)).status,
      tooLarge: (await post(Buffer.alloc((32 << 20) + 1), TOKEN)).status,
    };
    const wantPosts = { noToken: 401, wrongToken: 401, empty: 400, tooLarge: 413 };
    for (const [what, status] of Object.entries(refusedPosts)) {
      if (status !== wantPosts[what]) throw new Error(`dispersal ${what}: ${status}, expected ${wantPosts[what]}`);
    }
    const httpStarted = Date.now();
    const accepted = await post(viaHttp, TOKEN);
    if (accepted.status !== 202) throw new Error(`dispersal through Eve: ${accepted.status} ${await accepted.text()}`);
    const { root: httpRoot } = await accepted.json();
    const progressUrl = `${signers.eve.endpoint}${accepted.headers.get('location')}`;
    const duplicate = (await post(viaHttp, TOKEN)).status;
    if (duplicate !== 409) throw new Error(`the same blob handed in twice: ${duplicate}, expected 409`);
    const done = await waitFor(
      'the dispersal through Eve to be final',
      async () => {
        const p = await (await fetch(progressUrl)).json();
        if (p.stage === 'failed') throw new Error(`dispersal through Eve failed: ${JSON.stringify(p)}`);
        return p.stage === 'available' ? p : null;
      },
      180_000,
    );
    const httpBlob = (await api.query.da.blobs(httpRoot)).unwrap();
    if (!httpBlob.status.isAvailable || httpBlob.disperser.toString() !== ferdie.address) throw new Error(`blob dispersed through Eve: ${httpBlob.toString()}`);
    const httpFile = path.join(work, 'via-http.bin');
    fs.writeFileSync(httpFile, viaHttp);
    const httpGot = await cli('get', httpRoot, `${httpFile}.out`);
    if (!httpGot.ok || sha256(`${httpFile}.out`) !== sha256(httpFile)) throw new Error('the blob dispersed through Eve was not rebuilt byte-identical');
    log(`3 MiB blob handed to Eve's worker over HTTP: Available (final) in ${(Date.now() - httpStarted) / 1000} s with ${done.attested_seats} of ${done.seats} seats, paid by Ferdie, rebuilt byte-identical; refused without the token (${refusedPosts.noToken}), with a wrong one (${refusedPosts.wrongToken}), empty (${refusedPosts.empty}), over 32 MiB (${refusedPosts.tooLarge}), twice (${duplicate})`);

    // 3. Dave's worker stopped: the blob is still rebuilt.
    workers[FAULTY].kill('SIGKILL');
    const output = `${input}.out`;
    const got = await cli('get', root, output);
    if (!got.ok || sha256(output) !== sha256(input)) throw new Error('the blob was not rebuilt byte-identical without Dave');
    log("blob rebuilt byte-identical from the other members' rows with Dave's worker stopped");
    // The same from single chunks only, each proven against the commitment along its row or
    // its column: what a reader falls back to when members answer samples but not whole rows.
    const cellsStarted = Date.now();
    const fromCells = await cli('get', root, `${output}.cells`, '--from-cells');
    if (!fromCells.ok || sha256(`${output}.cells`) !== sha256(input)) throw new Error('the blob was not rebuilt byte-identical from single chunks');
    log(`blob rebuilt byte-identical from single proven chunks in ${(Date.now() - cellsStarted) / 1000} s`);

    // 4. Dave back, withholding: challenged, misses, slashed.
    startSigner(FAULTY, ['--fault-da-withhold']);
    const daveAddress = signers[FAULTY].pair.address;
    const bondBefore = await daBond(FAULTY);
    const from = events.length;
    try {
      await send(api, api.tx.da.challenge(root, daveAddress), ferdie);
      log('Ferdie challenges Dave on the blob');
    } catch (e) {
      if (!/AlreadyChallenged/.test(e.message)) throw e;
      log('Dave already has a challenge drawn by the chain on the blob');
    }
    const missed = await waitFor('Dave to miss its challenge', async () => find('ChallengeMissed', (d) => d.signer.toString() === daveAddress), 120_000);
    const bondAfter = await daBond(FAULTY);
    if (bondAfter >= bondBefore) throw new Error(`Dave's DaSigner bond was not slashed: ${bondBefore} -> ${bondAfter}`);
    if (find('ChallengeAnswered', (d) => d.signer.toString() === daveAddress, from)) throw new Error('Dave answered a challenge while withholding');
    log(`Dave missed challenge ${missed.data.id}: DaSigner bond ${bondBefore / ZG} -> ${bondAfter / ZG} 0G`);

    // 5. A disperser whose lines do not match its commitment: refused, no quorum, failed.
    const badInput = path.join(work, 'bad.bin');
    fs.writeFileSync(badInput, crypto.randomBytes(1 << 20));
    const bad = await cli('submit', badInput, '--suri', '//Ferdie', '--fault-bad-lines');
    if (bad.ok || !/no quorum/.test(bad.out)) throw new Error('a delivery of bad lines was not refused');
    const refusals = (bad.out.match(/refused: 422/g) || []).length;
    if (refusals < NAMES.length - 1) throw new Error(`only ${refusals} signers refused the bad lines`);
    const badHex = /blob (0x[0-9a-f]{64}):/.exec(bad.out)?.[1];
    const badRoot = find('BlobSubmitted', (d) => d.root.toString() === badHex && d.disperser.toString() === ferdie.address);
    if (!badRoot) throw new Error(`no BlobSubmitted for ${badHex}`);
    const failed = await waitFor('the bad blob to fail', async () => find('BlobFailed', (d) => d.root.toString() === badRoot.data.root.toString()), 120_000);
    const refunded = failed.data.refunded.toBigInt();
    const expected = badRoot.data.fee.toBigInt() + badRoot.data.deposit.toBigInt();
    if (refunded !== expected) throw new Error(`refunded ${refunded}, expected fee + deposit ${expected}`);
    log(`the bad lines were refused by ${refusals} signers (422); the blob failed, ${refunded} plancks refunded, the submission fee ${badRoot.data.submissionFee} kept`);

    // 6. The honest signers answered every challenge.
    const honest = NAMES.filter((n) => n !== FAULTY);
    await assertNoMissedChallenge(api, 'da', honest, (d) => d.signer, nameOf, (n) => signers[n].pair.address);
    const answered = events.filter((e) => e.section === 'da' && e.method === 'ChallengeAnswered').length;
    log(`honest signers (${honest.join(', ')}) missed no challenge; ${answered} challenges answered by their nodes' offchain workers`);
    if (answered === 0) throw new Error('no challenge was answered');
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

module.exports = { run };
