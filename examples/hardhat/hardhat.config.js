// Hardhat 2 on the 0G chain: the network `zg` is eth-rpc (scripts/testnet.sh starts it on
// http://127.0.0.1:8545; set ZG_ETH_RPC_URL for another), chain id 16699, and the Ethereum dev
// key Alith (public, endowed on the dev and local chains only; set ZG_PRIVATE_KEY for your own).
require('@nomicfoundation/hardhat-ethers');
const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');

const SOLC_VERSION = require('solc/package.json').version;
const ALITH = '0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133';

// Compile with the solc of npm (solc-js) instead of downloading a compiler from
// binaries.soliditylang.org: works offline and behind a registry mirror.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) return runSuper();
  const solc = require('solc');
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: solcVersion,
    longVersion: solc.version(),
  };
});

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: { evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 } },
  },
  networks: {
    zg: {
      url: process.env.ZG_ETH_RPC_URL || 'http://127.0.0.1:8545',
      chainId: 16699,
      accounts: [process.env.ZG_PRIVATE_KEY || ALITH],
      timeout: 120_000,
    },
  },
  mocha: { timeout: 180_000 },
};
