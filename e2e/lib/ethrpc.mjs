// Starts eth-rpc (the Ethereum JSON-RPC server of pallet-revive) beside a node, for a test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { JsonRpcProvider, Wallet } from 'ethers';
import { freePort, startDevNode } from './node.mjs';

/** The EVM chain id of every 0G chain preset (`eth_chainId`). */
export const CHAIN_ID = 16699n;

/**
 * The Ethereum dev accounts endowed by the genesis presets, `name → [address, private key]`.
 * Their keys are public: dev chains only.
 */
export const ETH_DEV = {
  Alith: ['0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac', '0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133'],
  Baltathar: ['0x3Cd0A705a2DC65e5b1E1205896BaA2be8A07c6e0', '0x8075991ce870b93a8870eca0c0f91913d12f47948ca0fd25b49c6fa7cdbeee8b'],
  Charleth: ['0x798d4Ba9baf0064Ec19eB4F0a1a45785ae9D6DFc', '0x0b6e18cafb6ed99687ec547bd28139cafdd2bffe70e6b688025de6b445aa5c5b'],
  Dorothy: ['0x773539d4Ac0e786233D90A233654ccEE26a613D9', '0x39539ab1876910bbf3a223d84a29e28f1cb4e2e456503e7e91ed39b2e7223d68'],
  Ethan: ['0xFf64d3F6efE2317EE2807d223a0Bdc4c0c49dfDB', '0x7dce9bc8babb68fec1409be38c8e1a52650206a7ed90ff956ae8a6d15eeaaef4'],
};

/** The 32-byte account an Ethereum address maps to (pallet-revive: the address, then 12 × 0xEE). */
export const accountOf = (address) => `${address.toLowerCase()}${'ee'.repeat(12)}`;

/** Resolves with the receipt of `tx` once mined; asserts it succeeded. */
export async function mined(tx) {
  const receipt = await tx.wait(1, 60_000);
  assert.equal(receipt.status, 1, `transaction ${tx.hash} succeeded`);
  return receipt;
}

/**
 * A dev node with eth-rpc beside it and an ethers provider on it: `{ node, eth, provider,
 * wallet(name), stop }`; `chain` (default `dev-fast`) and `extraArgs` go to the node. The node keeps every block's state, which eth-rpc's archive index needs.
 */
export async function startEthChain({ chain, extraArgs = [] } = {}) {
  const node = await startDevNode({ chain, extraArgs: ['--state-pruning', 'archive', ...extraArgs] });
  let eth;
  try {
    eth = await startEthRpc(node.wsUrl);
  } catch (e) {
    await node.stop();
    throw e;
  }
  const provider = new JsonRpcProvider(eth.url, Number(CHAIN_ID), { staticNetwork: true, pollingInterval: 500 });
  const wallet = (name) => new Wallet(ETH_DEV[name][1], provider);
  const stop = async () => {
    provider.destroy();
    await eth.stop();
    await node.stop();
  };
  return { node, eth, provider, wallet, stop };
}

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
 * resolves with `{ url, stop, restart, logPath }` once it answers `eth_chainId`.
 * `restart(whileDown)` kills it with SIGKILL (a crash: no clean shutdown), awaits `whileDown()`,
 * and starts it again on the same port and database, resolving once it answers again.
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
  const url = `http://127.0.0.1:${port}`;
  let child;
  let exited;
  const launch = async () => {
    child = spawn(ethRpcBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    exited = null;
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('exit', (code, signal) => { exited = { code, signal }; });
    child.on('error', (e) => { exited = { error: e.message }; });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`eth-rpc exited (${JSON.stringify(exited)}) before it answered; log: ${logPath}`);
      try {
        const reply = await rpc(url, 'eth_chainId');
        if (reply.result) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`eth-rpc did not answer at ${url} within ${timeoutMs} ms; log: ${logPath}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  // Sends `signal` and resolves once the process is gone (SIGKILL after 10 s).
  const halt = async (signal) => {
    if (exited !== null) return;
    const gone = new Promise((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); }, 10_000);
      child.on('exit', () => { clearTimeout(t); resolve(); });
    });
    child.kill(signal);
    await gone;
  };
  await launch();
  const restart = async (whileDown = async () => {}) => {
    await halt('SIGKILL');
    await whileDown();
    await launch();
  };
  const stop = async () => {
    await halt('SIGINT');
    log.end();
    rmSync(base, { recursive: true, force: true });
  };
  return { url, stop, restart, logPath };
}
