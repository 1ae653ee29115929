// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title 0G Storage, in reach of Solidity
/// @notice The precompile at 0x000000000000000000000000000000000A020000 (runtime/src/precompiles).
/// Every call acts as the caller's own account: an externally owned account's mapped account,
/// or the calling contract's, which becomes the file's owner (refunds go to it). The data itself
/// goes to the providers through a worker's upload API (docs/storage.md); on chain a file is its
/// commitment. Amounts are in wei (1 0G = 1e18 wei), times in blocks. No call takes a value;
/// calls that change state refuse a static call and a delegate call; a refused call reverts with
/// the pallet's error ("Storage.RootMismatch", ...) and changes nothing.
interface IStorage {
    event FileSubmitted(address indexed owner, bytes32 indexed root, uint64 size, uint32 lifetime);
    event FileRenewed(address indexed payer, bytes32 indexed root, uint32 extra);

    /// Commits a file: its root over `shardRoots` (the data shards, then the parity shards),
    /// its size, its erasure coding and its lifetime in blocks, paying at most `maxFee` into
    /// escrow (and the submission fee to the treasury).
    function submit(
        bytes32 root,
        uint64 size,
        uint16 dataShards,
        uint16 parityShards,
        bytes32[] calldata shardRoots,
        uint32 lifetime,
        uint256 maxFee
    ) external;

    /// Extends the lifetime of the file `root` by `extra` blocks, paying at most `maxFee`.
    function renew(bytes32 root, uint32 extra, uint256 maxFee) external;

    /// The file committed by `root`. `status`: 0 none (never submitted, dropped or expired),
    /// 1 assigning, 2 pending, 3 finalized, 4 degraded.
    function fileOf(bytes32 root)
        external
        view
        returns (
            uint8 status,
            bytes32 owner,
            uint64 size,
            uint32 expiresAt,
            uint32 confirmedShards,
            uint32 totalShards,
            uint256 escrow
        );

    /// What storing `size` bytes so coded costs for `blocks` blocks, in wei (without the
    /// submission fee). The pallet's limits on shards, size and lifetime are checked by `submit`,
    /// not here.
    function fee(uint64 size, uint16 dataShards, uint16 parityShards, uint32 blocks)
        external
        view
        returns (uint256);
}
