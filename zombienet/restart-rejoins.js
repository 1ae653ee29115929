// A validator killed with SIGKILL and started again on the same database (`args[0]`, default
// bob; lib.js's restartNode): it resyncs to the best block this node had, a block it authored
// after the restart is finalized (BABE's pre-digest names it; read from this node's finalized
// chain, so no retracted block counts), and at that block its hash and state root are this
// node's once it finalized it too. Returns 1.
const { restartNode, waitFor } = require('./lib.js');

async function run(nodeName, networkInfo, args) {
  const target = args[0] || 'bob';
  await zombie.util.cryptoWaitReady();
  const address = new zombie.Keyring({ type: 'sr25519' }).addFromUri(`//${target[0].toUpperCase()}${target.slice(1)}`).address;
  const best = async (a) => (await a.rpc.chain.getHeader()).number.toNumber();
  const finalized = async (a) => (await a.rpc.chain.getHeader(await a.rpc.chain.getFinalizedHead())).number.toNumber();
  const log = (msg) => console.log(`[restart-rejoins] ${msg}`);
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  let node = null;
  try {
    const killedAt = await best(api);
    const { before, after } = await restartNode(target, networkInfo.nodesByName[target].wsUri, 5);
    log(`${target} killed (pid ${before}) at #${killedAt}, restarted 5 s later (pid ${after})`);
    const mark = await best(api);
    node = await zombie.connect(networkInfo.nodesByName[target].wsUri);
    await waitFor(`${target} to resync to #${mark}`, async () => (await best(node)) >= mark, 120_000);
    log(`${target} resynced to #${mark}`);

    let next = mark + 1;
    const authored = await waitFor(`a finalized block authored by ${target}`, async () => {
      for (const top = await finalized(api); next <= top; next++) {
        const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(next));
        if (header.author && header.author.toString() === address) return next;
      }
      return null;
    }, 180_000);
    log(`${target} authored #${authored}, finalized`);

    await waitFor(`#${authored} finalized on ${target}`, async () => (await finalized(node)) >= authored, 120_000);
    const [ours, theirs] = await Promise.all([api, node].map(async (a) => a.rpc.chain.getHeader(await a.rpc.chain.getBlockHash(authored))));
    if (ours.hash.toHex() !== theirs.hash.toHex() || ours.stateRoot.toHex() !== theirs.stateRoot.toHex()) {
      throw new Error(`#${authored}: ${nodeName} has ${ours.hash.toHex()} (state ${ours.stateRoot.toHex()}), ${target} ${theirs.hash.toHex()} (state ${theirs.stateRoot.toHex()})`);
    }
    log(`#${authored} finalized alike on ${nodeName} and ${target}: hash ${ours.hash.toHex()}, state root ${ours.stateRoot.toHex()}`);
    return 1;
  } finally {
    if (node) await node.disconnect();
    await api.disconnect();
  }
}

module.exports = { run };
