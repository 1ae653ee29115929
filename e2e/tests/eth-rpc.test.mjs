// The EVM the way Ethereum developers use it: ethers v6 through eth-rpc (the Ethereum JSON-RPC
// server of pallet-revive) beside a dev node. A value transfer seen alike by ethers and
// polkadot.js, an ERC-20 deployed, transferred and its logs read, gas estimates, calls, fees,
// back-to-back nonces, revert reasons, and bad transactions refused without a state change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import {
  ContractFactory, Contract, Wallet, Transaction, parseEther, id as topicOf, zeroPadValue,
  getAddress,
} from 'ethers';
import { CHAIN_ID, accountOf, mined, rpc, startEthChain } from '../lib/ethrpc.mjs';
import { compile } from '../lib/solidity.mjs';

// The example ERC-20, the one the Hardhat sample project deploys too.
const HARDHAT = fileURLToPath(new URL('../../examples/hardhat/', import.meta.url));
const TOKEN_SOL = '../../examples/hardhat/contracts/Token.sol';
const ZG = 10n ** 18n;
let chain;
let node;
let eth;
let provider;
let alith;
let baltathar;
let token;
let tokenArtifact;

before(async () => {
  chain = await startEthChain();
  ({ node, eth, provider } = chain);
  alith = chain.wallet('Alith');
  baltathar = chain.wallet('Baltathar');
  tokenArtifact = compile(fileURLToPath(new URL(TOKEN_SOL, import.meta.url)), 'Token');
});

after(async () => {
  if (chain) await chain.stop();
});

test('eth-rpc names the chain and its blocks', async () => {
  assert.equal((await provider.getNetwork()).chainId, CHAIN_ID);
  assert.equal((await rpc(eth.url, 'net_version')).result, String(CHAIN_ID));
  const number = await provider.getBlockNumber();
  const block = await provider.getBlock(number);
  assert.equal(block.number, number);
  const header = await node.api.rpc.chain.getHeader();
  assert.ok(Math.abs(header.number.toNumber() - number) <= 2, 'eth block numbers are the chain\'s');
});

test('a dev key sends 0G to a fresh address; ethers and polkadot.js see the same 18-decimal balance', async () => {
  const fresh = Wallet.createRandom().address;
  const value = parseEther('1.25');
  const before = await provider.getBalance(alith.address);
  const tx = await alith.sendTransaction({ to: fresh, value });
  const receipt = await mined(tx);

  assert.equal(await provider.getBalance(fresh), value, 'eth_getBalance of the recipient is what was sent');
  // Ethereum block hashes are pallet-revive's, not the node's: go by number.
  const at = await node.api.at(await node.api.rpc.chain.getBlockHash(receipt.blockNumber));
  const free = (await at.query.system.account(accountOf(fresh))).data.free.toBigInt();
  const ed = node.api.consts.balances.existentialDeposit.toBigInt();
  assert.equal(free - ed, value, 'polkadot.js: the spendable balance of the mapped account, in plancks (= wei)');
  assert.equal((await at.call.reviveApi.balance(fresh)).toBigInt(), value);

  const after = await provider.getBalance(alith.address, receipt.blockNumber);
  const fee = receipt.gasUsed * receipt.gasPrice;
  assert.ok(before - after >= value, 'the sender paid at least the value');
  assert.ok(before - after <= value + fee + ed, `the sender paid the value and the fee (${fee} wei), at most an ED more`);
});

test('an ERC-20 deploys, transfers, and its Transfer logs and receipts are served', async () => {
  const factory = new ContractFactory(tokenArtifact.abi, tokenArtifact.bytecode, alith);
  const supply = 1_000_000n * ZG;
  const deployed = await factory.deploy('Zero Gravity Test', 'ZGT', supply);
  const deployReceipt = await mined(deployed.deploymentTransaction());
  token = new Contract(await deployed.getAddress(), tokenArtifact.abi, alith);
  assert.equal(deployReceipt.contractAddress, await token.getAddress(), 'the receipt names the new contract');
  assert.ok(deployReceipt.gasUsed > 0n);
  assert.equal(await token.symbol(), 'ZGT');
  assert.equal(await token.balanceOf(alith.address), supply, 'eth_call reads the minted supply');

  const amount = 1234n * ZG;
  const receipt = await mined(await token.transfer(baltathar.address, amount));
  assert.equal(receipt.logs.length, 1, 'one log');
  const parsed = token.interface.parseLog(receipt.logs[0]);
  assert.equal(parsed.name, 'Transfer');
  assert.equal(parsed.args.from, alith.address);
  assert.equal(parsed.args.to, baltathar.address);
  assert.equal(parsed.args.value, amount);
  assert.equal(await token.balanceOf(baltathar.address), amount);

  // eth_getLogs by address and topic, over the deployment and the transfer.
  const logs = await provider.getLogs({
    address: await token.getAddress(),
    topics: [topicOf('Transfer(address,address,uint256)')],
    fromBlock: deployReceipt.blockNumber,
    toBlock: receipt.blockNumber,
  });
  assert.equal(logs.length, 2, 'the mint and the transfer');
  assert.equal(logs[1].transactionHash, receipt.hash);
  const toBaltathar = await provider.getLogs({
    address: await token.getAddress(),
    topics: [null, null, zeroPadValue(baltathar.address, 32)],
    fromBlock: deployReceipt.blockNumber,
  });
  assert.equal(toBaltathar.length, 1, 'filtering on the indexed recipient');
  const queried = await token.queryFilter(token.filters.Transfer(alith.address), deployReceipt.blockNumber);
  assert.equal(queried.length, 1, 'queryFilter (eth-rpc has no eth_newFilter)');

  // The receipt is served again by hash, with the same logs and block.
  const again = await provider.getTransactionReceipt(receipt.hash);
  assert.equal(again.blockHash, receipt.blockHash);
  assert.equal(again.logs[0].data, receipt.logs[0].data);
  const fetched = await provider.getTransaction(receipt.hash);
  assert.equal(fetched.from, alith.address);
  assert.equal(getAddress(fetched.to), await token.getAddress());
});

test('eth_estimateGas, eth_call, eth_gasPrice and eth_feeHistory answer', async () => {
  const estimate = await token.transfer.estimateGas(baltathar.address, 1n);
  assert.ok(estimate > 21_000n, `a token transfer costs more than a plain transfer (${estimate})`);
  const plain = await provider.estimateGas({ from: alith.address, to: baltathar.address, value: 1n });
  assert.ok(plain > 0n && plain < estimate, `a value transfer is estimated below a token transfer (${plain})`);
  // The estimate is enough: the transfer goes through with exactly that gas limit.
  await mined(await token.transfer(baltathar.address, 1n, { gasLimit: estimate }));

  assert.equal(await token.decimals(), 18n);
  const gasPrice = BigInt((await rpc(eth.url, 'eth_gasPrice')).result);
  assert.ok(gasPrice > 0n, 'a gas price');
  const history = (await rpc(eth.url, 'eth_feeHistory', ['0x4', 'latest', [25, 75]])).result;
  assert.ok(history, 'eth_feeHistory answers');
  assert.equal(history.baseFeePerGas.length, 5, 'four blocks and the next');
  assert.equal(history.reward.length, 4);
  const fees = await provider.getFeeData();
  assert.ok(fees.maxFeePerGas >= fees.maxPriorityFeePerGas);
});

test('back-to-back transactions with consecutive nonces are all included in order', async () => {
  // eth-rpc's "pending" nonce is the best block's, not the pool's: a sender that does not wait
  // for inclusion counts its nonces itself.
  const start = await provider.getTransactionCount(alith.address, 'latest');
  const sent = [];
  for (let i = 0; i < 4; i++) {
    sent.push(await token.transfer(baltathar.address, 10n + BigInt(i), { nonce: start + i }));
  }
  const receipts = await Promise.all(sent.map(mined));
  receipts.forEach((r, i) => assert.equal(sent[i].nonce, start + i));
  assert.equal(await provider.getTransactionCount(alith.address, 'latest'), start + 4);
  const order = receipts.map((r) => [r.blockNumber, r.index]);
  const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.deepEqual(order, sorted, 'included in nonce order');
});

test('a reverting call gives its revert reason and changes nothing', async () => {
  const held = await token.balanceOf(baltathar.address);
  const asBaltathar = token.connect(baltathar);
  await assert.rejects(
    asBaltathar.transfer.staticCall(alith.address, held + 1n),
    (e) => e.reason === 'Token: balance too low' || /Token: balance too low/.test(e.message),
    'eth_call returns the reason',
  );
  await assert.rejects(
    asBaltathar.transfer(alith.address, held + 1n),
    (e) => /Token: balance too low|execution reverted/.test(`${e.reason} ${e.message}`),
    'sending it is refused with the reason',
  );
  assert.equal(await token.balanceOf(baltathar.address), held);
});

test('bad transactions are refused with a clear error and change no state', async () => {
  const nonce = await provider.getTransactionCount(alith.address, 'latest');
  const balance = await provider.getBalance(alith.address);
  const fees = await provider.getFeeData();
  const gasLimit = await provider.estimateGas({ from: alith.address, to: baltathar.address, value: 1n });
  const base = {
    to: baltathar.address, value: 1n, nonce, gasLimit, chainId: CHAIN_ID, type: 2,
    maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  };
  const send = (raw) => rpc(eth.url, 'eth_sendRawTransaction', [raw]);
  const refused = async (raw, pattern, what) => {
    const reply = await send(raw);
    assert.ok(reply.error, `${what} is refused`);
    assert.match(reply.error.message, pattern, what);
  };

  await refused('0x02deadbeef', /Invalid transaction/, 'malformed bytes');
  await refused(Transaction.from({ ...base }).unsignedSerialized, /Invalid transaction/, 'an unsigned transaction');
  await refused(await alith.signTransaction({ ...base, chainId: 1n }), /chain id 1, this chain's is 16699/,
    'a transaction signed for another chain');
  await refused(await alith.signTransaction({ ...base, gasLimit: 21_000n }), /Inability to pay some fees/,
    'a gas limit below the cost');
  await refused(await alith.signTransaction({ ...base, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }),
    /Inability to pay some fees/, 'a fee below the base fee');
  await refused(await alith.signTransaction({ ...base, value: 10n ** 30n }), /Inability to pay some fees/,
    'more value than the balance');

  // A nonce gap: accepted into the pool's future queue, never executed without the missing nonces.
  const gap = await send(await alith.signTransaction({ ...base, nonce: nonce + 5 }));
  assert.ok(gap.result, 'a future transaction waits in the pool');
  // Let a few blocks pass: none of the above may have been executed.
  const from = await provider.getBlockNumber();
  while (await provider.getBlockNumber() < from + 3) await new Promise((r) => setTimeout(r, 500));
  assert.equal(await provider.getTransactionCount(alith.address, 'latest'), nonce, 'no nonce was used');
  assert.equal(await provider.getBalance(alith.address), balance, 'no fee was charged');
});

test('the Hardhat 2 sample project deploys and uses the same ERC-20 (examples/hardhat)', async () => {
  const hardhat = join(HARDHAT, 'node_modules', '.bin', 'hardhat');
  const { stdout } = await promisify(execFile)(hardhat, ['test', '--network', 'zg'], {
    cwd: HARDHAT,
    env: { ...process.env, ZG_ETH_RPC_URL: eth.url, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    timeout: 300_000,
  }).catch((e) => { throw new Error(`hardhat test failed:\n${e.stdout}\n${e.stderr}`); });
  assert.match(stdout, /3 passing/, stdout);
});

test('eth-rpc killed and restarted on its database: it indexes what it missed and serves the same receipts', { timeout: 180_000 }, async () => {
  const dorothy = chain.wallet('Dorothy');
  const before = await mined(await dorothy.sendTransaction({ to: Wallet.createRandom().address, value: parseEther('0.5') }));
  const receiptOf = async (hash) => (await rpc(eth.url, 'eth_getTransactionReceipt', [hash])).result;
  const earlier = await receiptOf(before.hash);
  assert.ok(earlier, 'a receipt before the crash');

  // While it is down, a transaction signed by the same key reaches the node directly
  // (revive.ethTransact, what eth-rpc itself submits) and blocks go on.
  const fees = await provider.getFeeData();
  const gasLimit = await provider.estimateGas({ from: dorothy.address, to: baltathar.address, value: 1n });
  let missed;
  await eth.restart(async () => {
    const { nonce } = await node.api.query.system.account(accountOf(dorothy.address));
    const raw = await dorothy.signTransaction({
      to: baltathar.address, value: 7n, nonce: nonce.toNumber(), gasLimit, chainId: CHAIN_ID, type: 2,
      maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const block = await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('ethTransact not in a block within 60 s')), 60_000).unref();
      node.api.tx.revive.ethTransact(raw).send(({ status, dispatchError }) => {
        if (dispatchError) reject(new Error(`ethTransact failed: ${dispatchError}`));
        else if (status.isInBlock) resolve(status.asInBlock.toHex());
        else if (status.isInvalid || status.isDropped || status.isUsurped) reject(new Error(`ethTransact ${status.type}`));
      }).catch(reject);
    });
    const number = (await node.api.rpc.chain.getHeader(block)).number.toNumber();
    missed = { hash: Transaction.from(raw).hash, number };
    const until = number + 3;
    const deadline = Date.now() + 60_000;
    while ((await node.api.rpc.chain.getHeader()).number.toNumber() < until) {
      if (Date.now() > deadline) throw new Error(`no block #${until} within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  let receipt = null;
  for (let tries = 0; !receipt && tries < 60; tries++) {
    receipt = await receiptOf(missed.hash);
    if (!receipt) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(receipt, 'the transaction mined while eth-rpc was down has a receipt after the restart');
  assert.equal(Number(receipt.blockNumber), missed.number, 'in the block the node included it');
  assert.equal(Number(receipt.status), 1);
  assert.deepEqual(await receiptOf(before.hash), earlier, 'the receipt from before the crash is unchanged');
  assert.ok(await provider.getBlockNumber() >= missed.number + 3, 'eth-rpc follows new blocks again');
});
