// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title 0G DA, in reach of Solidity
/// @notice The precompile at 0x000000000000000000000000000000000A040000 (runtime/src/precompiles).
/// Every call acts as the caller's own account: an externally owned account's mapped account,
/// or the calling contract's, which becomes the blob's disperser (its deposit and refunds go
/// back to it). The lines themselves go to the committee through `zg-da` or a worker's
/// dispersal API (docs/da.md); on chain a blob is its commitment. Amounts are in wei, times in
/// blocks. No call takes a value; calls that change state refuse a static call and a delegate
/// call; a refused call reverts with the pallet's error ("Da.NoCommittee", ...) and changes
/// nothing.
interface IDa {
    event BlobSubmitted(address indexed disperser, bytes32 indexed root, uint64 size);

    /// Commits a blob of `size` bytes by its data root, paying at most `maxFee` into escrow (and
    /// the submission fee to the treasury, and the disperser's deposit into escrow).
    function submitBlob(bytes32 root, uint64 size, uint256 maxFee) external;

    /// Whether the blob committed by `root` is available: attested by two thirds of its
    /// committee's seats, and not yet closed at the end of its retention (the same answer as the
    /// runtime API `DaApi.is_available`).
    function isAvailable(bytes32 root) external view returns (bool);

    /// The blob committed by `root` while it is on chain. `status`: 0 none (never submitted,
    /// failed, invalid or past its retention), 1 pending, 2 available (`since` .. `until`).
    function blobOf(bytes32 root)
        external
        view
        returns (
            uint8 status,
            bytes32 disperser,
            uint64 size,
            uint32 epoch,
            uint32 attestBy,
            uint32 attestedSeats,
            uint32 since,
            uint32 until
        );

    /// The fee of a blob of `size` bytes, in wei (without the submission fee and deposit).
    function fee(uint64 size) external view returns (uint256);
}
