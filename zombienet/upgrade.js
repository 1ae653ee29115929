// A runtime upgrade by referendum on a live network (no sudo key): token holders vote in new
// code, and the chain goes on producing and finalizing blocks with it.
//
// The new code is `$ZG_UPGRADE_WASM`: the fast runtime with `spec_version` one higher
// (runtime/upgrade-test, built by `cargo build --workspace --all-targets`).
//
// 1. An account cannot upgrade the chain: `system.authorizeUpgrade` is refused (BadOrigin).
// 2. Alice notes `system.setCode(new code)` as a preimage (1.4 MB) and submits it on the `root`
//    track; six endowed accounts vote aye with 900 000 0G each (5.4 M of about 17 M issued, above
//    the track's 25 % support at the start of its decision period).
// 3. Approved, confirmed and enacted: the node reports the new `spec_version`, the runtime's
//    `LastRuntimeUpgrade` is the new version (its upgrade hooks ran), `:code` is the new blob
//    byte for byte, and finality passes the upgrade: at least 5 blocks finalized after it, run
//    by the new code.
const fs = require('fs');
const path = require('path');
const { u8aToHex } = require(path.join(__dirname, '../e2e/node_modules/@polkadot/util'));
const { blake2AsHex } = require(path.join(__dirname, '../e2e/node_modules/@polkadot/util-crypto'));
const { send, waitFor, refusal, submitReferendum, aye, referendumApproved } = require('./lib.js');

const ZG = 10n ** 18n;
const VOTE = 900_000n * ZG;
const CODE_KEY = '0x3a636f6465'; // ":code"

function log(msg) {
  console.log(`[upgrade] ${msg}`);
}

async function finalizedHeader(api) {
  return api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
}

async function run(nodeName, networkInfo) {
  const file = process.env.ZG_UPGRADE_WASM;
  if (!file || !fs.existsSync(file)) throw new Error(`ZG_UPGRADE_WASM (${file}) is not a file: build the workspace's tests first`);
  const code = fs.readFileSync(file);
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const voters = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((n) => keyring.addFromUri(`//${n}//stash`));
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const before = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
    log(`running spec_version ${before}; new code: ${code.length} bytes, blake2-256 ${blake2AsHex(code)}`);

    // 1. No account can upgrade the chain by itself.
    const refused = await refusal(send(api, api.tx.system.authorizeUpgrade(blake2AsHex(code)), alice));
    if (refused !== 'BadOrigin') throw new Error(`system.authorizeUpgrade from an account was not refused: ${refused}`);
    log('system.authorizeUpgrade from an account is refused (BadOrigin)');

    // 2. The preimage, the referendum and the votes.
    const setCode = api.tx.system.setCode(u8aToHex(code)).method;
    await send(api, api.tx.preimage.notePreimage(setCode.toHex()), alice);
    const proposal = { Lookup: { hash: blake2AsHex(setCode.toU8a()), len: setCode.encodedLength } };
    const index = await submitReferendum(api, alice, { system: 'Root' }, proposal);
    for (const voter of voters) await send(api, api.tx.convictionVoting.vote(index, aye(VOTE)), voter);
    log(`referendum ${index} on the root track: system.setCode (${setCode.encodedLength} bytes, noted as a preimage), ${voters.length} ayes of 900 000 0G`);

    // 3. Enactment, and the chain after it.
    await waitFor(`referendum ${index} to be approved`, () => referendumApproved(api, index), 240_000);
    const upgradedAt = await waitFor('the new runtime', async () => {
      const header = await api.rpc.chain.getHeader();
      // The best block may be retracted between the two calls: then ask again.
      const version = await api.rpc.state.getRuntimeVersion(header.hash).catch(() => null);
      return version !== null && version.specVersion.toNumber() === before + 1 && header.number.toNumber();
    }, 60_000);
    log(`block #${upgradedAt} stored the new code (spec_version ${before + 1})`);
    // The next block is the first that the new code executes: its upgrade hooks run there.
    await waitFor('LastRuntimeUpgrade to be the new version', async () => {
      const last = await api.query.system.lastRuntimeUpgrade();
      return last.isSome && last.unwrap().specVersion.toNumber() === before + 1;
    }, 30_000);
    const codeHash = (await api.rpc.state.getStorageHash(CODE_KEY)).toHex();
    if (codeHash !== blake2AsHex(code)) throw new Error(`:code hashes to ${codeHash}, not to the voted blob`);
    log('LastRuntimeUpgrade is the new version; :code is the voted blob');
    const finalized = await waitFor('5 blocks finalized after the upgrade', async () => {
      const header = await finalizedHeader(api);
      return header.number.toNumber() >= upgradedAt + 5 && header;
    }, 120_000);
    const finalizedVersion = (await api.rpc.state.getRuntimeVersion(finalized.hash)).specVersion.toNumber();
    if (finalizedVersion !== before + 1) throw new Error(`finalized block #${finalized.number} runs spec_version ${finalizedVersion}`);
    log(`finalized #${finalized.number} runs spec_version ${finalizedVersion}`);
  } finally {
    await api.disconnect();
  }
  return 1;
}

module.exports = { run };
