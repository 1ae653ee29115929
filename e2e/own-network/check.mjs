// Checks a network started from `zg-node new-network`'s chain spec (scripts/test-own-network.sh):
//   node check.mjs WS1 WS2 ACCOUNT1 ACCOUNT2
// Both validators author blocks, blocks are finalized (GRANDPA needs both of two), both nodes
// agree, and the genesis holds what was given: these validators and this committee, no sudo
// key, no dev account.
import { ApiPromise, WsProvider } from '@polkadot/api';

const [ws1, ws2, account1, account2] = process.argv.slice(2);
const log = (msg) => console.log(`[own-network] ${msg}`);

// scripts/test-own-network.sh waits for both nodes' RPC before starting this.
async function connect(url) {
  const provider = new WsProvider(url);
  return ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const api1 = await connect(ws1);
const api2 = await connect(ws2);
const expected = [account1, account2].sort();

const validators = (await api1.query.session.validators()).map(String).sort();
check(JSON.stringify(validators) === JSON.stringify(expected), `session validators ${validators}`);
const members = (await api1.query.technicalCommittee.members()).map(String).sort();
check(JSON.stringify(members) === JSON.stringify(expected), `committee ${members}`);
check((await api1.query.sudo.key()).isNone, 'a sudo key is set');
const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
check((await api1.query.system.account(alice)).data.free.isZero(), 'the dev account Alice is endowed');
log(`genesis: validators and committee ${expected.join(', ')}, no sudo key, no dev account`);

// Blocks finalized on the second node, which knew the first only through the spec's bootnode.
const deadline = Date.now() + 180_000;
let finalized = 0;
const authors = new Set();
let scanned = 0;
while (Date.now() < deadline) {
  finalized = (await api2.rpc.chain.getHeader(await api2.rpc.chain.getFinalizedHead())).number.toNumber();
  for (; scanned < finalized; scanned++) {
    const header = await api2.derive.chain.getHeader(await api2.rpc.chain.getBlockHash(scanned + 1));
    if (header.author) authors.add(header.author.toString());
  }
  if (finalized >= 10 && authors.size === 2) break;
  await new Promise((r) => setTimeout(r, 2000));
}
check(finalized >= 10, `only ${finalized} blocks finalized`);
check(authors.size === 2, `authors: ${[...authors]}`);
const hash = await api2.rpc.chain.getBlockHash(finalized);
const other = await api1.rpc.chain.getBlockHash(finalized);
check(hash.eq(other), `the nodes disagree on block #${finalized}`);
log(`#${finalized} finalized on both nodes; blocks authored by both validators`);

await api1.disconnect();
await api2.disconnect();
