// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title 0G Compute, in reach of Solidity
/// @notice The precompile at 0x000000000000000000000000000000000a030000 (runtime/src/precompiles).
/// Every call acts as the caller's own account: an externally owned account's mapped account,
/// or the calling contract's. Amounts are in wei (1 0G = 1e18 wei). Providers are their 32-byte
/// account ids. No call takes a value; calls that change state refuse a static call and a
/// delegate call; a refused call reverts with the pallet's error ("Compute.ServiceNotFound",
/// ...) and changes nothing.
interface ICompute {
    event Deposited(address indexed who, uint256 amount);
    event Allocated(address indexed who, bytes32 indexed provider, uint256 amount);
    event JobSubmitted(uint64 indexed job, address indexed user, uint64 service);
    event RefundRequested(address indexed who, bytes32 indexed provider, uint256 amount);
    event Withdrawn(address indexed who);
    event Challenged(uint64 indexed job, address indexed challenger);

    /// Moves `amount` of the caller's balance into its compute ledger.
    function deposit(uint256 amount) external;

    /// Sets `amount` of the caller's ledger aside for `provider`'s API.
    function allocate(bytes32 provider, uint256 amount) external;

    /// Submits a verifiable job to `service` with `input` inline (UTF-8), at most `maxTokens`
    /// output tokens, paying at most `maxFee` from the caller's ledger; returns the job's id.
    function submitJob(uint64 service, bytes calldata input, uint32 maxTokens, uint256 maxFee)
        external
        returns (uint64 job);

    /// The same with the input a file in 0G Storage, by its root.
    function submitStoredJob(uint64 service, bytes32 inputRoot, uint32 maxTokens, uint256 maxFee)
        external
        returns (uint64 job);

    /// Takes `amount` out of the caller's free ledger (`provider` zero) or out of its allocation
    /// to `provider`, locked for the refund lock; then `withdraw` pays it out.
    function requestRefund(bytes32 provider, uint256 amount) external;

    /// Pays the caller's pending refund out to its balance once its lock has ended.
    function withdraw() external;

    /// Challenges the answered result of `job` (a deposit is held), within its challenge window.
    function challenge(uint64 job) external;

    /// The free compute ledger of `who`.
    function ledgerOf(address who) external view returns (uint256 free);

    /// What `user` has allocated to `provider`.
    function allocationOf(address user, bytes32 provider) external view returns (uint256 amount);

    /// A job while it is open. `status`: 0 none (never submitted, or settled and gone), 1 pending,
    /// 2 answered, 3 disputed. Once answered: `refused` (the engine refused it) or the output's
    /// hash and token counts, and the fee charged.
    function jobOf(uint64 job)
        external
        view
        returns (
            uint8 status,
            bytes32 provider,
            uint256 maxFee,
            uint32 due,
            bool refused,
            bytes32 outputHash,
            uint32 inputTokens,
            uint32 outputTokens,
            uint256 fee
        );
}
