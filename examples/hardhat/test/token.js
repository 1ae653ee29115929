// `npx hardhat test --network zg`: the ERC-20 deployed and used on the 0G chain through eth-rpc.
const assert = require('node:assert/strict');
const hre = require('hardhat');

const { ethers } = hre;
const BALTATHAR = '0x3Cd0A705a2DC65e5b1E1205896BaA2be8A07c6e0';

describe('Token on the 0G chain', function () {
  let token;
  let owner;

  before(async function () {
    [owner] = await ethers.getSigners();
    token = await ethers.deployContract('Token', ['Zero Gravity Test', 'ZGT', ethers.parseEther('1000')]);
    await token.waitForDeployment();
  });

  it('is deployed with its supply held by the deployer', async function () {
    const network = await ethers.provider.getNetwork();
    assert.equal(network.chainId, 16699n);
    assert.equal(await token.symbol(), 'ZGT');
    assert.equal(await token.totalSupply(), ethers.parseEther('1000'));
    assert.equal(await token.balanceOf(owner.address), ethers.parseEther('1000'));
  });

  it('transfers, with a receipt that carries the Transfer event', async function () {
    const before = await token.balanceOf(BALTATHAR);
    const receipt = await (await token.transfer(BALTATHAR, ethers.parseEther('2.5'))).wait();
    assert.equal(receipt.status, 1);
    const [log] = receipt.logs.map((l) => token.interface.parseLog(l));
    assert.equal(log.name, 'Transfer');
    assert.equal(log.args.to, BALTATHAR);
    assert.equal(await token.balanceOf(BALTATHAR), before + ethers.parseEther('2.5'));
  });

  it('refuses a transfer above the balance with its revert reason', async function () {
    const held = await token.balanceOf(owner.address);
    await assert.rejects(token.transfer.staticCall(BALTATHAR, held + 1n), /Token: balance too low/);
    assert.equal(await token.balanceOf(owner.address), held);
  });
});
