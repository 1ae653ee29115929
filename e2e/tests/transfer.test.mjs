// polkadot.js against a dev node: $0G transfers, fees, events and a failing transfer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { stringToU8a, u8aConcat } from '@polkadot/util';
import { startDevNode, sendAndFinalize, errorName } from '../lib/node.mjs';

const ZG = 10n ** 18n;
let node;
let api;
let alice;
let bob;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  api = node.api;
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  if (node) await node.stop();
});

// The staking reward pot, where 80 % of fees collect: the account of PalletId "zg/stake".
const REWARD_POT = encodeAddress(u8aConcat(stringToU8a('modl'), stringToU8a('zg/stake'), new Uint8Array(20)), 42);
// The treasury, which gets the other 20 %: the account of PalletId "zg/trsry".
const TREASURY = encodeAddress(u8aConcat(stringToU8a('modl'), stringToU8a('zg/trsry'), new Uint8Array(20)), 42);

const free = async (who, at) => (await (at ? api.query.system.account.at(at, who) : api.query.system.account(who))).data.free.toBigInt();

test('the chain announces $0G with 18 decimals', async () => {
  const props = await api.rpc.system.properties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), '0G');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 18);
  assert.equal(api.consts.balances.existentialDeposit.toBigInt(), 10n ** 14n);
});

test('the dev node produces and finalizes blocks', async () => {
  const start = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  await new Promise((resolve) => {
    const unsub = api.rpc.chain.subscribeFinalizedHeads((h) => {
      if (h.number.toNumber() >= start + 2) { unsub.then((u) => u()); resolve(); }
    });
  });
});

test('Alice transfers 0G to Bob: balances, fee and Transfer event', async () => {
  const amount = 12n * ZG + 345n;
  const tx = api.tx.balances.transferKeepAlive(bob.address, amount);
  const { blockHash, events, dispatchError } = await sendAndFinalize(api, tx, alice);
  assert.equal(dispatchError, undefined, 'the transfer succeeds');

  const header = await api.rpc.chain.getHeader(blockHash);
  const parent = header.parentHash;
  const [aliceBefore, bobBefore, aliceAfter, bobAfter] = await Promise.all([
    free(alice.address, parent), free(bob.address, parent),
    free(alice.address, blockHash), free(bob.address, blockHash),
  ]);

  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'a Balances.Transfer event');
  const [from, to, value] = transfer.event.data;
  assert.equal(from.toString(), alice.address);
  assert.equal(to.toString(), bob.address);
  assert.equal(value.toBigInt(), amount);

  const feeEvent = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
  assert.ok(feeEvent, 'a TransactionFeePaid event');
  const fee = feeEvent.event.data.actualFee.toBigInt();
  assert.ok(fee > 0n && fee < ZG / 1000n, `a small fee in 0G, got ${fee}`);
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));

  // The books balance exactly: the fee goes to the treasury and the reward pot (next test).
  assert.equal(bobAfter, bobBefore + amount, 'Bob receives the amount');
  assert.equal(aliceAfter, aliceBefore - amount - fee, 'Alice pays the amount and the fee');
});

test('a transfer above the balance fails by name and changes nothing but the fee', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const poor = keyring.addFromUri('//ZgE2ePoorAccount');
  // Fund a fresh account with 1 0G, then let it try to send 5 0G.
  await sendAndFinalize(api, api.tx.balances.transferKeepAlive(poor.address, ZG), alice);
  const issuanceBefore = (await api.query.balances.totalIssuance()).toBigInt();
  const poorBefore = await free(poor.address);
  const bobBefore = await free(bob.address);

  const { blockHash, events, dispatchError } = await sendAndFinalize(
    api, api.tx.balances.transferKeepAlive(bob.address, 5n * ZG), poor);

  assert.ok(dispatchError, 'the transfer fails');
  assert.equal(errorName(api, dispatchError), 'Token.FundsUnavailable');
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicFailed.is(event)));
  assert.ok(!events.some(({ event }) => api.events.balances.Transfer.is(event)), 'no Transfer event');

  const fee = events
    .find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event))
    .event.data.actualFee.toBigInt();
  assert.equal(await free(bob.address, blockHash), bobBefore, 'Bob receives nothing');
  assert.equal(await free(poor.address, blockHash), poorBefore - fee, 'the sender pays only the fee');
  // 20 % of the fee (rounded down) goes to the treasury, the rest to the staking reward pot;
  // the supply only grows by the era inflation minted into the pot when the block ends an era.
  const parent = (await api.rpc.chain.getHeader(blockHash)).parentHash;
  const eraPaid = (await api.query.system.events.at(blockHash))
    .map(({ event }) => event)
    .find((e) => api.events.staking.EraPaid.is(e));
  const inflation = eraPaid ? eraPaid.data.inflation.toBigInt() : 0n;
  const toTreasury = fee * 20n / 100n;
  assert.equal(await free(TREASURY, blockHash), (await free(TREASURY, parent)) + toTreasury,
    '20 % of the fee lands in the treasury');
  assert.equal(await free(REWARD_POT, blockHash), (await free(REWARD_POT, parent)) + fee - toTreasury + inflation,
    'the rest of the fee lands in the reward pot');
  const issuance = async (at) => (await api.query.balances.totalIssuance.at(at)).toBigInt();
  assert.equal(await issuance(blockHash), (await issuance(parent)) + inflation, 'no $0G is created or lost');
  assert.ok(issuanceBefore <= await issuance(parent));
});

test('an unknown account cannot pay: the pool rejects the transaction', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const nobody = keyring.addFromUri('//ZgE2eNobody');
  await assert.rejects(
    api.tx.balances.transferKeepAlive(bob.address, 1n).signAndSend(nobody),
    /Inability to pay some fees|1010/,
  );
});
