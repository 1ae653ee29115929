// Waits until this node's finalized height has grown by `args[0]` blocks and returns the growth.
async function run(nodeName, networkInfo, args) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  const want = parseInt(args[0] || '5', 10);
  const head = async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  const start = await head();
  let now = start;
  while (now - start < want) {
    await new Promise((r) => setTimeout(r, 1000));
    now = await head();
  }
  console.log(`${nodeName}: finalized #${start} -> #${now}`);
  await api.disconnect();
  return now - start;
}

module.exports = { run };
