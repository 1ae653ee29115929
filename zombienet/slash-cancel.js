// The technical committee cancels a deferred slash, on a live network (staking.zndsl, after
// staking.js):
//
// 1. A second node runs with Bob's keys (`--bob`): in Bob's slots both nodes author blocks, a
//    BABE equivocation. The other validators' nodes report it (an unsigned transaction from
//    their own pool), and pallet-offences hands it to staking: a slash of Bob is queued,
//    due `SlashDeferDuration` eras later. The second node is stopped at once.
// 2. Bad input, nothing changed: Eve (no member) cannot propose the cancellation, nor cancel
//    it directly.
// 3. Alice proposes `staking.cancel_deferred_slash` to the committee, she, Charlie and Dave vote
//    aye (more than half of the four), Alice closes: the slash is cancelled. Once its era has
//    started, Bob's bond is whole.
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { send, waitFor, activeEra, refusal } = require('./lib.js');

function log(msg) {
  console.log(`[slash-cancel] ${msg}`);
}

// The queued slashes of `who`: [{ dueEra, offenceEra, fraction }].
async function queued(api, who) {
  const entries = await api.query.staking.unappliedSlashes.entries();
  return entries
    .map(([key, value]) => {
      const [dueEra, [validator, offenceEra]] = key.args;
      return { dueEra: dueEra.toNumber(), validator: validator.toString(), offenceEra: offenceEra.toNumber(), fraction: value.unwrap().fraction.toNumber() };
    })
    .filter((s) => s.validator === who);
}

async function run(nodeName, networkInfo) {
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((s) => keyring.addFromUri(s));
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const bondBefore = (await api.query.staking.ledger(bob.address)).unwrap().active.toBigInt();

  // 1. Bob's twin, started with an era, so that the committee has most of the defer window
  //    (one era of 80 s on the fast runtime) to act.
  const era = await activeEra(api);
  await waitFor(`era ${era + 1}`, async () => (await activeEra(api)) > era, 200_000);
  const rpc = new zombie.WsProvider(networkInfo.nodesByName.alice.wsUri);
  await rpc.isReady;
  const addresses = await rpc.send('system_localListenAddresses', []);
  await rpc.disconnect();
  const bootnode = addresses.find((a) => a.startsWith('/ip4/127.0.0.1/tcp/')) || addresses[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bob-twin-'));
  const logFile = fs.openSync(path.join(dir, 'twin.log'), 'w');
  const twin = spawn(process.env.ZG_NODE, [
    '--chain', process.env.ZG_CHAIN_SPEC, '--bob', '--name', 'bob-twin', '--base-path', dir,
    '--listen-addr', '/ip4/127.0.0.1/tcp/30777', '--rpc-port', '9977', '--no-prometheus', '--no-telemetry',
    '--bootnodes', bootnode, '--node-key', require('crypto').randomBytes(32).toString('hex'),
  ], { stdio: ['ignore', logFile, logFile] });
  log(`started a second node with Bob's keys (pid ${twin.pid}, log ${dir}/twin.log)`);
  let slash;
  try {
    slash = await waitFor('a queued slash of Bob', async () => (await queued(api, bob.address))[0], 300_000);
  } finally {
    twin.kill('SIGKILL');
  }
  log(`Bob's equivocation in era ${slash.offenceEra} was reported: ${slash.fraction / 1e7}% slash due at era ${slash.dueEra}; the twin is stopped`);

  // 2. Not the committee: refused, the slash still waits.
  const cancel = api.tx.staking.cancelDeferredSlash(bob.address, slash.offenceEra).method;
  const direct = await refusal(send(api, api.tx(cancel), eve));
  if (direct !== 'BadOrigin') throw new Error(`Eve's cancellation was not refused: ${direct}`);
  const notMember = await refusal(send(api, api.tx.technicalCommittee.propose(3, cancel, cancel.encodedLength), eve));
  if (notMember !== 'technicalCommittee.NotMember') throw new Error(`Eve's proposal was not refused: ${notMember}`);
  if ((await queued(api, bob.address)).length === 0) throw new Error('a refused cancellation changed the queue');
  log('Eve can neither cancel the slash (BadOrigin) nor propose it (technicalCommittee.NotMember)');

  // 3. The committee: 3 of 4 ayes (the proposer votes like the others), within the defer
  //    window. Every slash of Bob queued by then is cancelled in one motion (a report of the
  //    same offence from GRANDPA, or one of another era if the twin outlived its era).
  if ((await activeEra(api)) >= slash.dueEra) throw new Error(`era ${slash.dueEra} started before the committee could act`);
  const slashes = await queued(api, bob.address);
  const eras = [...new Set(slashes.map((s) => s.offenceEra))];
  const motion = api.tx.utility.batchAll(eras.map((e) => api.tx.staking.cancelDeferredSlash(bob.address, e))).method;
  const proposed = await send(api, api.tx.technicalCommittee.propose(3, motion, motion.encodedLength), alice);
  const { proposalIndex, proposalHash } = proposed.map(({ event }) => event).find((e) => api.events.technicalCommittee.Proposed.is(e)).data;
  for (const member of [alice, charlie, dave]) {
    await send(api, api.tx.technicalCommittee.vote(proposalHash, proposalIndex, true), member);
  }
  const closed = await send(api, api.tx.technicalCommittee.close(proposalHash, proposalIndex, { refTime: 10_000_000_000n, proofSize: 1_000_000n }, motion.encodedLength), alice);
  const executed = closed.map(({ event }) => event).find((e) => api.events.technicalCommittee.Executed.is(e));
  if (!executed || executed.data.result.isErr) throw new Error(`the motion did not execute: ${executed && executed.data.result}`);
  const cancelled = closed.map(({ event }) => event).filter((e) => api.events.staking.SlashCancelled.is(e) && e.data.validator.toString() === bob.address);
  if (cancelled.length !== eras.length) throw new Error(`${cancelled.length} SlashCancelled events for Bob, expected ${eras.length}`);
  log(`the committee cancelled Bob's slash of era(s) ${eras.join(', ')} (motion ${proposalIndex}, 3 of 4 ayes)`);

  // Nothing of Bob's is left to apply (a later report of a cancelled offence with the same
  // fraction adds nothing).
  const left = await queued(api, bob.address);
  if (left.length) throw new Error(`still queued: ${JSON.stringify(left)}`);
  const lastDue = Math.max(...slashes.map((s) => s.dueEra));
  await waitFor(`era ${lastDue}`, async () => (await activeEra(api)) >= lastDue, 300_000);
  await waitFor('every slash applied', async () => (await api.query.staking.slashesDue()).isNone, 60_000);
  const bondAfter = (await api.query.staking.ledger(bob.address)).unwrap().active.toBigInt();
  if (bondAfter < bondBefore) throw new Error(`Bob's bond fell from ${bondBefore} to ${bondAfter}`);
  log(`era ${await activeEra(api)} started; Bob's bond is whole (${bondAfter})`);
  await api.disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
  return 1;
}

module.exports = { run };
