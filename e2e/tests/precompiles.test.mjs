// The 0G precompiles (precompiles/*.sol) through eth-rpc, as Ethereum accounts and Solidity
// contracts use them: staking, storage, compute and DA as the caller's own account, seen alike
// through ethers and polkadot.js, with their logs; and the refusals (a static call, a delegate
// call, a pallet's error, bad calldata) that change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Contract, ContractFactory, Interface, hexlify, randomBytes } from 'ethers';
import { accountOf, mined, rpc, startEthChain } from '../lib/ethrpc.mjs';
import { compile, interfaceAbi } from '../lib/solidity.mjs';

const ZG = 10n ** 18n;
const ADDRESSES = {
  IStaking: '0x000000000000000000000000000000000a010000',
  IStorage: '0x000000000000000000000000000000000A020000',
  ICompute: '0x000000000000000000000000000000000a030000',
  IDa: '0x000000000000000000000000000000000A040000',
};
const sol = (path) => fileURLToPath(new URL(path, import.meta.url));

let chain;
let node;
let eth;
let provider;
const wallets = {};
const precompile = {};

before(async () => {
  chain = await startEthChain();
  ({ node, eth, provider } = chain);
  for (const name of ['Baltathar', 'Charleth', 'Dorothy', 'Ethan']) wallets[name] = chain.wallet(name);
  for (const [name, address] of Object.entries(ADDRESSES)) {
    precompile[name] = new Contract(address, interfaceAbi(sol(`../../precompiles/${name}.sol`), name), provider);
  }
});

after(async () => {
  if (chain) await chain.stop();
});

/** The revert reason of a failed eth_call / estimate, from ethers' error. */
const reasonOf = (e) => e.reason ?? e.revert?.args?.[0] ?? e.shortMessage ?? e.message;

test('an Ethereum account bonds through IStaking: the ledger, the log and the view agree', async () => {
  const who = wallets.Baltathar;
  const staking = precompile.IStaking.connect(who);
  const receipt = await mined(await staking.bond(1_000n * ZG));
  const logs = receipt.logs.map((l) => staking.interface.parseLog(l)).filter(Boolean);
  assert.equal(logs.length, 1);
  assert.equal(logs[0].name, 'Bonded');
  assert.equal(logs[0].args.who, who.address);
  assert.equal(logs[0].args.value, 1_000n * ZG);

  const [active, total, unlocking] = await staking.stakeOf(who.address);
  assert.deepEqual([active, total, unlocking], [1_000n * ZG, 1_000n * ZG, 0n]);
  const ledger = (await node.api.query.staking.ledger(accountOf(who.address))).unwrap();
  assert.equal(ledger.active.toBigInt(), 1_000n * ZG, 'polkadot.js sees the same bond');
  assert.equal(await staking.activeEra(), (await node.api.query.staking.activeEra()).unwrap().index.toBigInt());
});

test('a refused call reverts with the pallet error through eth-rpc and changes nothing', async () => {
  const who = wallets.Charleth;
  const staking = precompile.IStaking.connect(who);
  const nonce = await provider.getTransactionCount(who.address);
  await assert.rejects(staking.bond.estimateGas(1n), (e) => /Staking\.BondTooSmall/.test(reasonOf(e)));
  await assert.rejects(staking.unbond(ZG), (e) => /Staking\.NotBonded/.test(reasonOf(e)));
  // Calldata that matches no function of the interface.
  const bad = await rpc(eth.url, 'eth_call', [{ from: who.address, to: ADDRESSES.IStaking, data: '0xdeadbeef' }, 'latest']);
  assert.ok(bad.error, 'bad calldata is an error');
  assert.equal(await provider.getTransactionCount(who.address), nonce, 'nothing was sent');
  assert.ok((await node.api.query.staking.ledger(accountOf(who.address))).isNone, 'not bonded');

  // Sent anyway, with a gas limit of its own (no estimate to stop it): mined, reverted, and
  // only the fee is charged.
  const balance = await provider.getBalance(who.address);
  const tx = await staking.bond(1n, { gasLimit: 2_000_000n });
  const receipt = await tx.wait(1, 60_000).catch((e) => e.receipt);
  assert.equal(receipt.status, 0, 'the transaction is mined and reverted');
  assert.equal(receipt.logs.length, 0, 'no log');
  assert.equal(await provider.getTransactionCount(who.address), nonce + 1);
  assert.ok((await node.api.query.staking.ledger(accountOf(who.address))).isNone, 'still not bonded');
  // The receipt's gasUsed × gasPrice is at least what was charged (here slightly above it).
  const paid = balance - (await provider.getBalance(who.address));
  assert.ok(paid > 0n && paid <= receipt.gasUsed * receipt.gasPrice, `a fee and nothing more (${paid} wei)`);
});

test('a contract stakes its own balance; static and delegate calls are refused', async () => {
  const artifact = compile(sol('../contracts/StakingUser.sol'), 'StakingUser');
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, wallets.Dorothy);
  const user = await factory.deploy();
  await mined(user.deploymentTransaction());
  const address = await user.getAddress();
  await mined(await wallets.Dorothy.sendTransaction({ to: address, value: 2_000n * ZG }));

  await mined(await user.bond(1_500n * ZG));
  const [active] = await user.stake();
  assert.equal(active, 1_500n * ZG, 'the contract, not Dorothy, is bonded');
  const ledger = (await node.api.query.staking.ledger(accountOf(address))).unwrap();
  assert.equal(ledger.active.toBigInt(), 1_500n * ZG);
  assert.ok((await node.api.query.staking.ledger(accountOf(wallets.Dorothy.address))).isNone);

  const errors = new Interface(['error Error(string)']);
  const [okStatic, dataStatic] = await user.bondInStaticCall(100n * ZG);
  assert.equal(okStatic, false, 'a static call cannot bond');
  assert.equal(errors.decodeErrorResult('Error', dataStatic)[0], 'state change in a static call');
  const [okDelegate, dataDelegate] = await user.bondByDelegateCall.staticCall(100n * ZG);
  assert.equal(okDelegate, false, 'a delegate call cannot bond for the contract\'s caller');
  assert.equal(errors.decodeErrorResult('Error', dataDelegate)[0], '0G precompiles cannot be delegate-called');
  await mined(await user.bondByDelegateCall(100n * ZG));
  assert.ok((await node.api.query.staking.ledger(accountOf(wallets.Dorothy.address))).isNone, 'Dorothy is still not bonded');
  assert.equal((await user.stake())[0], 1_500n * ZG, 'the contract\'s bond is unchanged');
});

test('IStorage quotes a fee, reads a file and refuses a commitment whose root is not its shards\'', async () => {
  const storage = precompile.IStorage.connect(wallets.Ethan);
  const fee = await storage.fee(4096, 2, 1, 1_000);
  assert.ok(fee > 0n, 'a fee');
  const missing = await storage.fileOf(hexlify(randomBytes(32)));
  assert.equal(missing.status, 0n, 'an unknown root has no file');
  const shards = [hexlify(randomBytes(32)), hexlify(randomBytes(32)), hexlify(randomBytes(32))];
  await assert.rejects(
    storage.submit.estimateGas(hexlify(randomBytes(32)), 4096, 2, 1, shards, 1_000, fee),
    (e) => /Storage\.RootMismatch/.test(reasonOf(e)),
  );
});

test('ICompute funds the caller\'s ledger, seen by polkadot.js', async () => {
  const who = wallets.Ethan;
  const compute = precompile.ICompute.connect(who);
  const receipt = await mined(await compute.deposit(3n * ZG));
  const names = receipt.logs.map((l) => compute.interface.parseLog(l)?.name);
  assert.deepEqual(names, ['Deposited'], 'one log, from the precompile');
  assert.equal(await compute.ledgerOf(who.address), 3n * ZG);
  const ledger = (await node.api.query.compute.ledgers(accountOf(who.address))).unwrap();
  assert.equal(ledger.free.toBigInt(), 3n * ZG);
  const job = await compute.jobOf(123456);
  assert.equal(job.status, 0n, 'no such job');
  await assert.rejects(
    compute.submitJob.estimateGas(424242, '0x68656c6c6f', 8, ZG),
    (e) => /Compute\./.test(reasonOf(e)),
    'a job for a service that does not exist',
  );
});

test('IDa quotes a fee, reads blobs, and refuses a blob on a chain without a DA committee', async () => {
  // The dev chain has no DA signers, so no committee: a commitment is refused by name and
  // nothing is charged. (A blob committed through IDa is covered on the local testnet's genesis
  // by the runtime's tests: runtime/src/precompiles/tests.rs.)
  const who = wallets.Ethan;
  const da = precompile.IDa.connect(who);
  const size = 1024 * 1024;
  const fee = await da.fee(size);
  assert.ok(fee > 0n, 'a fee');
  const root = hexlify(randomBytes(32));
  assert.equal(await da.isAvailable(root), false);
  assert.equal((await da.blobOf(root)).status, 0n, 'no such blob');
  const balance = await provider.getBalance(who.address);
  await assert.rejects(da.submitBlob.estimateGas(root, size, fee), (e) => /Da\.NoCommittee/.test(reasonOf(e)));
  await assert.rejects(da.submitBlob.estimateGas(root, 0, fee), (e) => /invalid blob size/.test(reasonOf(e)));
  assert.ok((await node.api.query.da.blobs(root)).isNone);
  assert.equal(await provider.getBalance(who.address), balance);
});
