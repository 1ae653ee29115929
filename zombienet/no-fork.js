// After a finality stall: every node's finalized head passes the best block this node had when
// the script started (the blocks built during the stall are finalized), and every node
// finalized the same chain: their block hashes at that height agree (each node's finalized
// chain is one chain, so equal hashes there mean equal ancestors). Gives up after `args[0]`
// seconds (default 150). Returns the number of nodes checked.
const { waitFor } = require('./lib.js');

async function run(nodeName, networkInfo, args) {
  const timeoutMs = parseInt(args[0] || '150', 10) * 1000;
  const nodes = Object.keys(networkInfo.nodesByName);
  const apis = {};
  try {
    for (const name of nodes) {
      const { wsUri, userDefinedTypes } = networkInfo.nodesByName[name];
      apis[name] = await zombie.connect(wsUri, userDefinedTypes);
    }
    const target = (await apis[nodeName].rpc.chain.getHeader()).number.toNumber();
    const hashes = {};
    for (const name of nodes) {
      const api = apis[name];
      await waitFor(`${name} to finalize #${target}`, async () => {
        const head = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
        return head.number.toNumber() >= target;
      }, timeoutMs);
      hashes[name] = (await api.rpc.chain.getBlockHash(target)).toHex();
    }
    console.log(`[no-fork] finalized #${target} on every node: ${JSON.stringify(hashes)}`);
    if (new Set(Object.values(hashes)).size !== 1) throw new Error(`the nodes finalized different blocks at #${target}: ${JSON.stringify(hashes)}`);
    return nodes.length;
  } finally {
    for (const api of Object.values(apis)) await api.disconnect();
  }
}

module.exports = { run };
