// A validator killed with SIGKILL and started again on the same database (`args[0]`, default
// bob; lib.js's restartNode, through zombienet's own client): it resyncs to the best block this
// node had, it authors a block again (BABE's pre-digest names it, on this node's chain), and its
// block hash and state root at that block agree with this node's once both finalized it.
// Returns 1.
const { restartNode, waitFor } = require('./lib.js');

async function run(nodeName, networkInfo, args) {
  const target = args[0] || 'bob';
  await zombie.util.cryptoWaitReady();
  const address = new zombie.Keyring({ type: 'sr25519' }).addFromUri(`//${target[0].toUpperCase()}${target.slice(1)}`).address;
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const best = async (a) => (await a.rpc.chain.getHeader()).number.toNumber();
  const finalized = async (a) => (await a.rpc.chain.getHeader(await a.rpc.chain.getFinalizedHead())).number.toNumber();
  const log = (msg) => console.log(`[restart-rejoins] ${msg}`);

  const killedAt = await best(api);
  const { before, after } = await restartNode(target, networkInfo.nodesByName[target].wsUri, 5);
  log(`${target} killed (pid ${before}) at #${killedAt}, restarted 5 s later (pid ${after})`);
  const mark = await best(api);
  const node = await zombie.connect(networkInfo.nodesByName[target].wsUri);
  await waitFor(`${target} to resync to #${mark}`, async () => (await best(node)) >= mark, 120_000);
  log(`${target} resynced to #${mark}`);

  let next = mark + 1;
  const authored = await waitFor(`a block authored by ${target}`, async () => {
    for (const top = await best(api); next <= top; next++) {
      const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(next));
      if (header.author && header.author.toString() === address) return next;
    }
    return null;
  }, 120_000);
  log(`${target} authored #${authored}`);

  await waitFor(`#${authored} finalized on both nodes`, async () => (await finalized(api)) >= authored && (await finalized(node)) >= authored, 120_000);
  const [ours, theirs] = await Promise.all([api, node].map(async (a) => a.rpc.chain.getHeader(await a.rpc.chain.getBlockHash(authored))));
  await node.disconnect();
  await api.disconnect();
  if (ours.hash.toHex() !== theirs.hash.toHex() || ours.stateRoot.toHex() !== theirs.stateRoot.toHex()) {
    throw new Error(`#${authored}: ${nodeName} has ${ours.hash.toHex()} (state ${ours.stateRoot.toHex()}), ${target} ${theirs.hash.toHex()} (state ${theirs.stateRoot.toHex()})`);
  }
  log(`#${authored} finalized alike on ${nodeName} and ${target}: hash ${ours.hash.toHex()}, state root ${ours.stateRoot.toHex()}`);
  return 1;
}

module.exports = { run };
