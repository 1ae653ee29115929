// Takes the state of the network at its finalized head, every key and value (child tries
// included), and writes it as JSON to $ZG_STATE_SNAPSHOT: the live state that the try-runtime
// test (runtime/tests/live_state.rs, run by .ci/run) upgrades and checks. Run last in
// storage.zndsl, whose network has been through governance, storage and DA.
const fs = require('fs');

const PAGE = 1000;
const CHILD_PREFIX = '0x' + Buffer.from(':child_storage:default:').toString('hex');

async function keys(provider, method, args, at) {
  const all = [];
  for (let start = null; ;) {
    const page = await provider.send(method, [...args, PAGE, start, at]);
    all.push(...page);
    if (page.length < PAGE) return all;
    start = page[page.length - 1];
  }
}

async function run(nodeName, networkInfo) {
  const out = process.env.ZG_STATE_SNAPSHOT;
  if (!out) throw new Error('ZG_STATE_SNAPSHOT is not set');
  const provider = new zombie.WsProvider(networkInfo.nodesByName[nodeName].wsUri);
  await provider.isReady;
  const at = await provider.send('chain_getFinalizedHead', []);
  const header = await provider.send('chain_getHeader', [at]);
  const version = await provider.send('state_getRuntimeVersion', [at]);
  const top = {};
  const children = {};
  const topKeys = await keys(provider, 'state_getKeysPaged', ['0x'], at);
  for (let i = 0; i < topKeys.length; i += 500) {
    const [{ changes }] = await provider.send('state_queryStorageAt', [topKeys.slice(i, i + 500), at]);
    for (const [key, value] of changes) if (value !== null) top[key] = value;
  }
  for (const key of Object.keys(top).filter((k) => k.startsWith(CHILD_PREFIX))) {
    const childKeys = await keys(provider, 'childstate_getKeysPaged', [key, '0x'], at);
    const values = await provider.send('childstate_getStorageEntries', [key, childKeys, at]);
    children[key] = Object.fromEntries(childKeys.map((k, i) => [k, values[i]]).filter(([, v]) => v !== null));
  }
  await provider.disconnect();
  const number = parseInt(header.number, 16);
  fs.writeFileSync(out, JSON.stringify({ number, hash: at, specVersion: version.specVersion, top, children }));
  console.log(`[snapshot] block #${number} (${at}), spec ${version.specVersion}: ${Object.keys(top).length} keys, ${Object.keys(children).length} child tries -> ${out}`);
  return 1;
}

module.exports = { run };
