// Throughput of Ethereum transactions through eth-rpc, on loopback only:
// `node e2e/bench/evm-tps.mjs [value|erc20]` (after scripts/build.sh; from the repository root or
// from e2e/).
//
// It starts `zg-node --dev` (6 s blocks, `--pool-limit 20000`, archive state) and eth-rpc beside
// it. For `erc20` Alith first deploys the example Token (examples/hardhat/contracts/Token.sol)
// and hands each other Ethereum dev account a share. Then it pre-signs EVM_TPS_TRANSFERS (5000)
// transactions from the 5 Ethereum dev accounts, round robin by nonce: value transfers of 1 0G,
// or Token `transfer`s, each to a fresh address, with the gas limit and price eth-rpc estimates
// for the first one; sends them with `eth_sendRawTransaction` as fast as eth-rpc takes them (64
// requests in flight) and follows the chain's blocks until all are included or none has been for
// 5 blocks. It reports transactions/s sustained, the largest block, per block the normal class's
// weight and length, what a transaction is charged against the ceiling the weights allow, and
// fails when a transaction accepted was never included.
import { Contract, ContractFactory, Interface, Wallet, getAddress, hexlify, randomBytes } from 'ethers';
import { fileURLToPath } from 'node:url';
import { CHAIN_ID, ETH_DEV, mined, startEthChain } from '../lib/ethrpc.mjs';
import { compile } from '../lib/solidity.mjs';

const KIND = process.argv[2] ?? 'value';
const TRANSFERS = Number(process.env.EVM_TPS_TRANSFERS ?? 5000);
const IN_FLIGHT = 64;
const ZG = 10n ** 18n;
const log = (msg) => console.log(`[evm-tps ${KIND}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();
if (!['value', 'erc20'].includes(KIND)) throw new Error('usage: evm-tps.mjs [value|erc20]');

const chain = await startEthChain({ chain: 'dev', extraArgs: ['--pool-limit', '20000'] });
let failed = false;
try {
  const { api } = chain.node;
  const senders = Object.keys(ETH_DEV).map((name) => chain.wallet(name));
  const randomAddress = () => getAddress(hexlify(randomBytes(20)));

  // What each transaction is: a value transfer, or a Token transfer.
  let call = (to) => ({ to, value: ZG });
  if (KIND === 'erc20') {
    const artifact = compile(fileURLToPath(new URL('../../examples/hardhat/contracts/Token.sol', import.meta.url)), 'Token');
    const supply = 1_000_000n * ZG;
    const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, senders[0]).deploy('0G Test Token', 'ZGT', supply);
    await deployed.waitForDeployment();
    const token = new Contract(await deployed.getAddress(), artifact.abi, senders[0]);
    for (const s of senders.slice(1)) await mined(await token.transfer(s.address, supply / 10n));
    const iface = new Interface(artifact.abi);
    const address = await token.getAddress();
    call = (to) => ({ to: address, data: iface.encodeFunctionData('transfer', [to, 1n]) });
    log(`Token deployed at ${address}, each sender holds a share`);
  }

  // Gas limit and fees from eth-rpc's estimate for the first transaction of each sender.
  const templates = await Promise.all(senders.map((s) => s.populateTransaction(call(randomAddress()))));
  const signStart = now();
  const txs = [];
  for (let k = 0; txs.length < TRANSFERS; k++) {
    for (let a = 0; a < senders.length && txs.length < TRANSFERS; a++) {
      const t = templates[a];
      txs.push(await senders[a].signTransaction({ ...t, ...call(randomAddress()), nonce: t.nonce + k, chainId: CHAIN_ID }));
    }
  }
  log(`pre-signed ${txs.length} from ${senders.length} accounts in ${((now() - signStart) / 1000).toFixed(1)} s (gas limit ${templates[0].gasLimit}, ${templates[0].maxFeePerGas ?? templates[0].gasPrice} wei per gas)`);

  // Follow blocks: Ethereum transactions (revive.ethTransact) per block, weight and length.
  const weights = api.consts.system.blockWeights;
  const normalMax = Number(weights.perClass.normal.maxTotal.unwrap().refTime.toBigInt());
  const lengthMax = api.consts.system.blockLength.max.normal.toNumber();
  const blocks = new Map();
  let includedCount = 0;
  let lastSeen = (await api.rpc.chain.getHeader()).number.toNumber();
  let lastHeadAt = now();
  const unsub = await api.rpc.chain.subscribeNewHeads(async (header) => {
    // Claim the new blocks before awaiting: handlers run concurrently.
    const from = lastSeen + 1, upTo = header.number.toNumber();
    if (upTo < from) return;
    lastSeen = upTo;
    lastHeadAt = now();
    for (let n = from; n <= upTo; n++) {
      const hash = await api.rpc.chain.getBlockHash(n);
      const [block, weight, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.blockWeight.at(hash),
        api.query.timestamp.now.at(hash)]);
      const ours = block.block.extrinsics.filter((x) => x.method.section === 'revive' && x.method.method === 'ethTransact');
      includedCount += ours.length;
      blocks.set(n, {
        count: ours.length, at: Number(at.toBigInt()), // the block's timestamp (ms)
        weight: Number(weight.normal.refTime.toBigInt()) / normalMax,
        length: block.block.extrinsics.reduce((s, x) => s + x.encodedLength, 0) / lengthMax,
        perTx: ours.length ? Number(weight.normal.refTime.toBigInt()) / ours.length : 0,
      });
    }
  });

  // Send as fast as eth-rpc takes them.
  let accepted = 0, next = 0;
  const errors = new Map();
  const submitStart = now();
  async function sender() {
    while (next < txs.length) {
      const i = next++;
      const reply = await fetch(chain.eth.url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [txs[i]] }),
      }).then((r) => r.json()).catch((e) => ({ error: { message: e.message } }));
      if (reply.result) accepted++;
      else errors.set(reply.error?.message, (errors.get(reply.error?.message) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  log(`sent ${txs.length} in ${((now() - submitStart) / 1000).toFixed(1)} s: ${accepted} accepted`);
  for (const [msg, n] of errors) log(`  refused ${n}×: ${msg}`);

  let idle = 0, seen = lastSeen, before = includedCount;
  const slotMs = Number(api.consts.babe.expectedBlockTime.toBigInt());
  while (includedCount < accepted && idle < 5 && now() - lastHeadAt < 5 * slotMs) {
    await sleep(1000);
    if (lastSeen > seen) {
      idle = includedCount === before ? idle + (lastSeen - seen) : 0;
      seen = lastSeen;
      before = includedCount;
    }
  }
  await sleep(500);
  unsub();

  const withTxs = [...blocks.entries()].filter(([, b]) => b.count > 0).sort((a, b) => a[0] - b[0]);
  if (withTxs.length === 0) throw new Error(`no transaction was included (${accepted} accepted)`);
  const first = withTxs[0], last = withTxs[withTxs.length - 1];
  const beforeFirst = Number((await api.query.timestamp.now.at(await api.rpc.chain.getBlockHash(first[0] - 1))).toBigInt());
  // Genesis has no timestamp (0): then the first block's slot starts the clock.
  const start = beforeFirst > 0 ? beforeFirst : first[1].at - Number(api.consts.babe.expectedBlockTime.toBigInt());
  const seconds = (last[1].at - start) / 1000;
  const largest = withTxs.reduce((m, e) => (e[1].count > m[1].count ? e : m));
  const perTx = largest[1].perTx;
  log(`included ${includedCount} of ${accepted} accepted in ${withTxs.length} blocks (#${first[0]}..#${last[0]}) over ${seconds.toFixed(1)} s: ${(includedCount / seconds).toFixed(0)} transactions/s sustained`);
  log(`largest block #${largest[0]}: ${largest[1].count} transactions, normal weight ${(100 * largest[1].weight).toFixed(1)} %, length ${(100 * largest[1].length).toFixed(1)} %; about ${(perTx / 1e6).toFixed(0)} µs of ref time charged per transaction, so at most ${Math.floor(normalMax / perTx)} per block by weight`);
  for (const [n, b] of withTxs) log(`  #${n}: ${b.count}, weight ${(100 * b.weight).toFixed(1)} %, length ${(100 * b.length).toFixed(1)} %`);
  if (includedCount < accepted) { log(`FAILED: ${accepted - includedCount} accepted transactions were never included`); failed = true; }
  if (errors.size) { log('FAILED: transactions refused'); failed = true; }
} finally {
  await chain.stop();
}
process.exit(failed ? 1 : 0);
