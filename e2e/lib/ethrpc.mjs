// Starts eth-rpc (the Ethereum JSON-RPC server of pallet-revive) beside a node, for a test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './node.mjs';

/** The eth-rpc binary: $ZG_ETH_RPC, or the release build in the project's cargo target directory. */
export function ethRpcBinary() {
  if (process.env.ZG_ETH_RPC) return process.env.ZG_ETH_RPC;
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'zg-chain', 'target');
  const bin = join(target, 'release', 'eth-rpc');
  if (!existsSync(bin)) {
    throw new Error(`eth-rpc not found at ${bin}: build it with scripts/build.sh or set ZG_ETH_RPC`);
  }
  return bin;
}

/** Posts one JSON-RPC call; resolves with the whole reply (`result` or `error`). */
export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

/**
 * Starts eth-rpc connected to the node at `nodeWsUrl`, indexing every block into SQLite in a
 * temporary folder (`--eth-pruning archive`: the node must keep the state of old blocks), and
 * resolves with `{ url, stop, logPath }` once it answers `eth_chainId`.
 */
export async function startEthRpc(nodeWsUrl, { timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'zg-eth-rpc-'));
  const logDir = process.env.E2E_LOG_DIR || base;
  const logPath = join(logDir, `eth-rpc-${port}.log`);
  const log = createWriteStream(logPath);
  const args = [
    '--node-rpc-url', nodeWsUrl, '--rpc-port', String(port),
    '--eth-pruning', 'archive', '--base-path', base,
    '--no-prometheus', '-linfo,eth-rpc=debug',
  ];
  const child = spawn(ethRpcBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  child.on('error', (e) => { exited = { error: e.message }; });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`eth-rpc exited (${JSON.stringify(exited)}) before it answered; log: ${logPath}`);
    try {
      const reply = await rpc(url, 'eth_chainId');
      if (reply.result) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`eth-rpc did not answer at ${url} within ${timeoutMs} ms; log: ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGINT');
      await new Promise((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 10_000);
        child.on('exit', () => { clearTimeout(t); resolve(); });
      });
    }
    rmSync(base, { recursive: true, force: true });
  };
  return { url, stop, logPath };
}
