// Helpers shared by the zombienet js-scripts (staking.js, storage.js, compute.js) and the
// testnet's provider set-up (scripts/testnet-providers.js).
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { u8aToHex, u8aConcat, stringToU8a } = require(path.join(__dirname, '../e2e/node_modules/@polkadot/util'));

// Pool answers that only say the signer's nonce raced another transaction of the same account
// (a provider's node submits its offchain worker's duties with that account's key): the
// transaction never entered the pool, or left it unexecuted, so signing it again with the
// next nonce is safe.
const NONCE_RACE = /1014: Priority is too low|1010: Invalid Transaction: Transaction is (outdated|stale)|Usurped|Dropped/;

function sendOnce(api, tx, signer, finalized) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) {
        const err = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(err ? `${err.section}.${err.name}` : dispatchError.toString()));
      } else if (status.isUsurped || status.isDropped || status.isInvalid) {
        reject(new Error(`transaction ${status.type}`));
      } else if (finalized ? status.isFinalized : status.isInBlock) {
        resolve(events);
      }
    }).catch(reject);
  });
}

// Signs and sends `tx`; resolves with its events once in a block (once finalized when
// `finalized` is set), rejects with the module error (`section.Name`) if it failed. A nonce
// that raced another transaction of the signer is retried with a fresh one (5 tries, 3 s apart).
async function send(api, tx, signer, finalized = false) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendOnce(api, tx, signer, finalized);
    } catch (e) {
      if (attempt >= 5 || !NONCE_RACE.test(e.message)) throw e;
      console.log(`[send] ${e.message}: signing again with a fresh nonce (try ${attempt + 1})`);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

// Polls `check` every `everyMs` (default 2 s; a fault injected while a transfer is under way
// polls every few ms) until it returns a truthy value (returned), or throws after `timeoutMs`.
async function waitFor(what, check, timeoutMs, everyMs = 2000) {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// The events of the finalized chain for which `pred(event)` holds, as `{ block, event }`, from
// block 1 to the best block when called (waiting up to `timeoutMs` for it to be finalized). An
// event subscription follows the best block, forks included: a fault seen there may belong to
// a block that was later retracted; the finalized chain's events are final.
async function finalizedEvents(api, pred, timeoutMs = 60_000) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  await waitFor(`block ${best} to be finalized`, async () => {
    const head = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    return head.number.toNumber() >= best;
  }, timeoutMs);
  const found = [];
  for (let block = 1; block <= best; block++) {
    const at = await api.at(await api.rpc.chain.getBlockHash(block));
    for (const { event } of await at.query.system.events()) if (pred(event)) found.push({ block, event });
  }
  return found;
}

// What `address` signed in blocks `from..=to` of the canonical chain, one line per extrinsic
// (`#block section.method ok|failed`): the evidence when a duty was not done in time.
async function signedBy(api, address, from, to) {
  const lines = [];
  for (let block = from; block <= to; block++) {
    const hash = await api.rpc.chain.getBlockHash(block);
    const [signed, events] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.events.at(hash)]);
    signed.block.extrinsics.forEach((ext, index) => {
      if (!ext.isSigned || ext.signer.toString() !== address) return;
      const failed = events.some(({ phase, event }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.eq(index) && event.method === 'ExtrinsicFailed');
      lines.push(`#${block} ${ext.method.section}.${ext.method.method} ${failed ? 'failed' : 'ok'}`);
    });
  }
  return lines;
}

// Throws if any of `honest` (names) missed a `section` challenge on the finalized chain, naming
// the challenge, its blocks and what the party signed in between. `partyOf(eventData)` is the
// account the challenge was for; `nameOf` and `addressOf` map accounts to names and back.
async function assertNoMissedChallenge(api, section, honest, partyOf, nameOf, addressOf) {
  const challenges = await finalizedEvents(api, (e) => e.section === section && ['ChallengeIssued', 'ChallengeMissed'].includes(e.method));
  for (const { block, event } of challenges.filter((c) => c.event.method === 'ChallengeMissed')) {
    const name = nameOf(partyOf(event.data));
    if (!honest.includes(name)) continue;
    const issued = challenges.find((c) => c.event.method === 'ChallengeIssued' && c.event.data.id.eq(event.data.id));
    const from = issued ? issued.block : block - 20;
    const sent = await signedBy(api, addressOf(name), from, block);
    throw new Error(`${name} missed challenge ${event.data.id} (issued in block ${from}, missed in ${block}) with its worker running; it signed: ${sent.join(', ') || 'nothing'}`);
  }
}

const hex = (text) => '0x' + Buffer.from(text).toString('hex');

// The secret the workers started here share with their nodes (the worker's --node-secret, from
// its environment; the node's `zg::worker-secret`): a fresh one per run.
const NODE_SECRET = crypto.randomBytes(16).toString('hex');

// A worker whose public API is on `port` has its private API (for its node) on `port + 100`.
const privateUrl = (port) => `http://127.0.0.1:${port + 100}`;

// The listen arguments of a worker whose public API is on `port`.
const listenArgs = (port) => ['--listen', `127.0.0.1:${port}`, '--private-listen', `127.0.0.1:${port + 100}`];

// Makes a node a provider's node: `suri`'s key (public key `publicHex`) in its keystore as a
// provider key (type zgsp), and the URL of its worker's private API (the worker's public API
// on `port`) and the shared secret in its offchain storage. `WsProvider` is the caller's
// polkadot.js class.
async function setupProviderNode(WsProvider, wsUri, suri, publicHex, port) {
  const rpc = new WsProvider(wsUri);
  await rpc.isReady;
  await rpc.send('author_insertKey', ['zgsp', suri, publicHex]);
  await rpc.send('offchain_localStorageSet', ['PERSISTENT', hex('zg::worker-url'), hex(privateUrl(port))]);
  await rpc.send('offchain_localStorageSet', ['PERSISTENT', hex('zg::worker-secret'), hex(NODE_SECRET)]);
  await rpc.disconnect();
}

// Starts ZG_WORKER with `args` (and the shared secret), its output in `<dir>/<name>-worker.log`.
function startWorker(name, args, dir) {
  const env = { ...process.env, ZG_NODE_SECRET: NODE_SECRET };
  const child = spawn(process.env.ZG_WORKER, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const logFile = fs.createWriteStream(path.join(dir, `${name}-worker.log`));
  child.stdout.pipe(logFile);
  child.stderr.pipe(logFile);
  return child;
}

// Waits until every worker at `endpoints` answers GET /health.
function waitForWorkers(endpoints, timeoutMs = 60_000) {
  return waitFor(
    'the workers to listen',
    async () => {
      for (const endpoint of endpoints) {
        try {
          if (!(await fetch(`${endpoint}/health`)).ok) return false;
        } catch (e) {
          return false;
        }
      }
      return true;
    },
    timeoutMs,
  );
}

// A spending capability of `user` (a keyring pair) for `provider` (an address), with a cap in
// plancks, valid for `blocks` blocks, and its signature: the SCALE value the chain takes and
// the API key (`zgcap_…`) a worker takes.
async function signCapability(api, user, provider, capAmount, nonce, blocks = 1_000) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const type = api.tx.compute.settleUsage.meta.args[0].type.toString();
  const capability = api.createType(type, {
    user: user.address,
    provider,
    cap: capAmount,
    expiresAt: best + blocks,
    genesis: api.genesisHash,
    nonce,
  });
  const payload = u8aConcat(stringToU8a('zg-compute-capability'), capability.toU8a());
  const signature = api.createType('MultiSignature', { Sr25519: user.sign(payload) });
  const key = 'zgcap_' + u8aToHex(u8aConcat(capability.toU8a(), signature.toU8a())).slice(2);
  return { capability, signature, key };
}

// The index of the active era (0 before the first).
async function activeEra(api) {
  const era = await api.query.staking.activeEra();
  return era.isSome ? era.unwrap().index.toNumber() : 0;
}

// Submits a referendum on `proposal` (`{ Inline: hex }` or `{ Lookup: { hash, len } }` of a
// noted preimage) for `origin` (an OriginCaller such as `{ Origins: 'ParamsAdmin' }` or
// `{ system: 'Root' }`), enacted as soon as its track allows; places its decision deposit and
// returns its index.
async function submitReferendum(api, proposer, origin, proposal) {
  const events = await send(api, api.tx.referenda.submit(origin, proposal, { After: 0 }), proposer);
  const submitted = events.find(({ event }) => event.section === 'referenda' && event.method === 'Submitted');
  if (!submitted) throw new Error('no referenda.Submitted event');
  const index = submitted.event.data[0].toNumber();
  await send(api, api.tx.referenda.placeDecisionDeposit(index), proposer);
  return index;
}

// An aye of `balance` with conviction 1x.
function aye(balance) {
  return { Standard: { vote: { aye: true, conviction: 'Locked1x' }, balance } };
}

// Whether referendum `index` was approved; throws if it ended any other way.
async function referendumApproved(api, index) {
  const info = await api.query.referenda.referendumInfoFor(index);
  if (info.isNone) throw new Error(`referendum ${index} does not exist`);
  const value = info.unwrap();
  if (value.isRejected || value.isCancelled || value.isTimedOut || value.isKilled) {
    throw new Error(`referendum ${index} ended ${value.type}`);
  }
  return value.isApproved;
}

// The error message with which `promise` rejects, or null if it resolves.
async function refusal(promise) {
  try {
    await promise;
  } catch (e) {
    return e.message;
  }
  return null;
}

// Kills node `name` of the running zombienet network with SIGKILL (no clean shutdown: what a
// crash or an OOM kill does), waits until it is gone and `delaySeconds` more, and starts it
// again with zombienet's command line for it, so on the same database and keystore, its output
// appended to its log; resolves once its RPC server answers at `wsUri`, with the old and new
// pids. The new process is recorded in zombienet's process map (js-scripts run inside the
// zombienet process), so that the teardown stops it. zombienet's own restartNode is not used:
// when the new process dies it formats the whole log into a table, which spins for many
// minutes; here such a death throws with the log's last lines.
async function restartNode(name, wsUri, delaySeconds = 0) {
  const { getClient } = require(path.join(__dirname, '../e2e/node_modules/@zombienet/orchestrator/dist/providers/client'));
  const client = getClient();
  const entry = client.processMap?.[name];
  if (!entry || !entry.pid || !entry.cmd) throw new Error(`zombienet has no process for ${name}`);
  const before = entry.pid;
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return false;
    }
  };
  process.kill(before, 'SIGKILL');
  // No pid while the node is down: a teardown then must not kill a process that reused it.
  entry.pid = undefined;
  await waitFor(`${name} (pid ${before}) to die`, async () => !alive(before), 30_000);
  await new Promise((r) => setTimeout(r, delaySeconds * 1000));
  const log = fs.createWriteStream(entry.logs, { flags: 'a' });
  // The environment of zombienet's own launch: ours (the networks' TOML files set no `env`).
  const child = spawn('bash', ['-c', ...entry.cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  entry.pid = child.pid;
  const http = wsUri.replace(/^ws/, 'http');
  await waitFor(`${name}'s RPC server`, async () => {
    if (exited) {
      const tail = fs.readFileSync(entry.logs, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${name} exited (${JSON.stringify(exited)}) after its restart; its log ends:\n${tail}`);
    }
    try {
      const res = await fetch(http, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
        signal: AbortSignal.timeout(5000),
      });
      return res.ok;
    } catch (e) {
      return false;
    }
  }, 120_000);
  return { before, after: child.pid };
}

module.exports = { restartNode, send, waitFor, activeEra, refusal, submitReferendum, aye, referendumApproved, finalizedEvents, signedBy, assertNoMissedChallenge, setupProviderNode, signCapability, startWorker, waitForWorkers, listenArgs, privateUrl, NODE_SECRET };
