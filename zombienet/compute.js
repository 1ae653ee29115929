// 0G Compute on a live network, from polkadot.js (the project's pinned @polkadot/api 16, as a
// user would use it: its runtime-API calls come from the metadata), the official OpenAI SDK
// (npm `openai`) and the project's own binaries (ZG_WORKER: zg-worker, ZG_MODEL: zg-model):
//
// 1. `zg-model tiny --seed 42` writes the tiny seeded model; its BLAKE2b-256 is the model root.
// 2. Alice, Bob, Charlie and Dave become compute providers: each node gets its provider key
//    (author_insertKey, type zgsp) and its worker's URL (offchain local storage), a worker
//    serving the model is started for it, and the account bonds the ComputeProvider role and
//    registers a verifiable inference service. Dave's worker runs with --fault-outputs (wrong
//    outputs for its own jobs, honest verifications); Charlie's with --fault-votes (honest jobs,
//    wrong verifications: a dishonest verifier).
// 3. The services are found through the ComputeApi runtime API, a page at a time. Ferdie signs
//    a spending capability for Alice and calls Alice's worker with the OpenAI SDK, the signed
//    capability as its API key; a request without it is refused (401). The use is settled on
//    chain under the capability (UsageSettled equal to usage × prices). A key whose cap is
//    spent is refused (402), and Alice cannot settle more than a capability's cap on chain
//    (Compute.CapExceeded).
// 4. Ferdie submits a job to Alice's service; Alice's offchain worker runs it and reports the
//    result; after the challenge window the fee is paid to Alice, to the planck.
// 5. A prompt longer than the model's context is refused deterministically: Alice is paid the
//    refusal fee, nobody is slashed.
// 6. The same prompt on Dave's service gets a wrong answer; Ferdie challenges it; the verifiers
//    (Alice, Bob, Charlie), drawn a few blocks later, re-run the job: two vote the honest
//    output, Charlie votes with Dave; two thirds overturn the result: Dave is slashed 10 %,
//    Charlie (the minority) 1 %, Ferdie is refunded.
// 7. An honest job of Alice's is challenged: the verifiers (Bob, Charlie, Dave) vote, Charlie
//    dishonestly: one dishonest verifier of three cannot overturn it; the result is upheld,
//    Charlie slashed again, Ferdie's deposit pays the honest verifiers and Alice.
//
// Every provider bonds 2 000 0G, so that the slashed ones stay above the 1 000 0G minimum and
// keep verifying.
const { execFileSync } = require('child_process');
const { send, waitFor, setupProviderNode, signCapability, startWorker, waitForWorkers, listenArgs } = require('./lib.js');
const fs = require('fs');
const os = require('os');
const path = require('path');
const modules = path.join(__dirname, '../e2e/node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { blake2AsHex, cryptoWaitReady } = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToHex } = require(path.join(modules, '@polkadot/util'));
const OpenAI = require(path.join(modules, 'openai')).default;

const ZG = 10n ** 18n;
const ROLE_BOND = 2_000n * ZG;
const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const MODEL = 'zg-tiny-gpt';
// Real models from PyPI (scripts/fetch-models.sh), served by Alice's worker: an embedding
// model, and a small Llama-architecture chat model in the deterministic engine.
const EMBEDDER = 'all-MiniLM-L6-v2';
const SMOLLM = 'smollm2-135m-instruct';
const INPUT_PRICE = 1_000_000_000n; // 1 gwei per input token
const OUTPUT_PRICE = 3_000_000_000n; // 3 gwei per output token
const MAX_TOKENS = 24;
const MAX_FEE = ZG / 100n;
const PROMPT = 'The 0G chain is';

function log(msg) {
  console.log(`[compute] ${msg}`);
}

const cap = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;

async function run(nodeName, networkInfo) {
  if (!process.env.ZG_WORKER || !process.env.ZG_MODEL) throw new Error('ZG_WORKER and ZG_MODEL must be set');
  const minilm = process.env.ZG_MINILM_DIR;
  if (!minilm || !fs.existsSync(path.join(minilm, 'model.safetensors')))
    throw new Error('ZG_MINILM_DIR must name the all-MiniLM-L6-v2 directory (scripts/fetch-models.sh)');
  const smollm = process.env.ZG_SMOLLM_PATH;
  if (!smollm || !fs.existsSync(smollm)) throw new Error('ZG_SMOLLM_PATH must name SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch-models.sh)');
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const ferdie = keyring.addFromUri('//Ferdie');
  const api = await ApiPromise.create({ provider: new WsProvider(networkInfo.nodesByName[nodeName].wsUri), noInitWarn: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-compute-e2e-'));
  const workers = {};
  const providers = {};
  // The compute and staking events of finalized blocks, each block once, in order (the events
  // of best blocks would repeat those of a fork that lost).
  const events = [];
  let seen = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  let queue = Promise.resolve();
  const unsub = await api.rpc.chain.subscribeFinalizedHeads((head) => {
    queue = queue
      .then(async () => {
        for (let n = seen + 1; n <= head.number.toNumber(); n++) {
          const records = await api.query.system.events.at(await api.rpc.chain.getBlockHash(n));
          for (const { event } of records) if (event.section === 'compute' || event.section === 'staking') events.push(event);
          seen = n;
        }
      })
      .catch((e) => log(`reading finalized events: ${e.message}`));
  });
  const find = (section, method, pred = () => true) =>
    events.find((e) => e.section === section && e.method === method && pred(e.data));
  const nameOf = (address) => NAMES.find((n) => providers[n].pair.address === address.toString());
  const bond = async (name) =>
    (await api.query.staking.roleBonds(providers[name].pair.address, 'ComputeProvider')).unwrap().amount.toBigInt();

  try {
    // 1. The model.
    const modelPath = path.join(work, 'tiny.safetensors');
    log(execFileSync(process.env.ZG_MODEL, ['tiny', '--seed', '42', '--out', modelPath]).toString().trim());
    const modelRoot = blake2AsHex(fs.readFileSync(modelPath), 256);
    log(`model ${MODEL}: ${fs.statSync(modelPath).size} bytes, root ${modelRoot}`);
    const embedderRoot = blake2AsHex(fs.readFileSync(path.join(minilm, 'model.safetensors')), 256);
    const smollmRoot = blake2AsHex(fs.readFileSync(smollm), 256);

    // 2. Providers: key, worker URL, worker, role bond, service.
    for (const [i, name] of NAMES.entries()) {
      const pair = keyring.addFromUri(`//${cap(name)}`);
      const port = 8711 + i;
      const endpoint = `http://127.0.0.1:${port}`;
      const wsUri = networkInfo.nodesByName[name].wsUri;
      const publicHex = u8aToHex(pair.publicKey);
      await setupProviderNode(WsProvider, wsUri, `//${cap(name)}`, publicHex, port);
      const args = [
        ...listenArgs(port),
        '--store', path.join(work, name),
        '--node', wsUri,
        '--provider', publicHex,
        '--provider-suri', `//${cap(name)}`,
        '--model', `${MODEL}=${modelPath}`,
        '--input-price', INPUT_PRICE.toString(),
        '--output-price', OUTPUT_PRICE.toString(),
        '--settle-every', '5',
      ];
      // Alice runs one API request at a time: more at once get 429 (checked below); she also
      // serves the real models.
      if (name === 'alice') args.push('--max-inflight', '1', '--embedding-model', `${EMBEDDER}=${minilm}`, '--model', `${SMOLLM}=${smollm}`);
      if (name === 'dave') args.push('--fault-outputs');
      if (name === 'charlie') args.push('--fault-votes');
      workers[name] = startWorker(name, args, work);
      providers[name] = { pair, endpoint };
      await send(
        api,
        api.tx.utility.batchAll([
          api.tx.staking.registerRole('ComputeProvider', ROLE_BOND),
          api.tx.compute.registerService('Inference', MODEL, modelRoot, INPUT_PRICE, OUTPUT_PRICE, endpoint, 'cpu (e2e)', 4, 256, true),
          ...(name === 'alice'
            ? [
                api.tx.compute.registerService('Inference', EMBEDDER, embedderRoot, INPUT_PRICE, 0, endpoint, 'cpu (e2e)', 4, 1, false),
                api.tx.compute.registerService('Inference', SMOLLM, smollmRoot, INPUT_PRICE, OUTPUT_PRICE, endpoint, 'cpu (e2e)', 4, 256, true),
              ]
            : []),
        ]),
        pair,
      );
      log(`${name} serves ${MODEL} (worker ${endpoint}, logs ${work}/${name}-worker.log)`);
    }
    await waitForWorkers(Object.values(providers).map((p) => p.endpoint));

    // 3. Discovery, a page at a time, and the HTTP API with a signed capability.
    // At the best block, which may not hold the last registration yet: read again until it does.
    const serviceOf = {};
    await waitFor('every provider\'s service in ComputeApi.services', async () => {
      let start = null;
      for (;;) {
        const page = await api.call.computeApi.services(MODEL, null, null, start, 3);
        for (const s of page.services) serviceOf[nameOf(s.provider)] = s.id.toNumber();
        if (page.next.isNone) break;
        start = page.next.unwrap();
      }
      return Object.keys(serviceOf).length === NAMES.length;
    }, 30_000);
    log(`ComputeApi.services(${MODEL}), pages of 3: ${JSON.stringify(serviceOf)}`);
    const alice = providers.alice;
    await send(api, api.tx.compute.deposit(ZG), ferdie);
    // The worker reads allocations and settlements at the best block.
    await send(api, api.tx.compute.allocate(alice.pair.address, ZG / 10n), ferdie, true);
    const { key } = await signCapability(api, ferdie, alice.pair.address, ZG / 100n, 1);
    const openai = new OpenAI({ apiKey: key, baseURL: `${alice.endpoint}/v1` });
    const models = await openai.models.list();
    if (!models.data.some((m) => m.id === MODEL)) throw new Error(`/v1/models: ${JSON.stringify(models.data)}`);
    const noKey = await fetch(`${alice.endpoint}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 8 }),
    });
    if (noKey.status !== 401) throw new Error(`a request without a key got ${noKey.status}`);
    const chat = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 8 });
    const cost = BigInt(chat.usage.prompt_tokens) * INPUT_PRICE + BigInt(chat.usage.completion_tokens) * OUTPUT_PRICE;
    log(`OpenAI SDK chat completion: ${JSON.stringify(chat.choices[0].message.content)}, usage ${JSON.stringify(chat.usage)}, cost ${cost}`);
    const settledUsage = await waitFor(
      'the API usage to be settled',
      async () => find('compute', 'UsageSettled', (d) => d.user.toString() === ferdie.address),
      120_000,
    );
    if (settledUsage.data.amount.toBigInt() !== cost) throw new Error(`settled ${settledUsage.data.amount} for a cost of ${cost}`);
    log(`UsageSettled under the capability: ${cost} plancks to Alice`);
    // A key with a cap too small for a request's largest cost is refused.
    const { key: small } = await signCapability(api, ferdie, alice.pair.address, 1_000n, 2);
    const poor = new OpenAI({ apiKey: small, baseURL: `${alice.endpoint}/v1`, maxRetries: 0 });
    const refused = await poor.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 8 })
      .then(() => null, (e) => e);
    if (refused?.status !== 402) throw new Error(`a key with a tiny cap got ${refused?.status ?? 200}`);
    // Alice cannot settle beyond what Ferdie signed, whatever the allocation.
    const signed = await signCapability(api, ferdie, alice.pair.address, 1_000n, 3);
    const beyond = await send(api, api.tx.compute.settleUsage(signed.capability, signed.signature, 1_001n), alice.pair).then(
      () => null,
      (e) => e.message,
    );
    if (beyond !== 'compute.CapExceeded') throw new Error(`settling beyond the cap: ${beyond}`);
    log('a key with a tiny cap is refused (402); settling beyond a capability\'s cap fails (compute.CapExceeded)');

    // The rest of the OpenAI API through the SDK, as a user's code calls it: streamed chat
    // (usage only when asked), legacy completions, embeddings, and the SDK's error classes.
    const greedy = { model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 8, temperature: 0 };
    const whole = await openai.chat.completions.create(greedy);
    const pieces = [];
    let usageChunks = 0;
    for await (const chunk of await openai.chat.completions.create({ ...greedy, stream: true })) {
      if (chunk.usage) usageChunks += 1;
      pieces.push(chunk.choices[0]?.delta?.content ?? '');
    }
    if (pieces.join('') !== whole.choices[0].message.content || usageChunks !== 0)
      throw new Error(`streamed ${JSON.stringify(pieces)} (${usageChunks} usage chunks) for ${JSON.stringify(whole.choices[0].message.content)}`);
    const chunks = [];
    for await (const chunk of await openai.chat.completions.create({ ...greedy, stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
    const last = chunks[chunks.length - 1];
    if (last.choices.length !== 0 || last.usage?.completion_tokens !== whole.usage.completion_tokens)
      throw new Error(`the usage chunk: ${JSON.stringify(last)}`);
    const text = await openai.completions.create({ model: MODEL, prompt: PROMPT, max_tokens: 4, temperature: 0 });
    if (typeof text.choices[0].text !== 'string' || text.usage.completion_tokens < 1) throw new Error(`completions: ${JSON.stringify(text)}`);
    const embedded = await openai.embeddings.create({ model: MODEL, input: ['storage', 'compute'] });
    const dims = embedded.data.map((d) => d.embedding.length);
    if (dims.length !== 2 || dims[0] < 1 || dims[0] !== dims[1]) throw new Error(`embeddings: ${JSON.stringify(dims)}`);
    log(`OpenAI SDK: streamed chat equals the whole answer (usage chunk only with include_usage), completions ${JSON.stringify(text.choices[0].text)}, embeddings of ${dims[0]} dimensions`);
    // The real embedding model: a sentence is nearer one of the same meaning than another.
    const sentences = ['A man is eating food.', 'A man is eating a piece of bread.', 'A man is riding a horse.'];
    const meaning = await openai.embeddings.create({ model: EMBEDDER, input: sentences });
    const [food, bread, horse] = meaning.data.map((d) => d.embedding);
    const cos = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0); // unit vectors
    if (food.length !== 384 || !(cos(food, bread) > cos(food, horse) + 0.2) || meaning.usage.prompt_tokens < 20)
      throw new Error(`${EMBEDDER}: ${food.length} dimensions, cos ${cos(food, bread)} vs ${cos(food, horse)}, usage ${JSON.stringify(meaning.usage)}`);
    log(`${EMBEDDER}: 384 dimensions, cos(food, bread) ${cos(food, bread).toFixed(3)} > cos(food, horse) ${cos(food, horse).toFixed(3)}, ${meaning.usage.prompt_tokens} tokens`);
    // The real chat model, its own chat template applied: a right answer.
    const started = Date.now();
    const paris = await openai.chat.completions.create({ model: SMOLLM, messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 24, temperature: 0 });
    const said = paris.choices[0].message.content;
    if (!said.includes('Paris') || paris.choices[0].finish_reason !== 'stop') throw new Error(`${SMOLLM}: ${JSON.stringify(paris)}`);
    log(`${SMOLLM}: ${JSON.stringify(said)} (${paris.usage.prompt_tokens} + ${paris.usage.completion_tokens} tokens in ${Date.now() - started} ms)`);
    const strict = new OpenAI({ apiKey: key, baseURL: `${alice.endpoint}/v1`, maxRetries: 0 });
    const errorOf = (promise) => promise.then(() => null, (e) => e);
    const tooMany = await errorOf(strict.chat.completions.create({ ...greedy, max_tokens: 1_000_000 }));
    if (!(tooMany instanceof OpenAI.BadRequestError)) throw new Error(`max_tokens 1000000: ${tooMany}`);
    const stranger = new OpenAI({ apiKey: 'sk-not-a-0g-key', baseURL: `${alice.endpoint}/v1`, maxRetries: 0 });
    const unknownKey = await errorOf(stranger.models.list().then(() => stranger.chat.completions.create(greedy)));
    if (!(unknownKey instanceof OpenAI.AuthenticationError)) throw new Error(`a key that is not one: ${unknownKey}`);
    const noModel = await errorOf(strict.chat.completions.create({ ...greedy, model: 'no-such-model' }));
    if (!(noModel instanceof OpenAI.NotFoundError)) throw new Error(`an unknown model: ${noModel}`);
    if (!(refused instanceof OpenAI.APIError)) throw new Error(`402 is not an APIError: ${refused}`);
    const burst = await Promise.all(Array.from({ length: 16 }, () => errorOf(strict.chat.completions.create({ ...greedy, max_tokens: 200 }))));
    const limited = burst.filter((e) => e instanceof OpenAI.RateLimitError).length;
    if (limited === 0 || limited === burst.length) throw new Error(`16 requests at once on a worker that runs one: ${limited} got 429`);
    log(`OpenAI SDK error classes: BadRequestError (400), AuthenticationError (401), APIError (402), NotFoundError (404), RateLimitError (429: ${limited} of 16 at once)`);

    // 4. A job on Alice's service, settled after the window.
    const ledger = async () => {
      const l = await api.query.compute.ledgers(ferdie.address);
      return l.isSome ? l.unwrap().free.toBigInt() : 0n;
    };
    const submitJob = async (name, prompt = PROMPT) => {
      const evs = await send(api, api.tx.compute.submitJob(serviceOf[name], { Inline: prompt }, MAX_TOKENS, MAX_FEE), ferdie);
      const ev = evs.find(({ event }) => api.events.compute.JobSubmitted.is(event));
      return ev.event.data.job.toNumber();
    };
    const answerOf = (job) => waitFor(`job ${job} to be answered`, async () => find('compute', 'JobAnswered', (d) => d.job.toNumber() === job), 120_000);
    const ledgerBefore = await ledger();
    const job1 = await submitJob('alice');
    const answered1 = await answerOf(job1);
    const { outcome, fee } = answered1.data;
    if (!outcome.isOutput) throw new Error(`job ${job1}: ${outcome}`);
    const honest = outcome.asOutput;
    const expectedFee = honest.inputTokens.toBigInt() * INPUT_PRICE + honest.outputTokens.toBigInt() * OUTPUT_PRICE;
    if (fee.toBigInt() !== expectedFee) throw new Error(`fee ${fee} is not usage × prices ${expectedFee}`);
    log(`Alice answered job ${job1}: ${honest.inputTokens} + ${honest.outputTokens} tokens, fee ${fee}`);
    const settled = await waitFor('job 1 to be settled', async () => find('compute', 'JobSettled', (d) => d.job.toNumber() === job1), 120_000);
    if (settled.data.fee.toBigInt() !== expectedFee || settled.data.provider.toString() !== alice.pair.address)
      throw new Error(`settled ${JSON.stringify(settled.data.toHuman())}`);
    if ((await ledger()) !== ledgerBefore - expectedFee) throw new Error(`ledger ${await ledger()} != ${ledgerBefore} - ${expectedFee}`);
    log(`job ${job1} settled after the window: Alice paid ${expectedFee}, Ferdie's ledger lower by exactly that`);

    // 5. An input longer than the context: refused, the refusal fee paid, nobody slashed.
    const aliceBond = await bond('alice');
    const longJob = await submitJob('alice', 'x'.repeat(600));
    const answeredLong = await answerOf(longJob);
    if (!answeredLong.data.outcome.isRefused || !answeredLong.data.outcome.asRefused.isContextTooLong)
      throw new Error(`a too long input: ${answeredLong.data.outcome}`);
    await waitFor('the refusal to be settled', async () => find('compute', 'JobSettled', (d) => d.job.toNumber() === longJob), 120_000);
    if ((await bond('alice')) !== aliceBond) throw new Error('a refusal was slashed');
    if (find('compute', 'JobExpired', (d) => d.job.toNumber() === longJob)) throw new Error('the refused job expired');
    log(`job ${longJob} (600 bytes, context 256 tokens) refused: fee ${answeredLong.data.fee} plancks, nobody slashed`);

    // 6. Dave's wrong answer, one dishonest verifier (Charlie) on Dave's side: overturned.
    const charlieBond = await bond('charlie');
    const job2 = await submitJob('dave');
    const answered2 = await answerOf(job2);
    if (answered2.data.outcome.asOutput.outputHash.eq(honest.outputHash)) throw new Error("Dave's faulty worker returned the honest output");
    const ledger2 = await ledger();
    await send(api, api.tx.compute.challenge(job2), ferdie);
    const drawn2 = await waitFor('verifiers to be drawn', async () => find('compute', 'VerifiersDrawn', (d) => d.job.toNumber() === job2), 60_000);
    log(`job ${job2}: Dave answered wrong; challenged; verifiers drawn a few blocks later: ${drawn2.data.verifiers.map(nameOf).join(', ')}`);
    const resolved2 = await waitFor('the dispute to be decided', async () => find('compute', 'DisputeResolved', (d) => d.job.toNumber() === job2), 120_000);
    if (!resolved2.data.verdict.isOverturned) throw new Error(`verdict ${resolved2.data.verdict}`);
    if ((await bond('dave')) !== ROLE_BOND - ROLE_BOND / 10n) throw new Error(`Dave's bond is ${await bond('dave')}`);
    if ((await bond('charlie')) !== charlieBond - charlieBond / 100n) throw new Error(`Charlie's bond is ${await bond('charlie')}`);
    if ((await ledger()) <= ledger2) throw new Error('Ferdie was not refunded');
    log(`dispute on job ${job2}: ${resolved2.data.votesAgainst} of 3 against Dave, Overturned; Dave -10 %, Charlie (minority) -1 %, Ferdie refunded`);

    // 7. An honest result challenged: Charlie votes against it, two honest verifiers uphold it.
    const charlieBond3 = await bond('charlie');
    const job3 = await submitJob('alice');
    await answerOf(job3);
    const bobBefore = (await api.query.system.account(providers.bob.pair.address)).data.free.toBigInt();
    await send(api, api.tx.compute.challenge(job3), ferdie);
    const resolved3 = await waitFor('the second dispute to be decided', async () => find('compute', 'DisputeResolved', (d) => d.job.toNumber() === job3), 120_000);
    if (!resolved3.data.verdict.isUpheld) throw new Error(`verdict ${resolved3.data.verdict}`);
    const penalized = events.filter((e) => e.method === 'VerifierPenalized' && e.data.job.toNumber() === job3).map((e) => nameOf(e.data.verifier));
    if (penalized.join() !== 'charlie') throw new Error(`penalized: ${penalized}`);
    if ((await bond('charlie')) !== charlieBond3 - charlieBond3 / 100n) throw new Error(`Charlie's bond is ${await bond('charlie')}, was ${charlieBond3}`);
    const rewarded = events.filter((e) => e.method === 'VerifierRewarded' && e.data.job.toNumber() === job3).map((e) => nameOf(e.data.verifier));
    if (!rewarded.includes('bob')) throw new Error(`rewarded: ${rewarded}`);
    if ((await bond('alice')) !== aliceBond) throw new Error('Alice was slashed for an honest result');
    const bobAfter = (await api.query.system.account(providers.bob.pair.address)).data.free.toBigInt();
    log(`dispute on job ${job3}: Upheld by ${resolved3.data.votesFor} of 3 (Charlie against, slashed); Bob earned ${bobAfter - bobBefore} plancks from Ferdie's deposit`);
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
