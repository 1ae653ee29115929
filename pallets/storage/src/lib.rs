//! # 0G Storage pallet
//!
//! Erasure-coded files committed on chain, stored by bonded providers, proven by random
//! challenges and paid for from escrow.
//!
//! ## Life of a file
//!
//! 1. **Submit.** [`Pallet::submit`] commits a file by its root (see
//!    [`zg_primitives::storage`]): its size, its `k` data and `m` parity shards, the root of
//!    every shard, and a lifetime in blocks. The fee, `size × price × lifetime` (the price per
//!    byte and block is set by root with [`Pallet::set_price`]), moves into the pallet's escrow
//!    account. Each of the `k + m` shards is assigned to a different registered storage
//!    provider (see [`Pallet::register_provider`]; it needs a `StorageProvider` role bond in
//!    the staking pallet), drawn with the parent block's BABE VRF output mixed with the root.
//!    Providers cannot choose their shards; an uploader sees that randomness when it builds the
//!    transaction and could only steer the draw by grinding the file's bytes (drawing from a
//!    later block's randomness is future work).
//! 2. **Confirm.** Each assigned provider calls [`Pallet::confirm_shard`] once its worker holds
//!    the shard. When every shard is confirmed the file is **Finalized** ([`FileStatus`],
//!    [`Event::FileFinalized`]): every shard has been held by its provider at least once, so
//!    the file can be read back from any `k` of them. A file that is not finalized within
//!    [`Config::ConfirmationPeriod`] blocks is dropped and its fee refunded.
//! 3. **Prove.** Every [`Config::ChallengePeriod`] blocks the pallet draws up to
//!    [`Config::ChallengesPerPeriod`] `(file, shard, chunk)` challenges among finalized files.
//!    The assigned provider answers with [`Pallet::answer_challenge`]: the 1 KiB chunk and its
//!    Merkle path, verified against the shard root. A valid answer pays the provider what its
//!    shard has earned since it was last paid: the shard's escrow is released linearly over the
//!    file's lifetime. A challenge still unanswered when the next round starts slashes the
//!    provider's role bond by [`Config::MissedChallengeSlash`] through
//!    [`zg_primitives::staking::RoleStaking`], forfeits the time it was not paid for to the
//!    owner, and reassigns the shard to another provider, who must confirm it again (its worker
//!    rebuilds the shard from any `k` others).
//! 4. **Renew or expire.** Anyone may extend a file's lifetime with [`Pallet::renew`], paying
//!    `size × price × extra blocks`. At expiry the providers of confirmed shards are paid the
//!    rest of their escrow, the forfeited part goes back to the owner, and the file's state is
//!    removed. Expiries and confirmation deadlines are kept in per-block queues
//!    ([`Deadlines`]): no block ever scans all files.
//!
//! ## Offchain worker
//!
//! A provider's node runs its duties in the offchain worker: for every provider key (`zgsp`)
//! in its keystore it answers that provider's challenges with proofs from the local worker and
//! confirms the shards the worker holds, as transactions signed by that key (see
//! [`zg_offchain`]).
//!
//! ## Money
//!
//! Every fee is held by the escrow account ([`Pallet::escrow_account`]) until it is paid to a
//! provider or refunded. [`EscrowTotal`] is the sum of the unreleased fees of all files, and
//! `try_state` checks that it equals both the sum over [`Files`] and the escrow account's
//! balance above its existential deposit.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
mod offchain;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Precision, Preservation},
		Randomness,
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AccountIdConversion, Saturating, Zero},
	Perbill, Rounding,
};
use zg_primitives::{
	staking::{Role, RoleStaking, SlashReason},
	storage::{file_root, verify_chunk, FileLayout, CHUNK_SIZE},
	Balance,
};

/// The longest Merkle path a challenge answer may carry: trees of up to 2³² chunks.
pub const MAX_PROOF_DEPTH: u32 = 32;

/// How many later blocks a deadline may move to when its own block's queue is full.
pub const DEADLINE_SLACK: u32 = 16;

/// How many random providers are tried when a shard is reassigned.
pub const REASSIGN_TRIES: u32 = 8;

/// Where a file is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum FileStatus {
	/// Submitted; waiting for every assigned provider to confirm its shard.
	Pending,
	/// Every shard has been confirmed by its provider: the file is stored and challenged until
	/// it expires. It stays finalized when a shard is later reassigned, because the file can
	/// still be rebuilt from the other shards.
	Finalized,
}

/// One shard of a file and the provider that stores it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ShardInfo<AccountId, BlockNumber> {
	/// Merkle root of the shard's chunks.
	pub root: H256,
	/// The provider assigned to store it.
	pub provider: AccountId,
	/// Whether the provider has confirmed that it holds the shard.
	pub confirmed: bool,
	/// The part of the file's fee still held for this shard.
	pub escrow: Balance,
	/// The block up to which this shard's escrow has been accounted for (paid or forfeited).
	pub paid_until: BlockNumber,
}

/// A committed file.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct FileInfo<T: Config> {
	/// Who submitted the file; refunds go to this account.
	pub owner: T::AccountId,
	/// Size and erasure-coding parameters.
	pub layout: FileLayout,
	/// The `k` data shards, then the `m` parity shards.
	pub shards: BoundedVec<ShardInfo<T::AccountId, BlockNumberFor<T>>, MaxShardsOf<T>>,
	/// Pending or finalized.
	pub status: FileStatus,
	/// The block in which it was submitted.
	pub submitted_at: BlockNumberFor<T>,
	/// The block by which it must be finalized.
	pub confirm_by: BlockNumberFor<T>,
	/// The block in which it expires.
	pub expires_at: BlockNumberFor<T>,
	/// Escrow forfeited by providers (missed challenges, time before confirmation), returned to
	/// the owner at expiry.
	pub refund: Balance,
	/// Position in [`FileIndex`] while finalized.
	pub index: Option<u32>,
}

impl<T: Config> FileInfo<T> {
	/// Everything still held for this file.
	pub fn escrow(&self) -> Balance {
		self.shards.iter().fold(self.refund, |sum, s| sum.saturating_add(s.escrow))
	}
}

/// A registered storage provider.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ProviderInfo<T: Config> {
	/// Base URL of the provider's worker API, where uploaders push shards and readers fetch
	/// them.
	pub endpoint: BoundedVec<u8, T::MaxEndpointLen>,
	/// When it registered.
	pub registered_at: BlockNumberFor<T>,
}

/// One storage challenge: the provider of `shard` of `root` must produce chunk `chunk`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Challenge<AccountId> {
	/// The challenged file.
	pub root: H256,
	/// Index of the shard in the file.
	pub shard: u32,
	/// Index of the chunk in the shard.
	pub chunk: u32,
	/// The provider that must answer.
	pub provider: AccountId,
	/// Whether it has been answered.
	pub answered: bool,
}

/// The challenges of the current round.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
	frame_support::DefaultNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ChallengeRound<T: Config> {
	/// Round number, counted from 1.
	pub number: u32,
	/// The block in which the round started.
	pub started_at: BlockNumberFor<T>,
	/// The block in which the next round starts: answers must be included before it.
	pub deadline: BlockNumberFor<T>,
	/// The challenges.
	pub challenges: BoundedVec<Challenge<T::AccountId>, T::ChallengesPerPeriod>,
}

/// `k + m` at most: [`Config::MaxDataShards`] + [`Config::MaxParityShards`].
pub struct MaxShardsOf<T>(core::marker::PhantomData<T>);
impl<T: Config> Get<u32> for MaxShardsOf<T> {
	fn get() -> u32 {
		T::MaxDataShards::get().saturating_add(T::MaxParityShards::get())
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The provider keys (`zgsp`) that the offchain worker signs duties with.
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// The native currency: fees move to and from the escrow account.
		type Currency: Inspect<Self::AccountId, Balance = Balance> + Mutate<Self::AccountId>;
		/// The staking pallet: provider eligibility and slashing of their role bonds.
		type Staking: RoleStaking<Self::AccountId, Balance>;
		/// Randomness for shard assignment and challenges (BABE's VRF output in the runtime).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// Derives the escrow account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Largest file size in bytes.
		#[pallet::constant]
		type MaxFileSize: Get<u64>;
		/// Largest number of data shards `k`.
		#[pallet::constant]
		type MaxDataShards: Get<u32>;
		/// Fewest parity shards `m` (at least one, so that a file survives a lost provider).
		#[pallet::constant]
		type MinParityShards: Get<u32>;
		/// Largest number of parity shards `m`.
		#[pallet::constant]
		type MaxParityShards: Get<u32>;
		/// Shortest lifetime in blocks.
		#[pallet::constant]
		type MinLifetime: Get<BlockNumberFor<Self>>;
		/// Longest lifetime in blocks, also the furthest a renewal may push an expiry from now.
		#[pallet::constant]
		type MaxLifetime: Get<BlockNumberFor<Self>>;
		/// Blocks within which every shard of a new file must be confirmed.
		#[pallet::constant]
		type ConfirmationPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks between two challenge rounds; also the time a provider has to answer.
		#[pallet::constant]
		type ChallengePeriod: Get<BlockNumberFor<Self>>;
		/// Challenges drawn per round.
		#[pallet::constant]
		type ChallengesPerPeriod: Get<u32>;
		/// Part of the role bond slashed for a missed challenge.
		#[pallet::constant]
		type MissedChallengeSlash: Get<Perbill>;
		/// Most registered providers.
		#[pallet::constant]
		type MaxProviders: Get<u32>;
		/// Longest endpoint URL.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// Most deadlines (expiries and confirmation deadlines) in one block.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;
		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The price of storage in plancks per byte and block.
	#[pallet::storage]
	pub type Price<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Registered providers and their worker endpoints.
	#[pallet::storage]
	pub type Providers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfo<T>>;

	/// The registered providers in registration order: the pool that shards are drawn from.
	#[pallet::storage]
	pub type ProviderList<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxProviders>, ValueQuery>;

	/// Committed files by root.
	#[pallet::storage]
	pub type Files<T: Config> = StorageMap<_, Identity, H256, FileInfo<T>>;

	/// Finalized files by position, for drawing challenges without a scan.
	#[pallet::storage]
	pub type FileIndex<T: Config> = StorageMap<_, Twox64Concat, u32, H256>;

	/// Number of finalized files (the length of [`FileIndex`]).
	#[pallet::storage]
	pub type FinalizedCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Files with a deadline (confirmation or expiry) in a block. A renewed file leaves a stale
	/// entry at its old expiry, which is skipped.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<H256, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// The current challenge round.
	#[pallet::storage]
	pub type CurrentRound<T: Config> = StorageValue<_, ChallengeRound<T>, ValueQuery>;

	/// Sum of the unreleased fees of all files: the escrow account's balance above its
	/// existential deposit.
	#[pallet::storage]
	pub type EscrowTotal<T: Config> = StorageValue<_, Balance, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Storage price in plancks per byte and block.
		pub price: Balance,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Price::<T>::put(self.price);
			Pallet::<T>::endow_escrow();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A storage provider registered (or changed) its worker endpoint.
		ProviderRegistered { who: T::AccountId, endpoint: Vec<u8> },
		/// A storage provider left the pool. Shards it already stores stay assigned to it.
		ProviderDeregistered { who: T::AccountId },
		/// A file was committed and its fee escrowed.
		FileSubmitted {
			root: H256,
			owner: T::AccountId,
			size: u64,
			data_shards: u16,
			parity_shards: u16,
			fee: Balance,
			expires_at: BlockNumberFor<T>,
		},
		/// A shard was assigned to a provider.
		ShardAssigned { root: H256, shard: u32, provider: T::AccountId },
		/// A provider confirmed that it holds a shard.
		ShardConfirmed { root: H256, shard: u32, provider: T::AccountId },
		/// Every shard of the file is confirmed: the file is stored.
		FileFinalized { root: H256 },
		/// The file was not finalized in time; its whole fee was refunded to the owner.
		FileDropped { root: H256, refunded: Balance },
		/// A challenge round started.
		ChallengesIssued { round: u32, count: u32, deadline: BlockNumberFor<T> },
		/// A challenge was answered with a valid proof and the provider paid what the shard
		/// earned since its last payment.
		ChallengeAnswered {
			root: H256,
			shard: u32,
			chunk: u32,
			provider: T::AccountId,
			paid: Balance,
		},
		/// A challenge went unanswered: the provider's role bond was slashed.
		ChallengeMissed { root: H256, shard: u32, provider: T::AccountId, slashed: Balance },
		/// A shard moved to another provider, which must confirm it.
		ShardReassigned { root: H256, shard: u32, from: T::AccountId, to: T::AccountId },
		/// A file's lifetime was extended.
		FileRenewed { root: H256, by: T::AccountId, fee: Balance, expires_at: BlockNumberFor<T> },
		/// A file expired: its providers were paid the rest of their escrow and the forfeited
		/// part refunded to the owner.
		FileExpired { root: H256, paid: Balance, refunded: Balance },
		/// The storage price changed.
		PriceSet { price: Balance },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The endpoint is empty or too long.
		BadEndpoint,
		/// The caller has no active StorageProvider role bond in the staking pallet.
		NotEligible,
		/// The caller is not a registered provider.
		NotProvider,
		/// The provider pool is full.
		TooManyProviders,
		/// The file is empty.
		EmptyFile,
		/// The file is larger than `MaxFileSize`.
		FileTooLarge,
		/// `k` is zero or above `MaxDataShards`.
		DataShardsOutOfBounds,
		/// `m` is below `MinParityShards` or above `MaxParityShards`.
		ParityShardsOutOfBounds,
		/// The number of shard roots is not `k + m`.
		WrongShardCount,
		/// The root is not the file root of the given size, coding and shard roots.
		RootMismatch,
		/// The lifetime is below `MinLifetime` or above `MaxLifetime`.
		LifetimeOutOfBounds,
		/// A file with this root is already committed.
		FileExists,
		/// The fee is above the maximum the caller accepts.
		FeeAboveMaximum,
		/// An amount overflowed.
		Overflow,
		/// Fewer eligible providers than shards.
		NotEnoughProviders,
		/// The deadline queues of the target block and the next blocks are full.
		DeadlinesFull,
		/// No file with this root.
		FileNotFound,
		/// No such shard in the file.
		ShardNotFound,
		/// The caller is not the provider assigned to this shard or challenge.
		NotAssigned,
		/// The shard is already confirmed.
		AlreadyConfirmed,
		/// The shard is not confirmed (it was reassigned and awaits confirmation).
		ShardNotConfirmed,
		/// The answer names a round that is not the current one.
		WrongRound,
		/// No such challenge in the round.
		ChallengeNotFound,
		/// The challenge was already answered.
		AlreadyAnswered,
		/// The chunk is not 1 KiB long.
		WrongChunkSize,
		/// The chunk and path do not verify against the shard root.
		InvalidProof,
		/// The new expiry would be more than `MaxLifetime` blocks from now.
		LifetimeTooLong,
		/// Zero extra blocks.
		ZeroExtension,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let mut weight = Self::process_deadlines(n);
			let period = T::ChallengePeriod::get();
			if !period.is_zero() && (n % period).is_zero() && !n.is_zero() {
				weight.saturating_accrue(Self::new_round(n));
			}
			weight
		}

		/// Answers this node's providers' challenges and confirms the shards their workers
		/// hold (see the `offchain` module).
		fn offchain_worker(n: BlockNumberFor<T>) {
			Self::offchain_duties(n);
		}

		fn integrity_test() {
			assert!(T::MaxDataShards::get() >= 1, "MaxDataShards must be at least 1");
			assert!(
				T::MinParityShards::get() <= T::MaxParityShards::get(),
				"MinParityShards must not exceed MaxParityShards"
			);
			assert!(
				MaxShardsOf::<T>::get() <= zg_primitives::storage::MAX_CODE_SHARDS,
				"more shards than the erasure code supports"
			);
			assert!(T::MaxFileSize::get() > 0, "MaxFileSize must be positive");
			assert!(
				FileLayout::new(T::MaxFileSize::get(), 1, 1).is_ok(),
				"a shard of the largest file has more than u32::MAX chunks"
			);
			assert!(!T::MinLifetime::get().is_zero(), "MinLifetime must be positive");
			assert!(T::MinLifetime::get() <= T::MaxLifetime::get(), "MinLifetime > MaxLifetime");
			assert!(
				T::ConfirmationPeriod::get() < T::MinLifetime::get(),
				"a file must be able to finalize before it expires"
			);
			assert!(!T::ChallengePeriod::get().is_zero(), "ChallengePeriod must be positive");
			assert!(T::MaxDeadlinesPerBlock::get() >= 1, "MaxDeadlinesPerBlock must be positive");
			assert!(T::MaxEndpointLen::get() >= 8, "MaxEndpointLen is too short for a URL");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Joins the provider pool, or changes the endpoint of a registered provider.
		///
		/// `endpoint` is the base URL of the provider's worker API (for example
		/// `http://203.0.113.7:8700`): uploaders push shards there and readers fetch them. The
		/// caller needs an active `StorageProvider` role bond in the staking pallet. New files
		/// may assign shards to the provider from the next submission on.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_provider())]
		pub fn register_provider(origin: OriginFor<T>, endpoint: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!endpoint.is_empty(), Error::<T>::BadEndpoint);
			let bounded: BoundedVec<u8, T::MaxEndpointLen> =
				endpoint.clone().try_into().map_err(|_| Error::<T>::BadEndpoint)?;
			ensure!(T::Staking::is_eligible(&who, Role::StorageProvider), Error::<T>::NotEligible);
			let registered_at = match Providers::<T>::get(&who) {
				Some(info) => info.registered_at,
				None => {
					ProviderList::<T>::try_append(who.clone())
						.map_err(|_| Error::<T>::TooManyProviders)?;
					frame_system::Pallet::<T>::block_number()
				},
			};
			Providers::<T>::insert(&who, ProviderInfo { endpoint: bounded, registered_at });
			Self::deposit_event(Event::ProviderRegistered { who, endpoint });
			Ok(())
		}

		/// Leaves the provider pool: no new shard is assigned to the caller. Shards it already
		/// stores stay assigned and challenged until their files expire or they are reassigned;
		/// its role bond stays at stake for them.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_provider())]
		pub fn deregister_provider(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Providers::<T>::contains_key(&who), Error::<T>::NotProvider);
			Providers::<T>::remove(&who);
			ProviderList::<T>::mutate(|list| list.retain(|p| p != &who));
			Self::deposit_event(Event::ProviderDeregistered { who });
			Ok(())
		}

		/// Commits a file and escrows its fee.
		///
		/// - `root`: the file root over `size`, `data_shards` (`k`), `parity_shards` (`m`) and
		///   the `shard_roots` (see `zg_primitives::storage::file_root`); checked here.
		/// - `lifetime`: blocks from now until expiry, between `MinLifetime` and `MaxLifetime`.
		/// - `max_fee`: the most the caller pays; the call fails if `size × price × lifetime`
		///   is more.
		///
		/// Each shard is assigned to a different eligible provider drawn at random
		/// ([`Event::ShardAssigned`]); the file must then be confirmed by all of them within
		/// `ConfirmationPeriod` blocks.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit(T::MaxProviders::get(), shard_roots.len() as u32))]
		pub fn submit(
			origin: OriginFor<T>,
			root: H256,
			size: u64,
			data_shards: u16,
			parity_shards: u16,
			shard_roots: Vec<H256>,
			lifetime: BlockNumberFor<T>,
			#[pallet::compact] max_fee: Balance,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			ensure!(size > 0, Error::<T>::EmptyFile);
			ensure!(size <= T::MaxFileSize::get(), Error::<T>::FileTooLarge);
			ensure!(
				data_shards >= 1 && u32::from(data_shards) <= T::MaxDataShards::get(),
				Error::<T>::DataShardsOutOfBounds
			);
			ensure!(
				u32::from(parity_shards) >= T::MinParityShards::get()
					&& u32::from(parity_shards) <= T::MaxParityShards::get(),
				Error::<T>::ParityShardsOutOfBounds
			);
			let layout = FileLayout::new(size, data_shards, parity_shards)
				.map_err(|_| Error::<T>::FileTooLarge)?;
			ensure!(shard_roots.len() as u32 == layout.total_shards(), Error::<T>::WrongShardCount);
			ensure!(file_root(&layout, &shard_roots) == root, Error::<T>::RootMismatch);
			ensure!(
				lifetime >= T::MinLifetime::get() && lifetime <= T::MaxLifetime::get(),
				Error::<T>::LifetimeOutOfBounds
			);
			ensure!(!Files::<T>::contains_key(root), Error::<T>::FileExists);
			let fee = Self::fee(size, lifetime)?;
			ensure!(fee <= max_fee, Error::<T>::FeeAboveMaximum);

			let (providers, pool) = Self::draw_providers(&root, shard_roots.len() as u32)?;
			let now = frame_system::Pallet::<T>::block_number();
			let confirm_by =
				Self::schedule(now.saturating_add(T::ConfirmationPeriod::get()), root)?;
			let expires_at = Self::schedule(now.saturating_add(lifetime), root)?;
			T::Currency::transfer(&owner, &Self::escrow_account(), fee, Preservation::Preserve)?;
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(fee));

			let shares = Self::split(fee, shard_roots.len() as u32);
			let shards: BoundedVec<_, MaxShardsOf<T>> = shard_roots
				.iter()
				.zip(providers)
				.zip(shares)
				.map(|((root, provider), escrow)| ShardInfo {
					root: *root,
					provider,
					confirmed: false,
					escrow,
					paid_until: now,
				})
				.collect::<Vec<_>>()
				.try_into()
				.map_err(|_| Error::<T>::WrongShardCount)?;
			for (i, shard) in shards.iter().enumerate() {
				Self::deposit_event(Event::ShardAssigned {
					root,
					shard: i as u32,
					provider: shard.provider.clone(),
				});
			}
			Files::<T>::insert(
				root,
				FileInfo {
					owner: owner.clone(),
					layout,
					shards,
					status: FileStatus::Pending,
					submitted_at: now,
					confirm_by,
					expires_at,
					refund: 0,
					index: None,
				},
			);
			Self::deposit_event(Event::FileSubmitted {
				root,
				owner,
				size,
				data_shards,
				parity_shards,
				fee,
				expires_at,
			});
			Ok(Some(T::WeightInfo::submit(pool, shard_roots.len() as u32)).into())
		}

		/// Confirms that the caller, the provider assigned to shard `shard` of `root`, holds
		/// it. The shard earns from now on; the time before confirmation is forfeited to the
		/// owner. The confirmation of the last shard finalizes a pending file.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::confirm_shard())]
		pub fn confirm_shard(origin: OriginFor<T>, root: H256, shard: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut file = Files::<T>::get(root).ok_or(Error::<T>::FileNotFound)?;
			let now = frame_system::Pallet::<T>::block_number();
			let expires_at = file.expires_at;
			let info = file.shards.get_mut(shard as usize).ok_or(Error::<T>::ShardNotFound)?;
			ensure!(info.provider == who, Error::<T>::NotAssigned);
			ensure!(!info.confirmed, Error::<T>::AlreadyConfirmed);
			let forfeited = Self::accrued(info, now, expires_at);
			info.escrow = info.escrow.saturating_sub(forfeited);
			info.paid_until = now;
			info.confirmed = true;
			file.refund = file.refund.saturating_add(forfeited);
			Self::deposit_event(Event::ShardConfirmed { root, shard, provider: who });
			if file.status == FileStatus::Pending && file.shards.iter().all(|s| s.confirmed) {
				file.status = FileStatus::Finalized;
				let index = FinalizedCount::<T>::get();
				FileIndex::<T>::insert(index, root);
				FinalizedCount::<T>::put(index.saturating_add(1));
				file.index = Some(index);
				// Its confirmation deadline no longer applies: free that queue slot.
				Deadlines::<T>::mutate(file.confirm_by, |q| q.retain(|r| r != &root));
				Self::deposit_event(Event::FileFinalized { root });
			}
			Files::<T>::insert(root, file);
			Ok(())
		}

		/// Answers challenge `index` of round `round` with the challenged 1 KiB `chunk` and its
		/// Merkle `path` (leaf sibling first). The caller must be the challenged provider. A
		/// valid answer pays the shard's earnings since its last payment; an invalid one is
		/// refused and may be corrected before the round ends.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::answer_challenge(path.len() as u32))]
		pub fn answer_challenge(
			origin: OriginFor<T>,
			round: u32,
			index: u32,
			chunk: BoundedVec<u8, ConstU32<{ CHUNK_SIZE as u32 }>>,
			path: BoundedVec<H256, ConstU32<MAX_PROOF_DEPTH>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut current = CurrentRound::<T>::get();
			ensure!(current.number == round, Error::<T>::WrongRound);
			let challenge =
				current.challenges.get_mut(index as usize).ok_or(Error::<T>::ChallengeNotFound)?;
			ensure!(challenge.provider == who, Error::<T>::NotAssigned);
			ensure!(!challenge.answered, Error::<T>::AlreadyAnswered);
			let root = challenge.root;
			let mut file = Files::<T>::get(root).ok_or(Error::<T>::FileNotFound)?;
			let layout = file.layout;
			let expires_at = file.expires_at;
			let shard =
				file.shards.get_mut(challenge.shard as usize).ok_or(Error::<T>::ShardNotFound)?;
			ensure!(shard.provider == who, Error::<T>::NotAssigned);
			ensure!(shard.confirmed, Error::<T>::ShardNotConfirmed);
			verify_chunk(&layout, &shard.root, challenge.chunk, &chunk, &path).map_err(
				|e| match e {
					zg_primitives::storage::ProofError::WrongChunkSize => {
						Error::<T>::WrongChunkSize
					},
					_ => Error::<T>::InvalidProof,
				},
			)?;
			let now = frame_system::Pallet::<T>::block_number();
			let due = Self::accrued(shard, now, expires_at);
			let paid = if due.is_zero() {
				0
			} else {
				T::Currency::transfer(&Self::escrow_account(), &who, due, Preservation::Preserve)?;
				EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(due));
				due
			};
			shard.escrow = shard.escrow.saturating_sub(paid);
			shard.paid_until = now;
			challenge.answered = true;
			let event = Event::ChallengeAnswered {
				root,
				shard: challenge.shard,
				chunk: challenge.chunk,
				provider: who,
				paid,
			};
			Files::<T>::insert(root, file);
			CurrentRound::<T>::put(current);
			Self::deposit_event(event);
			Ok(())
		}

		/// Extends the lifetime of `root` by `extra` blocks, paying `size × price × extra`
		/// into its escrow (at most `max_fee`). Anyone may renew any file; refunds still go to
		/// its owner. The new expiry may be at most `MaxLifetime` blocks from now.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::renew())]
		pub fn renew(
			origin: OriginFor<T>,
			root: H256,
			extra: BlockNumberFor<T>,
			#[pallet::compact] max_fee: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!extra.is_zero(), Error::<T>::ZeroExtension);
			let mut file = Files::<T>::get(root).ok_or(Error::<T>::FileNotFound)?;
			let now = frame_system::Pallet::<T>::block_number();
			let target = file.expires_at.saturating_add(extra);
			ensure!(
				target <= now.saturating_add(T::MaxLifetime::get()),
				Error::<T>::LifetimeTooLong
			);
			let fee = Self::fee(file.layout.size, extra)?;
			ensure!(fee <= max_fee, Error::<T>::FeeAboveMaximum);
			let expires_at = Self::schedule(target, root)?;
			T::Currency::transfer(&who, &Self::escrow_account(), fee, Preservation::Preserve)?;
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(fee));
			let shares = Self::split(fee, file.shards.len() as u32);
			for (shard, share) in file.shards.iter_mut().zip(shares) {
				shard.escrow = shard.escrow.saturating_add(share);
			}
			// The old expiry's queue entry is removed, so renewals leave nothing behind.
			Deadlines::<T>::mutate(file.expires_at, |q| q.retain(|r| r != &root));
			file.expires_at = expires_at;
			Files::<T>::insert(root, file);
			Self::deposit_event(Event::FileRenewed { root, by: who, fee, expires_at });
			Ok(())
		}

		/// Sets the storage price in plancks per byte and block. Root only. Applies to later
		/// submissions and renewals; escrowed fees do not change.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			#[pallet::compact] price: Balance,
		) -> DispatchResult {
			ensure_root(origin)?;
			Price::<T>::put(price);
			Self::deposit_event(Event::PriceSet { price });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account that holds all escrowed fees.
	pub fn escrow_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Gives the escrow account its existential deposit, so that any fee can move in and the
	/// whole of [`EscrowTotal`] can move out.
	pub(crate) fn endow_escrow() {
		let account = Self::escrow_account();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < ed && T::Currency::mint_into(&account, ed).is_err() {
			frame_support::defensive!("cannot endow the storage escrow account");
		}
	}

	/// `size × price × blocks`.
	pub fn fee(size: u64, blocks: BlockNumberFor<T>) -> Result<Balance, Error<T>> {
		let blocks: u128 = blocks.try_into().map_err(|_| Error::<T>::Overflow)?;
		(size as u128)
			.checked_mul(Price::<T>::get())
			.and_then(|f| f.checked_mul(blocks))
			.ok_or(Error::<T>::Overflow)
	}

	/// `amount` split into `parts` equal shares; the first share takes the remainder.
	fn split(amount: Balance, parts: u32) -> Vec<Balance> {
		let parts = parts.max(1);
		let share = amount / parts as Balance;
		let mut shares = alloc::vec![share; parts as usize];
		shares[0] = share.saturating_add(amount % parts as Balance);
		shares
	}

	/// What `shard` has earned from `paid_until` to `now` of what it still holds, released
	/// linearly until `expires_at`.
	fn accrued(
		shard: &ShardInfo<T::AccountId, BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		expires_at: BlockNumberFor<T>,
	) -> Balance {
		let now = now.min(expires_at);
		if now <= shard.paid_until {
			return 0;
		}
		let elapsed: u128 = now.saturating_sub(shard.paid_until).try_into().unwrap_or(0);
		let remaining: u128 =
			expires_at.saturating_sub(shard.paid_until).try_into().unwrap_or(u128::MAX);
		if elapsed >= remaining {
			return shard.escrow;
		}
		multiply_by_rational_with_rounding(shard.escrow, elapsed, remaining, Rounding::Down)
			.unwrap_or(0)
			.min(shard.escrow)
	}

	/// A random number derived from the chain's randomness, `subject` and `nonce`.
	fn random(subject: &[u8], nonce: u32) -> u64 {
		let (seed, _) = T::Randomness::random(subject);
		let hash = sp_io::hashing::blake2_256(&(seed, nonce).encode());
		u64::from_le_bytes([hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7]])
	}

	/// Draws `count` different eligible providers at random for the file `root`. Also returns
	/// the size of the pool it drew from.
	fn draw_providers(root: &H256, count: u32) -> Result<(Vec<T::AccountId>, u32), Error<T>> {
		let list = ProviderList::<T>::get();
		let pool_size = list.len() as u32;
		let mut pool: Vec<T::AccountId> = list
			.into_iter()
			.filter(|p| T::Staking::is_eligible(p, Role::StorageProvider))
			.collect();
		ensure!(pool.len() as u32 >= count, Error::<T>::NotEnoughProviders);
		// A partial Fisher-Yates shuffle: the first `count` places are the draw.
		let subject = (b"zg-storage/assign", root).encode();
		for i in 0..count as usize {
			let j = i + (Self::random(&subject, i as u32) % (pool.len() - i) as u64) as usize;
			pool.swap(i, j);
		}
		pool.truncate(count as usize);
		Ok((pool, pool_size))
	}

	/// Puts `root` in the deadline queue of block `at`, or of the first of the next
	/// [`DEADLINE_SLACK`] blocks with room. Returns the block.
	fn schedule(at: BlockNumberFor<T>, root: H256) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut block = at;
		for _ in 0..=DEADLINE_SLACK {
			if Deadlines::<T>::try_mutate(block, |q| q.try_push(root)).is_ok() {
				return Ok(block);
			}
			block = block.saturating_add(1u32.into());
		}
		Err(Error::<T>::DeadlinesFull)
	}

	/// Drops the files that missed their confirmation deadline at `n` and expires those whose
	/// lifetime ends at `n`.
	fn process_deadlines(n: BlockNumberFor<T>) -> Weight {
		let queue = Deadlines::<T>::take(n);
		let mut weight = T::WeightInfo::on_deadlines(0);
		for root in queue {
			let Some(file) = Files::<T>::get(root) else { continue };
			if file.status == FileStatus::Pending && (file.confirm_by == n || file.expires_at <= n)
			{
				Self::drop_file(root, file);
			} else if file.expires_at == n {
				Self::expire_file(root, file);
			} else {
				continue;
			}
			weight.saturating_accrue(
				T::WeightInfo::on_deadlines(1).saturating_sub(T::WeightInfo::on_deadlines(0)),
			);
		}
		weight
	}

	/// Pays `amount` from escrow to `who`. Returns what was paid. An amount that `who` cannot
	/// receive (below the existential deposit of an account that no longer exists) is burned,
	/// so the escrow never keeps funds that no file accounts for.
	fn pay_out(who: &T::AccountId, amount: Balance) -> Balance {
		if amount.is_zero() {
			return 0;
		}
		let escrow = Self::escrow_account();
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount));
		match T::Currency::transfer(&escrow, who, amount, Preservation::Preserve) {
			Ok(_) => amount,
			Err(e) => {
				log::warn!(target: "runtime::zg-storage", "burning {amount} that {who:?} cannot receive: {e:?}");
				let burned = T::Currency::burn_from(
					&escrow,
					amount,
					Preservation::Preserve,
					Precision::BestEffort,
					Fortitude::Force,
				);
				if burned != Ok(amount) {
					frame_support::defensive!(
						"the escrow account holds less than the files' escrow"
					);
				}
				0
			},
		}
	}

	fn drop_file(root: H256, file: FileInfo<T>) {
		let refunded = Self::pay_out(&file.owner, file.escrow());
		Files::<T>::remove(root);
		Self::deposit_event(Event::FileDropped { root, refunded });
	}

	fn expire_file(root: H256, file: FileInfo<T>) {
		let mut paid: Balance = 0;
		let mut refund = file.refund;
		for shard in &file.shards {
			if shard.confirmed {
				paid = paid.saturating_add(Self::pay_out(&shard.provider, shard.escrow));
			} else {
				refund = refund.saturating_add(shard.escrow);
			}
		}
		let refunded = Self::pay_out(&file.owner, refund);
		if let Some(index) = file.index {
			Self::unindex(index);
		}
		Files::<T>::remove(root);
		Self::deposit_event(Event::FileExpired { root, paid, refunded });
	}

	/// Removes position `index` from [`FileIndex`], moving the last file into it.
	fn unindex(index: u32) {
		let last = FinalizedCount::<T>::get().saturating_sub(1);
		if index != last {
			if let Some(moved) = FileIndex::<T>::get(last) {
				FileIndex::<T>::insert(index, moved);
				Files::<T>::mutate(moved, |f| {
					if let Some(f) = f {
						f.index = Some(index);
					}
				});
			}
		}
		FileIndex::<T>::remove(last);
		FinalizedCount::<T>::put(last);
	}

	/// Settles the round that ends at `n` (slashing and reassigning for every unanswered
	/// challenge) and draws the next one.
	fn new_round(n: BlockNumberFor<T>) -> Weight {
		let old = CurrentRound::<T>::take();
		let mut missed = 0u32;
		for challenge in old.challenges.into_iter().filter(|c| !c.answered) {
			if Self::punish_miss(challenge, n) {
				missed.saturating_inc();
			}
		}
		let number = old.number.saturating_add(1);
		let deadline = n.saturating_add(T::ChallengePeriod::get());
		let mut challenges = BoundedVec::<Challenge<T::AccountId>, T::ChallengesPerPeriod>::new();
		let count = FinalizedCount::<T>::get();
		let subject = (b"zg-storage/challenge", number).encode();
		if count > 0 {
			for i in 0..T::ChallengesPerPeriod::get() {
				let r = Self::random(&subject, i);
				let Some(root) = FileIndex::<T>::get((r % count as u64) as u32) else { continue };
				let Some(file) = Files::<T>::get(root) else { continue };
				// A file that expires before the answers are due is settled at expiry; a
				// challenge on it could be ignored without consequence.
				if file.expires_at <= deadline {
					continue;
				}
				let r2 = Self::random(&subject, i.saturating_add(1 << 31));
				let shard = (r2 % file.shards.len().max(1) as u64) as u32;
				let Some(info) = file.shards.get(shard as usize) else { continue };
				if !info.confirmed {
					continue;
				}
				let chunk = ((r2 >> 32) % file.layout.chunks_per_shard().max(1) as u64) as u32;
				if challenges.iter().any(|c| c.root == root && c.shard == shard) {
					continue;
				}
				let _ = challenges.try_push(Challenge {
					root,
					shard,
					chunk,
					provider: info.provider.clone(),
					answered: false,
				});
			}
		}
		let issued = challenges.len() as u32;
		CurrentRound::<T>::put(ChallengeRound { number, started_at: n, deadline, challenges });
		Self::deposit_event(Event::ChallengesIssued { round: number, count: issued, deadline });
		T::WeightInfo::on_new_round(missed)
	}

	/// Slashes the provider of an unanswered challenge and reassigns its shard. Returns whether
	/// the challenge still applied (the file and the assignment unchanged).
	fn punish_miss(challenge: Challenge<T::AccountId>, now: BlockNumberFor<T>) -> bool {
		let Some(mut file) = Files::<T>::get(challenge.root) else { return false };
		let expires_at = file.expires_at;
		let taken: Vec<T::AccountId> = file.shards.iter().map(|s| s.provider.clone()).collect();
		let Some(shard) = file.shards.get_mut(challenge.shard as usize) else { return false };
		if shard.provider != challenge.provider || !shard.confirmed {
			return false;
		}
		let slashed = T::Staking::slash_role(
			&challenge.provider,
			Role::StorageProvider,
			T::MissedChallengeSlash::get(),
			SlashReason::MissedChallenge,
			None,
		);
		Self::deposit_event(Event::ChallengeMissed {
			root: challenge.root,
			shard: challenge.shard,
			provider: challenge.provider.clone(),
			slashed,
		});
		// The provider is not paid for the time since its last proof.
		let forfeited = Self::accrued(shard, now, expires_at);
		shard.escrow = shard.escrow.saturating_sub(forfeited);
		shard.paid_until = now;
		shard.confirmed = false;
		file.refund = file.refund.saturating_add(forfeited);
		// Reassign to a random eligible provider that holds no shard of this file; when there is
		// none, the same provider must confirm the shard again.
		let list = ProviderList::<T>::get();
		let subject = (b"zg-storage/reassign", challenge.root, challenge.shard).encode();
		let replacement = (0..REASSIGN_TRIES).find_map(|i| {
			if list.is_empty() {
				return None;
			}
			let candidate = &list[(Self::random(&subject, i) % list.len() as u64) as usize];
			(!taken.contains(candidate)
				&& T::Staking::is_eligible(candidate, Role::StorageProvider))
			.then(|| candidate.clone())
		});
		if let Some(to) = replacement {
			shard.provider = to.clone();
			Self::deposit_event(Event::ShardReassigned {
				root: challenge.root,
				shard: challenge.shard,
				from: challenge.provider,
				to,
			});
		}
		Files::<T>::insert(challenge.root, file);
		true
	}

	/// Checks the pallet's invariants: the escrow is exactly the unreleased fees, and the file
	/// index lists exactly the finalized files.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut sum: Balance = 0;
		let mut finalized = 0u32;
		for (root, file) in Files::<T>::iter() {
			sum = sum.saturating_add(file.escrow());
			ensure!(
				file.shards.len() as u32 == file.layout.total_shards(),
				"a file has the wrong number of shards"
			);
			match (file.status, file.index) {
				(FileStatus::Finalized, Some(i)) => {
					finalized += 1;
					ensure!(FileIndex::<T>::get(i) == Some(root), "file index out of sync");
				},
				(FileStatus::Pending, None) => {},
				_ => return Err("a file's status and index disagree".into()),
			}
		}
		ensure!(sum == EscrowTotal::<T>::get(), "EscrowTotal differs from the files' escrow");
		let held = T::Currency::balance(&Self::escrow_account())
			.saturating_sub(T::Currency::minimum_balance());
		ensure!(held >= sum, "the escrow account holds less than the files' escrow");
		ensure!(finalized == FinalizedCount::<T>::get(), "FinalizedCount is wrong");
		ensure!(FileIndex::<T>::iter().count() as u32 == finalized, "FileIndex has stale entries");
		let list = ProviderList::<T>::get();
		ensure!(
			list.len() == Providers::<T>::iter().count()
				&& list.iter().all(|p| Providers::<T>::contains_key(p)),
			"ProviderList and Providers disagree"
		);
		Ok(())
	}
}
