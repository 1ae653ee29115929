// After a finality stall: every node's finalized head passes the best block this node had when
// the script started (the blocks built during the stall are finalized), and every node
// finalized the same chain: their block hashes at that height agree (each node's finalized
// chain is one chain, so equal hashes there mean equal ancestors). Returns the number of nodes
// checked.
async function run(nodeName, networkInfo) {
  const nodes = Object.keys(networkInfo.nodesByName);
  const apis = {};
  for (const name of nodes) {
    const { wsUri, userDefinedTypes } = networkInfo.nodesByName[name];
    apis[name] = await zombie.connect(wsUri, userDefinedTypes);
  }
  const target = (await apis[nodeName].rpc.chain.getHeader()).number.toNumber();
  const hashes = {};
  for (const name of nodes) {
    const api = apis[name];
    for (;;) {
      const head = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
      if (head.number.toNumber() >= target) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    hashes[name] = (await api.rpc.chain.getBlockHash(target)).toHex();
  }
  for (const api of Object.values(apis)) await api.disconnect();
  const distinct = new Set(Object.values(hashes));
  console.log(`[no-fork] finalized #${target} on every node: ${JSON.stringify(hashes)}`);
  if (distinct.size !== 1) throw new Error(`the nodes finalized different blocks at #${target}: ${JSON.stringify(hashes)}`);
  return nodes.length;
}

module.exports = { run };
