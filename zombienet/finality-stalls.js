// With two of four validators paused GRANDPA has no two-thirds supermajority: finality must stop
// while the two others go on authoring (BABE's secondary slots). Watches this node for
// `args[0]` seconds (default 30), after a few seconds for a round whose votes were already cast
// to complete, and returns how many blocks the best chain grew while the finalized head stayed
// where it was; 0 if finality moved (a supermajority without the paused validators: a bug).
async function run(nodeName, networkInfo, args) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  const seconds = parseInt(args[0] || '30', 10);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  const finalized = async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  let best0, final0, best1, final1;
  try {
    await sleep(4000);
    [best0, final0] = [await best(), await finalized()];
    await sleep(seconds * 1000);
    [best1, final1] = [await best(), await finalized()];
  } finally {
    await api.disconnect();
  }
  console.log(`[finality-stalls] ${nodeName} over ${seconds} s: best #${best0} -> #${best1}, finalized #${final0} -> #${final1}`);
  if (final1 !== final0) {
    console.log('[finality-stalls] finality advanced without a supermajority');
    return 0;
  }
  return best1 - best0;
}

module.exports = { run };
