// Starts a zg-node for a test and connects polkadot.js to it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

/** The node binary: $ZG_NODE, or the release build in the project's cargo target directory. */
export function nodeBinary() {
  if (process.env.ZG_NODE) return process.env.ZG_NODE;
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'zg-chain', 'target');
  const bin = join(target, 'release', 'zg-node');
  if (!existsSync(bin)) {
    throw new Error(`zg-node not found at ${bin}: build it with scripts/build.sh or set ZG_NODE`);
  }
  return bin;
}

/** A free TCP port on localhost. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Extrinsic extensions the runtime adds that carry no data; declared to keep polkadot.js quiet. */
export const SIGNED_EXTENSIONS = {
  AuthorizeCall: { extrinsic: {}, payload: {} },
  EthSetOrigin: { extrinsic: {}, payload: {} },
  WeightReclaim: { extrinsic: {}, payload: {} },
};

/** Resolves once `httpUrl` answers JSON-RPC; rejects after `timeoutMs` or when `abort` rejects. */
export async function waitForRpc(httpUrl, { timeoutMs = 60_000, abort = new Promise(() => {}) } = {}) {
  let aborted = null;
  abort.catch((e) => { aborted = e; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (aborted) throw aborted;
    try {
      const res = await fetch(httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
      });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`no RPC at ${httpUrl} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Connects polkadot.js to a node whose RPC is up. */
export async function connect(wsUrl) {
  const provider = new WsProvider(wsUrl, 1_000);
  return ApiPromise.create({ provider, signedExtensions: SIGNED_EXTENSIONS, noInitWarn: true });
}

/**
 * Starts a single-validator dev node (Alice) on the fast runtime (2 s blocks) with a temporary
 * database, and returns `{ api, wsUrl, stop }`. The node's log goes to `$E2E_LOG_DIR` or a
 * temporary folder. `extraArgs` are added to the node's command line.
 */
export async function startDevNode({ chain = 'dev-fast', extraArgs = [] } = {}) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const logDir = process.env.E2E_LOG_DIR || mkdtempSync(join(tmpdir(), 'zg-e2e-'));
  const logPath = join(logDir, `zg-node-${rpcPort}.log`);
  const log = createWriteStream(logPath);
  const args = [
    '--dev', '--chain', chain,
    '--rpc-port', String(rpcPort), '--port', String(p2pPort),
    '--no-prometheus', '--no-telemetry', '--no-mdns',
    '-linfo,runtime=debug',
    ...extraArgs,
  ];
  const child = spawn(nodeBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  const exitedEarly = new Promise((_, reject) => {
    child.on('error', (e) => reject(new Error(`cannot start ${nodeBinary()}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      reject(new Error(`zg-node exited (code ${code}, signal ${signal}) before its RPC was up; log: ${logPath}`));
    });
  });
  exitedEarly.catch(() => {});

  const wsUrl = `ws://127.0.0.1:${rpcPort}`;
  let api;
  try {
    await waitForRpc(`http://127.0.0.1:${rpcPort}`, { abort: exitedEarly });
    api = await connect(wsUrl);
  } catch (e) {
    if (exited === null) child.kill('SIGKILL');
    throw e;
  }
  const stop = async () => {
    await api.disconnect().catch(() => {});
    if (exited === null) {
      child.kill('SIGINT');
      await new Promise((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 10_000);
        child.on('exit', () => { clearTimeout(t); resolve(); });
      });
    }
    if (!process.env.E2E_LOG_DIR) rmSync(logDir, { recursive: true, force: true });
  };
  return { api, wsUrl, stop, logPath };
}

/**
 * Signs and sends `tx`, resolves once the block that includes it is finalized, with
 * `{ blockHash, events, dispatchError }` (events of this extrinsic only).
 */
export function sendAndFinalize(api, tx, signer, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    const timer = setTimeout(() => { unsub(); reject(new Error('not finalized in time')); }, timeoutMs);
    tx.signAndSend(signer, (result) => {
      const { status, events, dispatchError } = result;
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        clearTimeout(timer);
        unsub();
        reject(new Error(`transaction ${status.type}`));
      } else if (status.isFinalized) {
        clearTimeout(timer);
        unsub();
        resolve({ blockHash: status.asFinalized, events, dispatchError });
      }
    }).then((u) => { unsub = u; }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Human-readable name of a dispatch error: `pallet.Error` for module errors, `Kind.Variant` otherwise. */
export function errorName(api, dispatchError) {
  if (dispatchError.isModule) {
    const { section, name } = api.registry.findMetaError(dispatchError.asModule);
    return `${section}.${name}`;
  }
  const kind = dispatchError.type;
  const inner = dispatchError[`as${kind}`];
  return inner && inner.type ? `${kind}.${inner.type}` : kind;
}
