// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// A counter that anyone can increase; the smoke test of the EVM on the 0G chain.
contract Counter {
    uint256 public count;
    address public owner;

    event Incremented(address indexed by, uint256 amount, uint256 newCount);

    constructor(uint256 start) {
        count = start;
        owner = msg.sender;
    }

    function increment(uint256 by) external returns (uint256) {
        count += by;
        emit Incremented(msg.sender, by, count);
        return count;
    }
}
