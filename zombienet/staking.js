// Staking on a live network, from polkadot.js (zombienet's bundled @polkadot/api):
//
// 1. Eve generates session keys on her node (author_rotateKeysWithOwner, which also proves she
//    holds them), sets them, bonds and validates. She must appear in the session's validators after the next era and author a
//    block.
// 2. Ferdie bonds and delegates to Alice. Once an era in which he backs Alice has ended, Alice
//    pays out that era; Ferdie's balance must grow by exactly his share:
//      reward(Alice) = era reward × Alice's points / total points
//      share(Ferdie) = (reward(Alice) − commission) × Ferdie's stake / Alice's total exposure
//    (all rounded down, as the runtime does).
const { send, waitFor, activeEra } = require('./lib.js');

const ZG = 10n ** 18n;

function log(msg) {
  console.log(`[staking] ${msg}`);
}

async function run(nodeName, networkInfo) {
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const eve = keyring.addFromUri('//Eve');
  const ferdie = keyring.addFromUri('//Ferdie');
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const eveNode = await zombie.connect(networkInfo.nodesByName.eve.wsUri);

  // Eve: keys, bond, validate. Ferdie: bond, delegate to Alice. Session keys come with a proof
  // that their owner (Eve's account, SCALE-encoded) holds them.
  const owner = '0x' + Buffer.from(eve.publicKey).toString('hex');
  const eveRpc = new zombie.WsProvider(networkInfo.nodesByName.eve.wsUri);
  await eveRpc.isReady;
  const { keys, proof } = await eveRpc.send('author_rotateKeysWithOwner', [owner]);
  await eveRpc.disconnect();
  const minValidatorBond = (await api.query.staking.minValidatorBond()).toBigInt();
  await send(
    api,
    api.tx.utility.batchAll([
      api.tx.session.setKeys(keys, proof),
      api.tx.staking.bond(minValidatorBond * 2n),
      api.tx.staking.validate(0),
    ]),
    eve,
  );
  const bondEra = await activeEra(api);
  log(`Eve bonded ${minValidatorBond * 2n / ZG} 0G and validates (active era ${bondEra})`);
  const ferdieStake = 50_000n * ZG;
  await send(
    api,
    api.tx.utility.batchAll([api.tx.staking.bond(ferdieStake), api.tx.staking.delegate([alice.address])]),
    ferdie,
  );
  log(`Ferdie bonded ${ferdieStake / ZG} 0G and delegates to Alice`);

  // Eve is elected for the next era (or the one after, if the next was already planned).
  await waitFor(
    'Eve in the validator set',
    async () => (await api.query.session.validators()).map(String).includes(eve.address),
    360_000,
  );
  log(`Eve is a validator of session ${await api.query.session.currentIndex()} (era ${await activeEra(api)})`);
  let authored = null;
  await waitFor(
    'a block authored by Eve',
    async () => {
      const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash());
      if (header.author && header.author.toString() === eve.address) authored = header.number.toNumber();
      return authored;
    },
    240_000,
  );
  log(`Eve authored block #${authored}`);

  // The first era whose exposure of Alice includes Ferdie.
  let era = null;
  let page = null;
  await waitFor(
    'an era in which Ferdie backs Alice',
    async () => {
      const current = (await api.query.staking.currentEra()).unwrapOr(null);
      if (current === null) return false;
      for (let e = bondEra; e <= current.toNumber(); e++) {
        const overview = await api.query.staking.erasStakersOverview(e, alice.address);
        if (overview.isNone) continue;
        for (let p = 0; p < overview.unwrap().pageCount.toNumber(); p++) {
          const backers = await api.query.staking.erasStakersPaged(e, alice.address, p);
          if (backers.isSome && backers.unwrap().some(([who]) => who.toString() === ferdie.address)) {
            era = e;
            page = p;
            return true;
          }
        }
      }
      return false;
    },
    240_000,
  );
  log(`Ferdie backs Alice in era ${era} (page ${page}); waiting for it to end`);
  await waitFor('the end of that era', async () => (await activeEra(api)) > era, 300_000);

  const reward = (await api.query.staking.erasValidatorReward(era)).unwrap().toBigInt();
  const points = (await api.query.staking.erasRewardPoints(era, alice.address)).toBigInt();
  const totalPoints = (await api.query.staking.erasTotalPoints(era)).toBigInt();
  const overview = (await api.query.staking.erasStakersOverview(era, alice.address)).unwrap();
  const validatorReward = (reward * points) / totalPoints;
  const commission = (validatorReward * overview.commission.toBigInt()) / 1_000_000_000n;
  const expected = ((validatorReward - commission) * ferdieStake) / overview.total.toBigInt();
  log(`era ${era}: reward ${reward}, Alice ${points}/${totalPoints} points, expected share ${expected}`);

  const before = (await api.query.system.account(ferdie.address)).data.free.toBigInt();
  const events = await send(api, api.tx.staking.payoutStakers(alice.address, era, page), alice);
  const after = (await api.query.system.account(ferdie.address)).data.free.toBigInt();
  const rewarded = events
    .map(({ event }) => event)
    .find((e) => api.events.staking.Rewarded.is(e) && e.data.stash.toString() === ferdie.address);
  if (!rewarded) throw new Error('no Rewarded event for Ferdie');
  if (rewarded.data.amount.toBigInt() !== expected) {
    throw new Error(`Rewarded ${rewarded.data.amount} != expected ${expected}`);
  }
  if (after - before !== expected) throw new Error(`balance grew by ${after - before}, expected ${expected}`);
  if (expected === 0n) throw new Error('the expected reward is zero');
  log(`Ferdie was paid ${expected} (${Number(expected) / 1e18} 0G)`);

  await eveNode.disconnect();
  await api.disconnect();
  return 1;
}

module.exports = { run };
