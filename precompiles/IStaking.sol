// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title 0G staking, in reach of Solidity
/// @notice The precompile at 0x000000000000000000000000000000000a010000 (runtime/src/precompiles).
/// Every call acts as the caller's own account: an externally owned account's mapped account,
/// or the calling contract's. Amounts are in wei (1 wei = 1 plank; 1 0G = 1e18 wei). Accounts of
/// the chain (validators) are their 32-byte account ids. No call takes a value; calls that
/// change state refuse a static call and a delegate call; a refused call reverts with the
/// pallet's error ("Staking.NotBonded", ...) and changes nothing.
interface IStaking {
    event Bonded(address indexed who, uint256 value);
    event Unbonded(address indexed who, uint256 value);
    event Rebonded(address indexed who, uint256 value);
    event Withdrawn(address indexed who, uint256 value);
    event Chilled(address indexed who);
    event Delegated(address indexed who, bytes32[] targets);
    event PaidOut(bytes32 indexed validator, uint32 era, uint32 page);

    /// Puts `value` of the caller's free balance on hold as its bond, or adds it to the bond it has.
    function bond(uint256 value) external;

    /// Starts unbonding `value` of the caller's active bond; it can be withdrawn after the
    /// bonding duration (eras).
    function unbond(uint256 value) external;

    /// Moves up to `value` of what the caller is unbonding back to its active bond.
    function rebond(uint256 value) external;

    /// Releases what has finished unbonding (and role bonds past their unbonding period). The
    /// `Withdrawn` log gives what left the staking bond; role bonds are not counted in it.
    function withdrawUnbonded() external;

    /// Stops the caller validating or delegating; its bond stays (then `unbond` can go below the
    /// delegator minimum).
    function chill() external;

    /// Delegates the caller's active bond to `targets` (validator candidates), split evenly,
    /// replacing any earlier delegation.
    function delegate(bytes32[] calldata targets) external;

    /// Pays page `page` of `validator`'s backers for the ended `era` (anyone may call it).
    function payoutStakers(bytes32 validator, uint32 era, uint32 page) external;

    /// The bond of `who`: what is active, the total on hold (active and unlocking), and what is
    /// unlocking. All zero for an account that is not bonded.
    function stakeOf(address who) external view returns (uint256 active, uint256 total, uint256 unlocking);

    /// The validators `who` delegates to (empty when none).
    function delegationsOf(address who) external view returns (bytes32[] memory targets);

    /// The era in progress.
    function activeEra() external view returns (uint32 era);

    /// The reward of an ended era still kept, and how much of it has been paid; (0, 0) for an
    /// era not kept.
    function eraReward(uint32 era) external view returns (uint256 reward, uint256 paid);
}
