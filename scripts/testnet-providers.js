// Makes the four validators of the local testnet storage and compute providers, each with its
// own worker, and prepares what a newcomer needs to try them: run by scripts/testnet.sh once the
// network is up; stops the workers when it is stopped (Ctrl-C).
//
// For Alice, Bob, Charlie and Dave (RPC ws://127.0.0.1:9944..9947):
// - the node gets its provider key (author_insertKey, type zgsp), the URL of its worker's
//   private API (127.0.0.1:8800..8803) and the secret they share (fresh for each run);
// - a worker is started on http://127.0.0.1:8700..8703 (logs and shards in ZG_TESTNET_DIR),
//   serving the tiny seeded model `zg-tiny-gpt` (from `zg-model tiny`), the chat model
//   `smollm2-135m-instruct` and the embedding model `all-MiniLM-L6-v2` (both from PyPI,
//   scripts/fetch-models.sh); Alice's worker is also the gateway that takes uploads;
// - the account bonds the StorageProvider and ComputeProvider roles (2 000 0G each), registers
//   its worker as a storage provider, verifiable inference services for the two generative
//   models (the deterministic engine runs both) and an embedding service;
// - the worker is also the DA signer of the account (--da-suri): the four validators are
//   bonded DA signers from genesis, registered at these workers' endpoints, and epoch 0's
//   committee is theirs, so blobs can be dispersed at once; Alice's worker also disperses
//   blobs handed to it over HTTP with a token (fresh for each run), paying with Eve's key.
// Then Ferdie deposits 10 0G to compute, allocates 1 0G to Alice and signs an API key (a
// spending capability of 0.1 0G for Alice, valid for a day), printed with examples.
const { execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { send, setupProviderNode, signCapability, startWorker, waitFor, waitForWorkers, listenArgs } = require('../zombienet/lib.js');
const modules = path.join(__dirname, '../e2e/node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { blake2AsHex, cryptoWaitReady } = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToHex } = require(path.join(modules, '@polkadot/util'));

const ZG = 10n ** 18n;
const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const MODEL = 'zg-tiny-gpt';
const EMBEDDER = 'all-MiniLM-L6-v2';
const SMOLLM = 'smollm2-135m-instruct';
const INPUT_PRICE = 1_000_000_000n; // 1 gwei per input token
const OUTPUT_PRICE = 3_000_000_000n; // 3 gwei per output token
const DAY = 14_400; // blocks of 6 s

const log = (msg) => console.log(`[providers] ${msg}`);
const cap = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;

async function main() {
  for (const name of ['ZG_WORKER', 'ZG_MODEL', 'ZG_TESTNET_DIR', 'ZG_MINILM_DIR', 'ZG_SMOLLM_PATH']) {
    if (!process.env[name]) throw new Error(`${name} must be set (scripts/testnet.sh sets it)`);
  }
  const work = process.env.ZG_TESTNET_DIR;
  fs.mkdirSync(work, { recursive: true });
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const wsUri = (i) => `ws://127.0.0.1:${9944 + i}`;
  // The nodes' RPC ports open once zombienet has started them.
  const listening = (port) =>
    new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket.end() && true));
      socket.on('error', () => resolve(false));
    });
  await waitFor('the testnet', async () => (await Promise.all(NAMES.map((_, i) => listening(9944 + i)))).every(Boolean), 300_000);
  const api = await ApiPromise.create({ provider: new WsProvider(wsUri(0)), noInitWarn: true });
  await waitFor('the first finalized block', async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber() > 0, 300_000);

  const modelPath = path.join(work, 'tiny.safetensors');
  execFileSync(process.env.ZG_MODEL, ['tiny', '--seed', '42', '--out', modelPath]);
  const modelRoot = blake2AsHex(fs.readFileSync(modelPath), 256);
  const minilm = process.env.ZG_MINILM_DIR;
  const embedderRoot = blake2AsHex(fs.readFileSync(path.join(minilm, 'model.safetensors')), 256);
  const smollm = process.env.ZG_SMOLLM_PATH;
  const smollmRoot = blake2AsHex(fs.readFileSync(smollm), 256);

  const workers = [];
  const stop = () => {
    for (const child of workers) child.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const dispersalToken = require('crypto').randomBytes(16).toString('hex');
  fs.writeFileSync(path.join(work, 'dispersal-token'), dispersalToken + '\n');
  const providers = [];
  for (const [i, name] of NAMES.entries()) {
    const suri = `//${cap(name)}`;
    const pair = keyring.addFromUri(suri);
    const endpoint = `http://127.0.0.1:${8700 + i}`;
    const publicHex = u8aToHex(pair.publicKey);
    await setupProviderNode(WsProvider, wsUri(i), suri, publicHex, 8700 + i);
    const args = [
      ...listenArgs(8700 + i),
      '--store', path.join(work, `${name}-shards`),
      '--node', wsUri(i),
      '--provider', publicHex,
      '--provider-suri', suri,
      '--da-suri', suri,
      '--model', `${MODEL}=${modelPath}`,
      '--embedding-model', `${EMBEDDER}=${minilm}`,
      '--model', `${SMOLLM}=${smollm}`,
    ];
    if (name === 'alice') args.push('--gateway', '--da-disperser-suri', '//Eve', '--da-disperse-token', dispersalToken);
    const child = startWorker(name, args, work);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGTERM') log(`${name}'s worker stopped (${signal ?? code}): see ${work}/${name}-worker.log`);
    });
    workers.push(child);
    providers.push({ name, pair, endpoint });
  }
  await waitForWorkers(providers.map((p) => p.endpoint));
  // One batch per provider, all in the same blocks.
  await Promise.all(
    providers.map(({ name, pair, endpoint }) =>
      send(
        api,
        api.tx.utility.batchAll([
          api.tx.staking.registerRole('StorageProvider', 2_000n * ZG),
          api.tx.storage.registerProvider(endpoint),
          api.tx.staking.registerRole('ComputeProvider', 2_000n * ZG),
          api.tx.compute.registerService('Inference', MODEL, modelRoot, INPUT_PRICE, OUTPUT_PRICE, endpoint, 'cpu (testnet)', 4, 256, true),
          api.tx.compute.registerService('Inference', SMOLLM, smollmRoot, INPUT_PRICE, OUTPUT_PRICE, endpoint, 'cpu (testnet)', 4, 256, true),
          api.tx.compute.registerService('Inference', EMBEDDER, embedderRoot, INPUT_PRICE, 0, endpoint, 'cpu (testnet)', 4, 1, false),
        ]),
        pair,
      ).then(() => log(`${name}: storage provider, ${MODEL}, ${SMOLLM} and ${EMBEDDER} services, worker ${endpoint}`)),
    ),
  );

  const ferdie = keyring.addFromUri('//Ferdie');
  const alice = providers[0];
  await send(api, api.tx.utility.batchAll([api.tx.compute.deposit(10n * ZG), api.tx.compute.allocate(alice.pair.address, ZG)]), ferdie, true);
  const { key } = await signCapability(api, ferdie, alice.pair.address, ZG / 10n, Date.now(), DAY);
  fs.writeFileSync(path.join(work, 'ferdie-api-key'), key + '\n');

  console.log(`
Providers ready: workers on http://127.0.0.1:8700 (Alice, also the upload gateway) .. 8703
(their nodes' private API on 8800 .. 8803), logs and shards in ${work}.

Store a file (Ferdie pays), then read it back:
  ${process.env.ZG_STORAGE} upload ./some-file --suri //Ferdie
  ${process.env.ZG_STORAGE} download 0x<root> ./some-file.again

Disperse a blob to the DA committee (Ferdie pays), sample it, read it back:
  ${process.env.ZG_DA} submit ./some-file --suri //Ferdie
  ${process.env.ZG_DA} sample 0x<root>
  ${process.env.ZG_DA} get 0x<root> ./some-file.again
or hand it to Alice's worker, which disperses it paying with Eve's key (the token is also in
${work}/dispersal-token):
  curl -s -X POST --data-binary @./some-file -H 'Authorization: Bearer ${dispersalToken}' http://127.0.0.1:8700/v1/dispersals
  curl -s http://127.0.0.1:8700/v1/dispersals/0x<root>

Call the OpenAI API of Alice's worker with Ferdie's API key (0.1 0G, valid for a day;
also in ${work}/ferdie-api-key):
  export OPENAI_BASE_URL=http://127.0.0.1:8700/v1 OPENAI_API_KEY=${key}
  curl -s $OPENAI_BASE_URL/chat/completions -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' -d '{"model":"${SMOLLM}","messages":[{"role":"user","content":"What is the capital of France?"}],"temperature":0}'
  curl -s $OPENAI_BASE_URL/embeddings -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' -d '{"model":"${EMBEDDER}","input":["A man is eating food.","A man is riding a horse."]}'

Ethereum tools (MetaMask, ethers, viem, Hardhat, Foundry) use eth-rpc: RPC URL
http://127.0.0.1:8545, chain id 16699, currency 0G (18 decimals). The Ethereum dev accounts
(Alith 0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac, private key
0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133, public: dev chains only)
hold 1 000 000 0G each. The Hardhat sample deploys an ERC-20:
  cd examples/hardhat && npx hardhat run scripts/deploy.js --network zg

Ctrl-C stops the network and the workers.`);
  await new Promise(() => {});
}

main().catch((e) => {
  console.error(`[providers] ${e.stack ?? e}`);
  process.exit(1);
});
