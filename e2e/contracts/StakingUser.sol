// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "../../precompiles/IStaking.sol";

/// A contract that stakes its own balance through the staking precompile, and tries what the
/// precompile must refuse: a state change in a static call, and a delegate call (which would
/// act as the contract's caller).
contract StakingUser {
    IStaking constant STAKING = IStaking(0x000000000000000000000000000000000a010000);

    receive() external payable {}

    function bond(uint256 value) external {
        STAKING.bond(value);
    }

    function stake() external view returns (uint256 active, uint256 total, uint256 unlocking) {
        return STAKING.stakeOf(address(this));
    }

    /// Calls `bond` in a static call; returns whether it succeeded and its revert data.
    function bondInStaticCall(uint256 value) external view returns (bool ok, bytes memory data) {
        (ok, data) = address(STAKING).staticcall(abi.encodeCall(IStaking.bond, (value)));
    }

    /// Calls `bond` by delegate call; returns whether it succeeded and its revert data.
    function bondByDelegateCall(uint256 value) external returns (bool ok, bytes memory data) {
        (ok, data) = address(STAKING).delegatecall(abi.encodeCall(IStaking.bond, (value)));
    }
}
