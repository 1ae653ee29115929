// 0G Compute on a live network, from polkadot.js (the project's pinned @polkadot/api 16, as a
// user would use it: its runtime-API calls come from the metadata) and the project's own binaries (ZG_WORKER: zg-worker, ZG_MODEL: zg-model):
//
// 1. `zg-model tiny --seed 42` writes the tiny seeded model; its BLAKE2b-256 is the model root.
// 2. Alice, Bob, Charlie and Dave become compute providers: each node gets its provider key
//    (author_insertKey, type zgsp) and its worker's URL (offchain local storage), a worker
//    serving the model is started for it, and the account bonds the ComputeProvider role and
//    registers an inference service. Dave's worker is started with --fault-outputs: it returns
//    wrong outputs for its own jobs (but verifies honestly).
// 3. The services are found through the ComputeApi runtime API; Alice's worker lists the model
//    on /v1/models, refuses an unsigned chat request (401) and answers a signed one with usage,
//    metered against Ferdie's allocation and settled on chain (UsageSettled).
// 4. Ferdie deposits and submits a job to Alice's service; Alice's offchain worker runs it on
//    her worker and reports the result; after the challenge window the fee (usage × prices) is
//    paid from escrow to Alice and the rest is back in Ferdie's ledger, to the planck.
// 5. Ferdie submits the same prompt to Dave's service; Dave's answer differs from Alice's;
//    Ferdie challenges it; the verifiers drawn (Alice, Bob, Charlie) re-run the job and vote
//    against it; Dave's role bond is slashed by 10 % and Ferdie's ledger is refunded.
const { execFileSync } = require('child_process');
const { send, waitFor, setupProviderNode, startWorker, waitForWorkers } = require('./lib.js');
const fs = require('fs');
const os = require('os');
const path = require('path');
const modules = path.join(__dirname, '../e2e/node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { blake2AsU8a, blake2AsHex, cryptoWaitReady } = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToHex, u8aConcat, stringToU8a } = require(path.join(modules, '@polkadot/util'));

const ZG = 10n ** 18n;
const ROLE_BOND = 1_000n * ZG;
const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const FAULTY = 'dave';
const MODEL = 'zg-tiny-gpt';
const INPUT_PRICE = 1_000_000_000n; // 1 gwei per input token
const OUTPUT_PRICE = 3_000_000_000n; // 3 gwei per output token
const MAX_TOKENS = 24;
const MAX_FEE = ZG / 100n;
const PROMPT = 'The 0G chain is';

function log(msg) {
  console.log(`[compute] ${msg}`);
}

const cap = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;

// `Authorization` header value for a request body signed by `pair` for `provider`.
function authorization(pair, providerPublic, body) {
  const nonce = BigInt(Date.now());
  const nonceLe = new Uint8Array(8);
  new DataView(nonceLe.buffer).setBigUint64(0, nonce, true);
  const message = u8aConcat(stringToU8a('zg-compute-api'), providerPublic, nonceLe, blake2AsU8a(body, 256));
  return `ZG-Sr25519 ${u8aToHex(pair.publicKey)}:${nonce}:${u8aToHex(pair.sign(message))}`;
}

async function run(nodeName, networkInfo) {
  if (!process.env.ZG_WORKER || !process.env.ZG_MODEL) throw new Error('ZG_WORKER and ZG_MODEL must be set');
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const ferdie = keyring.addFromUri('//Ferdie');
  const api = await ApiPromise.create({ provider: new WsProvider(networkInfo.nodesByName[nodeName].wsUri), noInitWarn: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-compute-e2e-'));
  const workers = {};
  const providers = {};
  const events = [];
  const unsub = await api.query.system.events((records) => {
    for (const { event } of records) if (event.section === 'compute' || event.section === 'staking') events.push(event);
  });
  const find = (section, method, pred = () => true) =>
    events.find((e) => e.section === section && e.method === method && pred(e.data));

  try {
    // 1. The model.
    const modelPath = path.join(work, 'tiny.safetensors');
    log(execFileSync(process.env.ZG_MODEL, ['tiny', '--seed', '42', '--out', modelPath]).toString().trim());
    const modelRoot = blake2AsHex(fs.readFileSync(modelPath), 256);
    log(`model ${MODEL}: ${fs.statSync(modelPath).size} bytes, root ${modelRoot}`);

    // 2. Providers: key, worker URL, worker, role bond, service.
    for (const [i, name] of NAMES.entries()) {
      const pair = keyring.addFromUri(`//${cap(name)}`);
      const port = 8711 + i;
      const endpoint = `http://127.0.0.1:${port}`;
      const wsUri = networkInfo.nodesByName[name].wsUri;
      const publicHex = u8aToHex(pair.publicKey);
      await setupProviderNode(WsProvider, wsUri, `//${cap(name)}`, publicHex, endpoint);
      const args = [
        '--listen', `127.0.0.1:${port}`,
        '--store', path.join(work, name),
        '--node', wsUri,
        '--provider', publicHex,
        '--provider-suri', `//${cap(name)}`,
        '--model', `${MODEL}=${modelPath}`,
        '--input-price', INPUT_PRICE.toString(),
        '--output-price', OUTPUT_PRICE.toString(),
        '--settle-every', '5',
      ];
      if (name === FAULTY) args.push('--fault-outputs');
      workers[name] = startWorker(name, args, work);
      providers[name] = { pair, endpoint, publicKey: pair.publicKey };
      await send(
        api,
        api.tx.utility.batchAll([
          api.tx.staking.registerRole('ComputeProvider', ROLE_BOND),
          api.tx.compute.registerService('Inference', MODEL, modelRoot, INPUT_PRICE, OUTPUT_PRICE, endpoint, 'cpu (e2e)', 4),
        ]),
        pair,
      );
      log(`${name} serves ${MODEL} (worker ${endpoint}${name === FAULTY ? ', faulty' : ''}, logs ${work}/${name}-worker.log)`);
    }
    await waitForWorkers(Object.values(providers).map((p) => p.endpoint));

    // 3. Discovery and the HTTP API.
    const found = await api.call.computeApi.services(MODEL, null, null, 10);
    if (found.length !== NAMES.length) throw new Error(`ComputeApi.services found ${found.length} services`);
    const serviceOf = {};
    for (const s of found) {
      const name = NAMES.find((n) => providers[n].pair.address === s.provider.toString());
      serviceOf[name] = s.id.toNumber();
    }
    log(`ComputeApi.services(${MODEL}): ${JSON.stringify(serviceOf)}`);
    const alice = providers.alice;
    const models = await fetch(`${alice.endpoint}/v1/models`).then((r) => r.json());
    if (!models.data?.some((m) => m.id === MODEL)) throw new Error(`/v1/models: ${JSON.stringify(models)}`);
    const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 8 });
    const unsigned = await fetch(`${alice.endpoint}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    if (unsigned.status !== 401) throw new Error(`an unsigned request got ${unsigned.status}`);
    await send(api, api.tx.compute.deposit(ZG), ferdie);
    // The worker reads allocations at the finalized block.
    await send(api, api.tx.compute.allocate(alice.pair.address, ZG / 10n), ferdie, true);
    const signed = await fetch(`${alice.endpoint}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization(ferdie, alice.publicKey, body) },
      body,
    });
    const chat = await signed.json();
    if (signed.status !== 200 || !chat.usage) throw new Error(`signed chat: ${signed.status} ${JSON.stringify(chat)}`);
    const cost = BigInt(chat.usage.prompt_tokens) * INPUT_PRICE + BigInt(chat.usage.completion_tokens) * OUTPUT_PRICE;
    log(`chat completion: ${JSON.stringify(chat.choices[0].message.content)}, usage ${JSON.stringify(chat.usage)}, cost ${cost}`);
    const settledUsage = await waitFor(
      'the API usage to be settled',
      async () => find('compute', 'UsageSettled', (d) => d.user.toString() === ferdie.address),
      120_000,
    );
    if (settledUsage.data.amount.toBigInt() !== cost) throw new Error(`settled ${settledUsage.data.amount} for a cost of ${cost}`);
    log(`UsageSettled: ${cost} plancks to Alice`);

    // 4. A job on Alice's service, settled after the window.
    const ledger = async () => {
      const l = await api.query.compute.ledgers(ferdie.address);
      return l.isSome ? l.unwrap().free.toBigInt() : 0n;
    };
    const ledgerBefore = await ledger();
    const submitJob = async (name) => {
      const evs = await send(api, api.tx.compute.submitJob(serviceOf[name], { Inline: PROMPT }, MAX_TOKENS, MAX_FEE), ferdie);
      const ev = evs.find(({ event }) => api.events.compute.JobSubmitted.is(event));
      return ev.event.data.job.toNumber();
    };
    const job1 = await submitJob('alice');
    log(`job ${job1} submitted to Alice's service`);
    const answered1 = await waitFor('Alice to answer', async () => find('compute', 'JobAnswered', (d) => d.job.toNumber() === job1), 120_000);
    const { inputTokens, outputTokens, fee, outputHash } = answered1.data;
    const expectedFee = inputTokens.toBigInt() * INPUT_PRICE + outputTokens.toBigInt() * OUTPUT_PRICE;
    if (fee.toBigInt() !== expectedFee) throw new Error(`fee ${fee} is not usage × prices ${expectedFee}`);
    log(`Alice answered job ${job1}: ${inputTokens} + ${outputTokens} tokens, fee ${fee}, output ${outputHash}`);
    const settled = await waitFor('job 1 to be settled', async () => find('compute', 'JobSettled', (d) => d.job.toNumber() === job1), 120_000);
    if (settled.data.fee.toBigInt() !== expectedFee || settled.data.provider.toString() !== alice.pair.address)
      throw new Error(`settled ${JSON.stringify(settled.data.toHuman())}`);
    if ((await ledger()) !== ledgerBefore - expectedFee) throw new Error(`ledger ${await ledger()} != ${ledgerBefore} - ${expectedFee}`);
    log(`job ${job1} settled after the window: Alice paid ${expectedFee}, Ferdie's ledger ${ledgerBefore} -> ${ledgerBefore - expectedFee}`);

    // 5. The same prompt on Dave's faulty worker: challenged, overturned, slashed.
    const job2 = await submitJob('dave');
    const answered2 = await waitFor('Dave to answer', async () => find('compute', 'JobAnswered', (d) => d.job.toNumber() === job2), 120_000);
    if (answered2.data.outputHash.eq(outputHash)) throw new Error("Dave's faulty worker returned the honest output");
    log(`Dave answered job ${job2} with ${answered2.data.outputHash} (Alice got ${outputHash} for the same prompt); challenging`);
    const challenged = await send(api, api.tx.compute.challenge(job2), ferdie);
    const drawn = challenged.find(({ event }) => api.events.compute.JobChallenged.is(event)).event.data.verifiers.map((v) => v.toString());
    log(`verifiers drawn: ${drawn.map((a) => NAMES.find((n) => providers[n].pair.address === a)).join(', ')}`);
    const resolved = await waitFor('the dispute to be decided', async () => find('compute', 'DisputeResolved', (d) => d.job.toNumber() === job2), 120_000);
    const votes = events.filter((e) => e.section === 'compute' && e.method === 'Voted' && e.data.job.toNumber() === job2);
    for (const v of votes) if (!v.data.outputHash.eq(outputHash)) throw new Error(`a verifier voted ${v.data.outputHash}`);
    if (!resolved.data.verdict.isOverturned) throw new Error(`verdict ${resolved.data.verdict}`);
    const daveBond = (await api.query.staking.roleBonds(providers.dave.pair.address, 'ComputeProvider')).unwrap().amount.toBigInt();
    if (daveBond !== ROLE_BOND - ROLE_BOND / 10n) throw new Error(`Dave's bond is ${daveBond}`);
    if (!find('staking', 'RoleSlashed', (d) => d.who.toString() === providers.dave.pair.address)) throw new Error('no RoleSlashed event');
    if ((await ledger()) !== ledgerBefore - expectedFee) throw new Error('Ferdie was not refunded');
    const voters = new Set(votes.map((v) => v.data.verifier.toString()));
    if (voters.size !== drawn.length) throw new Error(`${voters.size} of ${drawn.length} verifiers voted`);
    log(`dispute: ${voters.size} votes for the honest output, verdict Overturned, Dave's bond ${Number(daveBond) / 1e18} 0G, Ferdie refunded`);
  } catch (e) {
    log(`failed; workers' logs kept in ${work}`);
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
