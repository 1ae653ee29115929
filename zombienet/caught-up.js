// Waits until this node's best block reaches the best block that `args[0]` had when the script
// started, and returns by how many blocks it is ahead of that mark (0 or more).
async function run(nodeName, networkInfo, args) {
  const ref = networkInfo.nodesByName[args[0] || 'alice'];
  const me = networkInfo.nodesByName[nodeName];
  const refApi = await zombie.connect(ref.wsUri, ref.userDefinedTypes);
  const api = await zombie.connect(me.wsUri, me.userDefinedTypes);
  const mark = (await refApi.rpc.chain.getHeader()).number.toNumber();
  let best = (await api.rpc.chain.getHeader()).number.toNumber();
  while (best < mark) {
    await new Promise((r) => setTimeout(r, 1000));
    best = (await api.rpc.chain.getHeader()).number.toNumber();
  }
  console.log(`${nodeName}: best #${best}, ${args[0] || 'alice'} was at #${mark}`);
  await refApi.disconnect();
  await api.disconnect();
  return best - mark;
}

module.exports = { run };
