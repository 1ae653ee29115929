// The EVM through pallet-revive: a Solidity contract compiled with solc, deployed and called
// from polkadot.js, and the Ethereum dev accounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { Interface, Wallet, concat } from 'ethers';
import { startDevNode, sendAndFinalize, errorName } from '../lib/node.mjs';
import { compile } from '../lib/solidity.mjs';
import { ETH_DEV } from '../lib/ethrpc.mjs';

const ZG = 10n ** 18n;

let node;
let api;
let alice;
let counter;
let iface;
let contractAddress;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  api = node.api;
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  counter = compile(fileURLToPath(new URL('../contracts/Counter.sol', import.meta.url)), 'Counter');
  iface = new Interface(counter.abi);
});

after(async () => {
  if (node) await node.stop();
});

/** Dry-runs a call of the contract and returns the ABI-decoded result. */
async function view(fn, args = []) {
  const res = await api.call.reviveApi.call(
    alice.address, contractAddress, 0, null, null, iface.encodeFunctionData(fn, args));
  assert.ok(res.result.isOk, `dry-run of ${fn} succeeds: ${res.result.toString()}`);
  return iface.decodeFunctionResult(fn, u8aToHex(res.result.asOk.data));
}

test('the Ethereum dev accounts are endowed and their keys match', async () => {
  for (const [name, [address, privateKey]] of Object.entries(ETH_DEV)) {
    assert.equal(new Wallet(privateKey).address, address, `${name}'s key`);
    const evmBalance = (await api.call.reviveApi.balance(address)).toBigInt();
    assert.ok(evmBalance >= 999_999n * ZG, `${name} holds about 1 000 000 0G, got ${evmBalance}`);
  }
});

test('Alice has an Ethereum address that sees her balance, wei for plank', async () => {
  const mapped = await api.query.revive.originalAccount.entries();
  const entry = mapped.find(([, acc]) => acc.toString() === alice.address);
  assert.ok(entry, 'Alice is mapped to an Ethereum address');
  const h160 = entry[0].args[0].toHex();

  const at = await api.at(await api.rpc.chain.getFinalizedHead());
  const free = (await at.query.system.account(alice.address)).data.free.toBigInt();
  const ed = api.consts.balances.existentialDeposit.toBigInt();
  const evm = (await at.call.reviveApi.balance(h160)).toBigInt();
  assert.equal(evm, free - ed, 'the EVM balance is the spendable $0G balance');
});

test('a Solidity contract deploys through revive.instantiateWithCode', async () => {
  // As on Ethereum, the constructor's arguments follow the init code; the call data stays empty.
  // (Bytes go to polkadot.js as hex: a Uint8Array would be read as already SCALE-encoded.)
  const code = concat([counter.bytecode, iface.encodeDeploy([7n])]);
  const ctor = '0x';
  const dry = await api.call.reviveApi.instantiate(alice.address, 0, null, null, { Upload: code }, ctor, null);
  assert.ok(dry.result.isOk, `dry-run instantiate succeeds: ${dry.result.toString()}`);
  const deposit = dry.maxStorageDeposit.isCharge ? dry.maxStorageDeposit.asCharge.toBigInt() : 0n;

  const tx = api.tx.revive.instantiateWithCode(0, dry.weightRequired, deposit, code, ctor, null);
  const { events, dispatchError } = await sendAndFinalize(api, tx, alice);
  assert.equal(dispatchError, undefined, dispatchError && errorName(api, dispatchError));
  const inst = events.find(({ event }) => api.events.revive.Instantiated.is(event));
  assert.ok(inst, 'a Revive.Instantiated event');
  contractAddress = inst.event.data.contract.toHex();
  assert.equal(contractAddress, dry.result.asOk.addr.toHex(), 'deployed where the dry-run said');

  const [count] = await view('count');
  assert.equal(count, 7n, 'the constructor ran');
});

test('calling the contract changes its state and emits its event', async () => {
  const data = iface.encodeFunctionData('increment', [5n]);
  const dry = await api.call.reviveApi.call(alice.address, contractAddress, 0, null, null, data);
  assert.ok(dry.result.isOk);
  const [returned] = iface.decodeFunctionResult('increment', u8aToHex(dry.result.asOk.data));
  assert.equal(returned, 12n, 'the dry-run returns the new count');

  const deposit = dry.maxStorageDeposit.isCharge ? dry.maxStorageDeposit.asCharge.toBigInt() : 0n;
  const tx = api.tx.revive.call(contractAddress, 0, dry.weightRequired, deposit, data);
  const { events, dispatchError } = await sendAndFinalize(api, tx, alice);
  assert.equal(dispatchError, undefined, dispatchError && errorName(api, dispatchError));

  const emitted = events.find(({ event }) => api.events.revive.ContractEmitted.is(event));
  assert.ok(emitted, 'a Revive.ContractEmitted event');
  const log = iface.parseLog({
    topics: emitted.event.data.topics.map((t) => t.toHex()),
    data: emitted.event.data.data.toHex(),
  });
  assert.equal(log.name, 'Incremented');
  assert.equal(log.args.amount, 5n);
  assert.equal(log.args.newCount, 12n);

  const [count] = await view('count');
  assert.equal(count, 12n);
});

test('a call with too little weight fails by name and leaves the contract unchanged', async () => {
  const data = iface.encodeFunctionData('increment', [1n]);
  const tx = api.tx.revive.call(contractAddress, 0, { refTime: 1000, proofSize: 1000 }, 10n ** 16n, data);
  const { dispatchError } = await sendAndFinalize(api, tx, alice);
  assert.ok(dispatchError, 'the call fails');
  assert.equal(errorName(api, dispatchError), 'revive.OutOfGas');
  const [count] = await view('count');
  assert.equal(count, 12n);
});
