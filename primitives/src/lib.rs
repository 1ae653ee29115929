//! Shared, `no_std` types of the 0G chain.
//!
//! Everything that more than one crate of the project has to agree on lives here exactly once:
//! the account, balance and block types that the runtime, the node and the clients use, and the
//! denomination of the native **$0G** token, the [`staking::RoleStaking`] interface through
//! which the storage, DA and compute pallets reach the stake of their service providers (and
//! [`staking::RoleObligations`], through which staking asks them what a provider still owes),
//! [`randomness`]: the beacon interface and the draws every pallet makes from it, and
//! the data layout of 0G Storage ([`storage`]: shards, chunks, Merkle roots and proofs; with the
//! `erasure` feature, [`erasure`]: Reed-Solomon coding of files), and the layout of DA blobs
//! ([`da`]: a square extended in two dimensions, its row and column roots, and proofs of bad
//! encoding).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature, OpaqueExtrinsic,
};

/// Block number: a `u32`, as pallet-revive's Ethereum JSON-RPC (eth-rpc) expects.
pub type BlockNumber = u32;

/// The signature type of the chain: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;

/// An account on the chain: the public key behind a [`Signature`], as 32 bytes.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of $0G in its smallest unit (10⁻¹⁸ 0G, one "wei").
pub type Balance = u128;

/// The nonce of an account.
pub type Nonce = u32;

/// The hash type of blocks and of the state trie.
pub type Hash = sp_core::H256;

/// The hashing algorithm of blocks and of the state trie.
pub type Hashing = BlakeTwo256;

/// The block header.
pub type Header = generic::Header<BlockNumber, Hashing>;

/// A block whose extrinsics are opaque bytes: what the node sees without knowing the runtime.
pub type OpaqueBlock = generic::Block<Header, OpaqueExtrinsic>;

/// Moments (milliseconds since the Unix epoch), as kept by pallet-timestamp.
pub type Moment = u64;

/// The denomination of the native token.
///
/// $0G has 18 decimals, like ether: one plank of $0G is exactly one wei on the EVM side, so
/// balances read the same through Substrate and Ethereum tools.
pub mod currency {
	use super::Balance;

	/// Number of decimals of $0G.
	pub const DECIMALS: u8 = 18;
	/// The token symbol shown by wallets.
	pub const SYMBOL: &str = "0G";
	/// One $0G.
	pub const ZG: Balance = 1_000_000_000_000_000_000;
	/// 10⁻³ $0G.
	pub const MILLI_ZG: Balance = ZG / 1_000;
	/// 10⁻⁶ $0G.
	pub const MICRO_ZG: Balance = MILLI_ZG / 1_000;
	/// 10⁻⁹ $0G: one gwei.
	pub const GWEI: Balance = MICRO_ZG / 1_000;
}

pub mod compute;
pub mod da;
#[cfg(feature = "erasure")]
pub mod erasure;
pub mod randomness;
pub mod staking;
pub mod storage;
pub mod worker_api;

#[cfg(test)]
mod tests {
	use super::currency::*;

	#[test]
	fn denomination_is_eighteen_decimals() {
		assert_eq!(ZG, 10u128.pow(DECIMALS as u32));
		assert_eq!(GWEI, 10u128.pow(9));
		assert_eq!(MILLI_ZG * 1_000, ZG);
	}
}
