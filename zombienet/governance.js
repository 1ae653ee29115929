// $0G governance on a live network, from polkadot.js (zombienet's bundled @polkadot/api). The
// local chain has no sudo key: token holders decide by referendum.
//
// 1. Alice submits two `params_admin` referenda, one doubling the storage price
//    (`Storage.set_price`), one doubling the storage submission fee (`Params.set`, a parameter
//    governed at run time), and a `treasurer` referendum that pays 100 0G to a fresh account
//    (the treasury is first funded by a transfer). She places the decision deposits; Alice, Bob
//    and Charlie vote aye on all three with 900 000 0G each at conviction 1x (part of it their
//    held validator bonds).
// 2. Dave tries to vote with more than he has: refused (convictionVoting.InsufficientFunds).
// 3. The referenda are approved and enacted on the fast runtime's short tracks: the price and
//    the submission fee are doubled (storage.js, run next in the same network, then uploads with
//    the CLI and pays both), and the approved spend, claimed with treasury.payout, pays exactly
//    100 0G.
const { send, waitFor, refusal, submitReferendum, aye, referendumApproved } = require('./lib.js');

const ZG = 10n ** 18n;
const VOTE = 900_000n * ZG;
// The storage submission fee's default: 0.01 0G.
const SUBMISSION_FEE = ZG / 100n;

function log(msg) {
  console.log(`[governance] ${msg}`);
}

async function run(nodeName, networkInfo) {
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((s) => keyring.addFromUri(s));
  const funder = keyring.addFromUri('//Eve//stash');
  const beneficiary = keyring.addFromUri('//Governance-Beneficiary');
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    if ((await api.query.sudo.key()).isSome) throw new Error('the local chain has a sudo key');
    const members = (await api.query.technicalCommittee.members()).map((m) => m.toString());
    log(`technical committee: ${members.length} members; no sudo key`);

    // 1. Two referenda.
    const price = (await api.query.storage.price()).toBigInt();
    await send(api, api.tx.balances.transferKeepAlive(treasuryAccount(api), 1_000n * ZG), funder);
    const priceRef = await submitReferendum(api, alice, { Origins: 'ParamsAdmin' }, { Inline: api.tx.storage.setPrice(2n * price).method.toHex() });
    const feeRef = await submitReferendum(api, alice, { Origins: 'ParamsAdmin' }, { Inline: api.tx.params.set({ Storage: { SubmissionFee: [null, 2n * SUBMISSION_FEE] } }).method.toHex() });
    const spendRef = await submitReferendum(api, alice, { Origins: 'Treasurer' }, { Inline: api.tx.treasury.spend(null, 100n * ZG, beneficiary.address, null).method.toHex() });
    log(`referendum ${priceRef}: storage price ${price} -> ${2n * price}; ${feeRef}: submission fee -> ${2n * SUBMISSION_FEE}; ${spendRef}: spend 100 0G`);
    for (const voter of [alice, bob, charlie]) {
      await send(api, api.tx.utility.batchAll([priceRef, feeRef, spendRef].map((r) => api.tx.convictionVoting.vote(r, aye(VOTE)))), voter);
    }

    // 2. A vote beyond the voter's balance.
    const daveTotal = (await api.query.system.account(dave.address)).data;
    const total = daveTotal.free.toBigInt() + daveTotal.reserved.toBigInt();
    const refused = await refusal(send(api, api.tx.convictionVoting.vote(priceRef, aye(total + 1n)), dave));
    if (refused !== 'convictionVoting.InsufficientFunds') throw new Error(`a vote beyond the balance was not refused as expected: ${refused}`);
    log('a vote beyond the balance is refused (convictionVoting.InsufficientFunds)');

    // 3. Enactment.
    await waitFor('the referenda to be approved', async () => (await referendumApproved(api, priceRef)) && (await referendumApproved(api, feeRef)) && (await referendumApproved(api, spendRef)), 180_000);
    await waitFor('the new storage price', async () => (await api.query.storage.price()).toBigInt() === 2n * price, 60_000);
    log(`the storage price is now ${2n * price}`);
    const fee = await waitFor('the new submission fee', async () => {
      const value = await api.query.parameters.parameters({ Storage: { SubmissionFee: null } });
      return value.isSome && value.unwrap().asStorage.asSubmissionFee.toBigInt() === 2n * SUBMISSION_FEE && value;
    }, 60_000);
    log(`the storage submission fee is now ${fee.unwrap().asStorage.asSubmissionFee}`);
    // A plain account cannot set a parameter.
    const refusedSet = await refusal(send(api, api.tx.params.set({ Storage: { SubmissionFee: [null, 1n] } }), alice));
    if (refusedSet !== 'BadOrigin') throw new Error(`a signed Params.set was not refused: ${refusedSet}`);
    log('Params.set from an account is refused (BadOrigin)');
    const spend = await waitFor('the approved spend', async () => {
      const entries = await api.query.treasury.spends.entries();
      return entries.find(([, s]) => s.isSome && s.unwrap().beneficiary.toString() === beneficiary.address);
    }, 60_000);
    const spendIndex = spend[0].args[0].toNumber();
    await send(api, api.tx.treasury.payout(spendIndex), dave);
    const paid = (await api.query.system.account(beneficiary.address)).data.free.toBigInt();
    if (paid !== 100n * ZG) throw new Error(`the spend paid ${paid}, not 100 0G`);
    log(`treasury spend ${spendIndex} paid 100 0G`);
  } finally {
    await api.disconnect();
  }
  return 1;
}

// The treasury's account: "modl" + the pallet id + zero padding.
function treasuryAccount(api) {
  const id = api.consts.treasury.palletId.toU8a();
  const raw = new Uint8Array(32);
  raw.set(new TextEncoder().encode('modl'), 0);
  raw.set(id, 4);
  return api.registry.createType('AccountId32', raw).toString();
}

module.exports = { run };
