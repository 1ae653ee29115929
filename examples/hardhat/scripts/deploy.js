// Deploys the example ERC-20 and sends some of it: `npx hardhat run scripts/deploy.js --network zg`.
const hre = require('hardhat');

async function main() {
  const [owner] = await hre.ethers.getSigners();
  const token = await hre.ethers.deployContract('Token', ['Zero Gravity Test', 'ZGT', hre.ethers.parseEther('1000000')]);
  await token.waitForDeployment();
  console.log(`Token deployed by ${owner.address} at ${await token.getAddress()}`);
  const receipt = await (await token.transfer('0x3Cd0A705a2DC65e5b1E1205896BaA2be8A07c6e0', hre.ethers.parseEther('10'))).wait();
  console.log(`10 ZGT sent to Baltathar in block ${receipt.blockNumber} (tx ${receipt.hash})`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
