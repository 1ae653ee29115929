//! # 0G Storage pallet
//!
//! Erasure-coded files committed on chain, stored by bonded providers, proven by challenges
//! that cover every shard, and paid for from escrow only for proven time.
//!
//! ## Life of a file
//!
//! 1. **Submit.** [`Pallet::submit`] commits a file by its root (see
//!    [`zg_primitives::storage`]): its size, its `k` data (at least [`Config::MinDataShards`])
//!    and `m` parity shards, the root of every shard, and a lifetime in blocks. The caller pays
//!    a non-refundable [`Config::SubmissionFee`] to the treasury, and the storage fee, `charged
//!    bytes × price × lifetime`, into escrow. The charged bytes are the `k + m` padded shards,
//!    each counted as at least [`Config::MinShardSize`]
//!    ([`zg_primitives::storage::FileLayout::charged_bytes`]): redundancy costs what it occupies.
//! 2. **Assign.** Nobody may choose who stores a shard, so the providers are drawn only once
//!    the randomness beacon has outputs of blocks after the submission
//!    ([`zg_primitives::randomness::RandomnessBeacon`]): the file is `Assigning` until then.
//!    Each shard goes to a different eligible provider of the pool ([`Pallet::register_provider`]).
//! 3. **Confirm.** Each provider confirms its shard with [`Pallet::confirm_shards`], carrying
//!    the proof of one chunk drawn from randomness that did not exist when the shard was
//!    assigned ([`Pallet::confirm_chunk`]). When every shard is confirmed the file is
//!    **Finalized**. A file not finalized within [`Config::ConfirmationPeriod`] is dropped and
//!    its storage fee refunded (the submission fee is not).
//! 4. **Prove and pay.** A rotating cursor ([`SweepCursor`]) walks every confirmed shard,
//!    region of [`Config::ChallengeRegion`] chunks by region, so that every region of every
//!    shard is challenged at least once per [`Config::SweepPeriod`] blocks: the number of
//!    challenges grows with the bytes stored, at most [`Config::MaxChallengesPerBlock`] a
//!    block. A challenge names a random chunk; its provider answers with
//!    [`Pallet::answer_challenges`] within [`Config::ChallengeWindow`] blocks. A shard's escrow
//!    is released linearly over the lifetime, and paid only for the time up to the last valid
//!    proof. A missed challenge, or an answer with a wrong proof, slashes the provider's role
//!    bond by [`Config::FaultSlash`] and hands the shard to another provider.
//! 5. **Repair.** A shard that loses its provider (fault, departure, pruning) is drawn a new
//!    one from fresh randomness; the file is **Degraded** (fewer than `k + m` confirmed shards)
//!    until the new provider, which rebuilds the shard from any `k` others, confirms it within
//!    [`Config::HandoverPeriod`] blocks. The time the failed provider had not proven is its
//!    shard's repair bounty, paid to the provider that repairs it; a missed handover is
//!    slashed and the shard drawn again.
//! 6. **Expire.** At expiry everything not yet paid (the unproven remainder, unpaid bounties,
//!    forfeited time) goes back to the owner and the file's state is removed.
//!    [`Pallet::renew`] extends a lifetime.
//!
//! Every deadline (assignment, confirmation, handover, challenge, expiry, handover pages) is an
//! item of one deadline queue ([`zg_pallet_support::deadlines`]) that never refuses an item and
//! is worked off in `on_initialize` within [`Config::DeadlineWeight`].
//!
//! ## Providers
//!
//! A provider needs a `StorageProvider` role bond in the staking pallet. The role bond is
//! collateral for the shards it holds and the challenges it owes: staking does not release it
//! while the provider has any ([`zg_primitives::staking::RoleObligations`]).
//! [`Pallet::deregister_provider`] leaves the pool and hands every shard over, a page per
//! block. A provider that is no longer eligible is pruned from the pool (its shards handed
//! over) the next time the pool is drawn from.
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

mod assign;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod challenges;
mod files;
mod invariants;
#[cfg(test)]
mod mock;
mod offchain;
mod tasks;
#[cfg(test)]
mod tests;
pub mod weights;

pub use tasks::Task;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::Preservation,
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{
	traits::{AccountIdConversion, Saturating, Zero},
	Perbill,
};
use zg_pallet_support::deadlines::DeadlineQueue;
use zg_primitives::{
	randomness::RandomnessBeacon,
	staking::{Role, RoleStaking},
	storage::{file_root, FileLayout, CHUNK_SIZE},
	Balance,
};

/// The longest Merkle path a proof may carry: trees of up to 2³² chunks.
pub const MAX_PROOF_DEPTH: u32 = 32;

/// One chunk of a shard and its Merkle path (leaf sibling first): the proof that the shard is
/// held.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ChunkProof {
	/// The chunk: [`CHUNK_SIZE`] bytes.
	pub chunk: BoundedVec<u8, ConstU32<{ CHUNK_SIZE as u32 }>>,
	/// Its Merkle path up to the shard root.
	pub path: BoundedVec<H256, ConstU32<MAX_PROOF_DEPTH>>,
}

/// A provider's confirmation that it holds a shard.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Confirmation {
	/// The file.
	pub root: H256,
	/// The shard's index in the file.
	pub shard: u32,
	/// The proof of the chunk [`Pallet::confirm_chunk`] names.
	pub proof: ChunkProof,
}

/// A provider's answer to a challenge.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Answer {
	/// The challenge.
	pub challenge: ChallengeId,
	/// The proof of the challenged chunk.
	pub proof: ChunkProof,
}

/// Identifies a challenge.
pub type ChallengeId = u64;

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
	/// Submitted; its providers are drawn once the beacon has randomness of later blocks.
	Assigning,
	/// Assigned; waiting for every provider to confirm its shard.
	Pending,
	/// Every shard is confirmed: the file is stored, challenged and paid for.
	Finalized,
	/// It was finalized, but some shard has lost its provider and awaits a new one's
	/// confirmation: fewer than `k + m` confirmed shards.
	Degraded,
}

/// Where a shard is.
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
pub enum ShardState<BlockNumber> {
	/// Without a provider: one is drawn from the beacon's seed after block `since`.
	Unassigned {
		/// When the shard lost (or never had) its provider.
		since: BlockNumber,
	},
	/// Assigned in block `at`; the provider must confirm it by `confirm_by`.
	Assigned {
		/// The block of the assignment.
		at: BlockNumber,
		/// The last block in which it can be confirmed.
		confirm_by: BlockNumber,
	},
	/// Confirmed: held, challenged and paid on proofs.
	Confirmed {
		/// Position in [`ShardIndex`].
		index: u32,
	},
}

/// One shard of a file.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ShardInfo<AccountId, BlockNumber> {
	/// Merkle root of the shard's chunks.
	pub root: H256,
	/// Its provider, if it has one.
	pub provider: Option<AccountId>,
	/// Where it is.
	pub state: ShardState<BlockNumber>,
	/// The part of the file's fee still held for the shard's remaining time.
	pub escrow: Balance,
	/// The block up to which the escrow has been accounted for: the last proof (paid), or the
	/// last change of provider (forfeited).
	pub paid_until: BlockNumber,
	/// Forfeited by providers that lost the shard: paid to the provider that confirms it next.
	pub bounty: Balance,
}

impl<AccountId, BlockNumber> ShardInfo<AccountId, BlockNumber> {
	/// Whether the shard is confirmed.
	pub fn is_confirmed(&self) -> bool {
		matches!(self.state, ShardState::Confirmed { .. })
	}
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
	/// Where the file is.
	pub status: FileStatus,
	/// The block in which it was submitted.
	pub submitted_at: BlockNumberFor<T>,
	/// The block by which it must be finalized (set when its providers are drawn).
	pub confirm_by: BlockNumberFor<T>,
	/// The block in which it expires.
	pub expires_at: BlockNumberFor<T>,
	/// Escrow forfeited for time nobody held a confirmed shard, returned to the owner at
	/// expiry.
	pub refund: Balance,
}

impl<T: Config> FileInfo<T> {
	/// Everything still held for this file.
	pub fn escrow(&self) -> Balance {
		self.shards
			.iter()
			.fold(self.refund, |sum, s| sum.saturating_add(s.escrow).saturating_add(s.bounty))
	}

	/// Number of confirmed shards.
	pub fn confirmed(&self) -> u32 {
		self.shards.iter().filter(|s| s.is_confirmed()).count() as u32
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

/// A challenge: `provider` must prove chunk `chunk` of shard `shard` of file `root` by `due`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Challenge<AccountId, BlockNumber> {
	/// The file.
	pub root: H256,
	/// The shard's index in the file.
	pub shard: u32,
	/// The root of the shard (the proof is checked against it even if the shard has moved).
	pub shard_root: H256,
	/// The chunk's index in the shard.
	pub chunk: u32,
	/// Number of chunks in the shard.
	pub chunks: u32,
	/// Who must answer: the shard's provider when the challenge was issued.
	pub provider: AccountId,
	/// The block it was issued in: a file submitted in or after it (the same root ended and
	/// submitted again) is not the file it asked about.
	pub issued: BlockNumber,
	/// The block whose start closes it: an answer must be included before this block.
	pub due: BlockNumber,
}

/// Where the challenge sweep is: the position in [`ShardIndex`] and the region of that shard.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Sweep {
	/// Position in [`ShardIndex`].
	pub position: u32,
	/// Region of that shard.
	pub region: u32,
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

	/// The version of the pallet's storage layout.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

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
		/// Randomness that did not exist when a request was made: shard assignment, the chunk
		/// a confirmation proves, challenge chunks.
		type Beacon: RandomnessBeacon<BlockNumberFor<Self>>;
		/// Receives the submission fees.
		type Treasury: Get<Self::AccountId>;
		/// Derives the escrow account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Largest file size in bytes.
		#[pallet::constant]
		type MaxFileSize: Get<u64>;
		/// Fewest data shards `k`: at least 2, since with one data shard every parity shard is
		/// a copy of it (scaled), and one stored copy could answer for all.
		#[pallet::constant]
		type MinDataShards: Get<u32>;
		/// Largest number of data shards `k`.
		#[pallet::constant]
		type MaxDataShards: Get<u32>;
		/// Fewest parity shards `m` (at least one, so that a file survives a lost provider).
		#[pallet::constant]
		type MinParityShards: Get<u32>;
		/// Largest number of parity shards `m`.
		#[pallet::constant]
		type MaxParityShards: Get<u32>;
		/// Smallest number of bytes a shard is charged for.
		#[pallet::constant]
		type MinShardSize: Get<u64>;
		/// Paid to the treasury with every submission, whatever becomes of the file.
		#[pallet::constant]
		type SubmissionFee: Get<Balance>;
		/// Shortest lifetime in blocks.
		#[pallet::constant]
		type MinLifetime: Get<BlockNumberFor<Self>>;
		/// Longest lifetime in blocks, also the furthest a renewal may push an expiry from now.
		#[pallet::constant]
		type MaxLifetime: Get<BlockNumberFor<Self>>;
		/// Blocks after its assignment within which every shard of a new file must be
		/// confirmed.
		#[pallet::constant]
		type ConfirmationPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks within which a provider that is handed a shard must confirm it.
		#[pallet::constant]
		type HandoverPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks a provider has to answer a challenge.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Blocks within which every region of every confirmed shard is challenged once.
		#[pallet::constant]
		type SweepPeriod: Get<BlockNumberFor<Self>>;
		/// Chunks in a challenge region: a shard of `c` chunks is challenged `⌈c / region⌉`
		/// times per sweep.
		#[pallet::constant]
		type ChallengeRegion: Get<u32>;
		/// Most challenges issued in one block. Together with the sweep period it bounds the
		/// regions the network can check, and so the data it accepts.
		#[pallet::constant]
		type MaxChallengesPerBlock: Get<u32>;
		/// Part of the role bond slashed for a missed or wrong challenge answer or a missed
		/// handover.
		#[pallet::constant]
		type FaultSlash: Get<Perbill>;
		/// Part of what an inconsistent file still holds that pays whoever proves it
		/// inconsistent ([`Pallet::report_inconsistent`]); the rest goes to the treasury.
		#[pallet::constant]
		type InconsistencyReward: Get<Perbill>;
		/// Most registered providers.
		#[pallet::constant]
		type MaxProviders: Get<u32>;
		/// Longest endpoint URL.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// Most confirmations or answers in one call.
		#[pallet::constant]
		type MaxBatch: Get<u32>;
		/// Shards of a departing provider handed over per block.
		#[pallet::constant]
		type HandoverPage: Get<u32>;
		/// The weight `on_initialize` may spend on due deadlines; what does not fit is carried
		/// over to the next blocks.
		#[pallet::constant]
		type DeadlineWeight: Get<Weight>;
		/// Who sets the storage price (root or a governance track).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The price of storage in plancks per charged byte and block.
	#[pallet::storage]
	pub type Price<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Registered providers and their worker endpoints.
	#[pallet::storage]
	pub type Providers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfo<T>>;

	/// The registered providers in registration order: the pool that shards are drawn from.
	#[pallet::storage]
	pub type ProviderList<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxProviders>, ValueQuery>;

	/// Providers that left the pool and are handing their shards over.
	#[pallet::storage]
	pub type Leaving<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// Committed files by root.
	#[pallet::storage]
	pub type Files<T: Config> = StorageMap<_, Identity, H256, FileInfo<T>>;

	/// The shards (file root, index) each provider is assigned or holds.
	#[pallet::storage]
	pub type ProviderShards<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, (H256, u32), ()>;

	/// Confirmed shards by position, for the challenge sweep.
	#[pallet::storage]
	pub type ShardIndex<T: Config> = StorageMap<_, Twox64Concat, u32, (H256, u32)>;

	/// Number of confirmed shards (the length of [`ShardIndex`]).
	#[pallet::storage]
	pub type ShardCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Challenge regions of the confirmed shards: what a sweep must cover.
	#[pallet::storage]
	pub type Regions<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Where the challenge sweep is.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, Sweep, ValueQuery>;

	/// Open challenges.
	#[pallet::storage]
	pub type Challenges<T: Config> =
		StorageMap<_, Twox64Concat, ChallengeId, Challenge<T::AccountId, BlockNumberFor<T>>>;

	/// The open challenges of each provider.
	#[pallet::storage]
	pub type ProviderChallenges<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, ChallengeId, ()>;

	/// The id of the next challenge.
	#[pallet::storage]
	pub type NextChallengeId<T: Config> = StorageValue<_, ChallengeId, ValueQuery>;

	/// Deadlines: the tasks due in each block (see [`Task`]).
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, Task<T::AccountId>, ()>;

	/// The oldest block that may still have due tasks.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Sum of the unreleased fees of all files: the escrow account's balance above its
	/// existential deposit.
	#[pallet::storage]
	pub type EscrowTotal<T: Config> = StorageValue<_, Balance, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Storage price in plancks per charged byte and block.
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
		/// A storage provider left the pool; its shards are being handed over.
		ProviderDeregistered { who: T::AccountId },
		/// A provider that is no longer eligible (role bond unregistered or slashed below the
		/// minimum) was removed from the pool; its shards are being handed over.
		ProviderPruned { who: T::AccountId },
		/// Every shard of a departing provider has been handed over.
		HandoverCompleted { who: T::AccountId },
		/// A file was committed: `fee` escrowed, `submission_fee` paid to the treasury.
		FileSubmitted {
			root: H256,
			owner: T::AccountId,
			size: u64,
			data_shards: u16,
			parity_shards: u16,
			fee: Balance,
			submission_fee: Balance,
			expires_at: BlockNumberFor<T>,
		},
		/// A shard was assigned to a provider, which must confirm it by `confirm_by`.
		ShardAssigned {
			root: H256,
			shard: u32,
			provider: T::AccountId,
			confirm_by: BlockNumberFor<T>,
		},
		/// A provider proved that it holds a shard; `bounty` paid it for the repair.
		ShardConfirmed { root: H256, shard: u32, provider: T::AccountId, bounty: Balance },
		/// A shard lost its provider (`from`, if it had one); a new one will be drawn.
		ShardReleased { root: H256, shard: u32, from: Option<T::AccountId> },
		/// Every shard of the file is confirmed: the file is stored.
		FileFinalized { root: H256 },
		/// A finalized file has fewer than `k + m` confirmed shards: `confirmed` now.
		FileDegraded { root: H256, confirmed: u32 },
		/// A degraded file has every shard confirmed again.
		FileRepaired { root: H256 },
		/// The file was not finalized in time (or no providers could be drawn); its storage
		/// fee was refunded to the owner.
		FileDropped { root: H256, refunded: Balance },
		/// A file's closing challenges were issued: every confirmed shard proves its last
		/// stretch before expiry.
		ClosingChallenges { root: H256, count: u32 },
		/// An unconfirmed shard of a new file was drawn again at the file's confirmation
		/// deadline (at least `k` shards were confirmed, so the file can be rebuilt).
		FileExtended { root: H256, confirmed: u32 },
		/// A challenge was issued.
		ChallengeIssued {
			id: ChallengeId,
			root: H256,
			shard: u32,
			chunk: u32,
			provider: T::AccountId,
			due: BlockNumberFor<T>,
		},
		/// A challenge was answered with a valid proof; `paid` is what the shard earned since
		/// its last proof.
		ChallengeAnswered { id: ChallengeId, provider: T::AccountId, paid: Balance },
		/// A challenge was answered with a proof that does not verify: slashed as a miss.
		ChallengeFailed { id: ChallengeId, provider: T::AccountId, slashed: Balance },
		/// A challenge went unanswered: the provider's role bond was slashed.
		ChallengeMissed { id: ChallengeId, provider: T::AccountId, slashed: Balance },
		/// A provider handed a shard did not confirm it in time: slashed, and another is drawn.
		HandoverMissed { root: H256, shard: u32, provider: T::AccountId, slashed: Balance },
		/// A file's lifetime was extended.
		FileRenewed { root: H256, by: T::AccountId, fee: Balance, expires_at: BlockNumberFor<T> },
		/// A file expired: what was not paid for proofs went back to its owner.
		FileExpired { root: H256, refunded: Balance },
		/// The storage price changed.
		PriceSet { price: Balance },
		/// The file's shards were proven not to be one codeword: the file was ended, the
		/// reporter paid `reward`, the rest of its escrow (`forfeited`) sent to the treasury.
		FileInconsistent { root: H256, reporter: T::AccountId, reward: Balance, forfeited: Balance },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The endpoint is empty or too long.
		BadEndpoint,
		/// The caller has no active StorageProvider role bond in the staking pallet.
		NotEligible,
		/// The caller is not a registered provider.
		NotProvider,
		/// The provider pool is full of eligible providers.
		TooManyProviders,
		/// The caller is still handing its shards over; it can register again afterwards.
		StillLeaving,
		/// The file is empty.
		EmptyFile,
		/// The file is larger than `MaxFileSize`.
		FileTooLarge,
		/// `k` is below `MinDataShards` or above `MaxDataShards`.
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
		/// The confirmed shards have as many challenge regions as the network checks per sweep
		/// (`MaxChallengesPerBlock × SweepPeriod`): no more data can be accepted now.
		NetworkFull,
		/// No file with this root.
		FileNotFound,
		/// No such shard in the file.
		ShardNotFound,
		/// The caller is not the provider assigned to this shard or challenge.
		NotAssigned,
		/// The shard is not waiting for a confirmation (already confirmed, or unassigned).
		NotAwaitingConfirmation,
		/// The randomness that picks the chunk to prove does not exist yet: try a block later.
		TooEarly,
		/// The confirmation or answer deadline has passed.
		TooLate,
		/// No such open challenge.
		ChallengeNotFound,
		/// The chunk is not 1 KiB long.
		WrongChunkSize,
		/// The chunk and path do not verify against the shard root.
		InvalidProof,
		/// The same shard or challenge appears twice in one call.
		Duplicate,
		/// The call carries no confirmation or answer.
		EmptyBatch,
		/// An inconsistency report needs the chunks of at least `k + 1` distinct shards.
		NotEnoughChunks,
		/// The reported chunks belong to one codeword: nothing is inconsistent.
		Consistent,
		/// The new expiry would be more than `MaxLifetime` blocks from now.
		LifetimeTooLong,
		/// Zero extra blocks.
		ZeroExtension,
		/// A zero price: every file would be stored for free, so anyone could fill the providers' disks for the fee of a transaction.
		ZeroPrice,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let mut weight = Self::process_deadlines(n);
			weight.saturating_accrue(Self::sweep(n));
			weight
		}

		/// Answers this node's providers' challenges and confirms the shards their workers
		/// hold (see the `offchain` module).
		fn offchain_worker(n: BlockNumberFor<T>) {
			Self::offchain_duties(n);
		}

		fn integrity_test() {
			Self::check_config();
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
		/// caller needs an active `StorageProvider` role bond in the staking pallet. When the
		/// pool is full, providers that are no longer eligible are pruned to make room.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_provider())]
		pub fn register_provider(origin: OriginFor<T>, endpoint: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!endpoint.is_empty(), Error::<T>::BadEndpoint);
			let bounded: BoundedVec<u8, T::MaxEndpointLen> =
				endpoint.clone().try_into().map_err(|_| Error::<T>::BadEndpoint)?;
			ensure!(T::Staking::is_eligible(&who, Role::StorageProvider), Error::<T>::NotEligible);
			ensure!(!Leaving::<T>::contains_key(&who), Error::<T>::StillLeaving);
			let registered_at = match Providers::<T>::get(&who) {
				Some(info) => info.registered_at,
				None => {
					if ProviderList::<T>::decode_len().unwrap_or(0) as u32 >= T::MaxProviders::get()
					{
						Self::eligible_pool();
					}
					ProviderList::<T>::try_append(who.clone())
						.map_err(|_| Error::<T>::TooManyProviders)?;
					frame_system::Pallet::<T>::block_number()
				},
			};
			Providers::<T>::insert(&who, ProviderInfo { endpoint: bounded, registered_at });
			Self::deposit_event(Event::ProviderRegistered { who, endpoint });
			Ok(())
		}

		/// Leaves the provider pool. No new shard is assigned to the caller, and every shard
		/// it is assigned or holds is handed to a newly drawn provider, a page per block. The
		/// time since each shard's last proof is not paid (it becomes the repair bounty). The
		/// caller still answers the challenges it has open; its role bond stays at stake until
		/// it has neither shards nor challenges.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_provider())]
		pub fn deregister_provider(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Providers::<T>::contains_key(&who), Error::<T>::NotProvider);
			Providers::<T>::remove(&who);
			ProviderList::<T>::mutate(|list| list.retain(|p| p != &who));
			Self::start_handover(&who);
			Self::deposit_event(Event::ProviderDeregistered { who });
			Ok(())
		}

		/// Commits a file and escrows its fee.
		///
		/// - `root`: the file root over `size`, `data_shards` (`k`), `parity_shards` (`m`) and
		///   the `shard_roots` (see `zg_primitives::storage::file_root`); checked here.
		/// - `lifetime`: blocks from now until expiry, between `MinLifetime` and `MaxLifetime`.
		/// - `max_fee`: the most the caller pays into escrow; the call fails if `charged bytes
		///   × price × lifetime` is more. The `SubmissionFee` is paid on top, to the treasury.
		///
		/// The shards' providers are drawn a few blocks later, from randomness that does not
		/// exist yet ([`Event::ShardAssigned`]); each must then confirm its shard within
		/// `ConfirmationPeriod` blocks.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit(shard_roots.len() as u32)
			.saturating_add(Pallet::<T>::scheduled_by_submit(shard_roots.len() as u32)))]
		pub fn submit(
			origin: OriginFor<T>,
			root: H256,
			size: u64,
			data_shards: u16,
			parity_shards: u16,
			shard_roots: Vec<H256>,
			lifetime: BlockNumberFor<T>,
			#[pallet::compact] max_fee: Balance,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let layout = Self::check_layout(size, data_shards, parity_shards)?;
			ensure!(shard_roots.len() as u32 == layout.total_shards(), Error::<T>::WrongShardCount);
			ensure!(file_root(&layout, &shard_roots) == root, Error::<T>::RootMismatch);
			ensure!(
				lifetime >= T::MinLifetime::get() && lifetime <= T::MaxLifetime::get(),
				Error::<T>::LifetimeOutOfBounds
			);
			ensure!(!Files::<T>::contains_key(root), Error::<T>::FileExists);
			let fee = Self::fee(&layout, lifetime)?;
			ensure!(fee <= max_fee, Error::<T>::FeeAboveMaximum);
			// Only confirmed shards count: files that are never confirmed take no capacity.
			let regions = Self::regions_of(&layout).saturating_mul(layout.total_shards() as u64);
			ensure!(
				Regions::<T>::get().saturating_add(regions) <= Self::region_capacity(),
				Error::<T>::NetworkFull
			);

			let submission_fee = T::SubmissionFee::get();
			T::Currency::transfer(
				&owner,
				&T::Treasury::get(),
				submission_fee,
				Preservation::Preserve,
			)?;
			T::Currency::transfer(&owner, &Self::escrow_account(), fee, Preservation::Preserve)?;
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(fee));

			let now = frame_system::Pallet::<T>::block_number();
			let expires_at = now.saturating_add(lifetime);
			let shares = Self::split(fee, shard_roots.len() as u32);
			let shards: BoundedVec<_, MaxShardsOf<T>> = shard_roots
				.iter()
				.zip(shares)
				.map(|(root, escrow)| ShardInfo {
					root: *root,
					provider: None,
					state: ShardState::Unassigned { since: now },
					escrow,
					paid_until: now,
					bounty: 0,
				})
				.collect::<Vec<_>>()
				.try_into()
				.map_err(|_| Error::<T>::WrongShardCount)?;
			Files::<T>::insert(
				root,
				FileInfo {
					owner: owner.clone(),
					layout,
					shards,
					status: FileStatus::Assigning,
					submitted_at: now,
					confirm_by: expires_at,
					expires_at,
					refund: 0,
				},
			);
			Self::schedule(T::Beacon::ready_at(now), Task::Assign(root));
			Self::schedule(expires_at, Task::Expire(root));
			Self::schedule(Self::closing_block(expires_at), Task::Close(root));
			Self::deposit_event(Event::FileSubmitted {
				root,
				owner,
				size,
				data_shards,
				parity_shards,
				fee,
				submission_fee,
				expires_at,
			});
			Ok(())
		}

		/// Confirms that the caller holds the shards it was assigned: each confirmation carries
		/// the proof of the chunk [`Pallet::confirm_chunk`] names for that shard, drawn from
		/// randomness that did not exist when the shard was assigned. A confirmed shard earns
		/// from now on (paid on proofs); the time before is forfeited to the owner; a repair
		/// bounty, if the shard has one, is paid to the caller. The last confirmation
		/// finalizes (or repairs) a file.
		///
		/// All or nothing: if any confirmation is refused (wrong provider, not awaiting
		/// confirmation, too early or too late, duplicate, wrong chunk size, proof that does
		/// not verify), the call fails with that error and nothing changes.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::confirm_shards(confirmations.len() as u32))]
		pub fn confirm_shards(
			origin: OriginFor<T>,
			confirmations: BoundedVec<Confirmation, T::MaxBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!confirmations.is_empty(), Error::<T>::EmptyBatch);
			for (i, c) in confirmations.iter().enumerate() {
				ensure!(
					!confirmations[..i].iter().any(|o| o.root == c.root && o.shard == c.shard),
					Error::<T>::Duplicate
				);
			}
			for c in confirmations {
				Self::confirm(&who, c)?;
			}
			Ok(())
		}

		/// Answers challenges of the caller, each with the challenged chunk and its Merkle
		/// path. A valid proof pays what the shard earned since its last proof. A proof that
		/// does not verify is a fault like a missed challenge: the caller is slashed and the
		/// shard handed over (the call itself succeeds, so that the slash stands).
		///
		/// A malformed answer (unknown or someone else's challenge, past its deadline, duplicate,
		/// wrong chunk size) makes the whole call fail and nothing change.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::answer_challenges(answers.len() as u32)
			.max(T::WeightInfo::answer_challenges_failing(answers.len() as u32)))]
		pub fn answer_challenges(
			origin: OriginFor<T>,
			answers: BoundedVec<Answer, T::MaxBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!answers.is_empty(), Error::<T>::EmptyBatch);
			let now = frame_system::Pallet::<T>::block_number();
			let mut open = Vec::with_capacity(answers.len());
			for (i, a) in answers.iter().enumerate() {
				ensure!(
					!answers[..i].iter().any(|o| o.challenge == a.challenge),
					Error::<T>::Duplicate
				);
				let challenge =
					Challenges::<T>::get(a.challenge).ok_or(Error::<T>::ChallengeNotFound)?;
				ensure!(challenge.provider == who, Error::<T>::NotAssigned);
				// The deadline task runs at the start of block `due`: answer before it.
				ensure!(now < challenge.due, Error::<T>::TooLate);
				ensure!(a.proof.chunk.len() == CHUNK_SIZE, Error::<T>::WrongChunkSize);
				open.push(challenge);
			}
			for (answer, challenge) in answers.into_iter().zip(open) {
				Self::answer(answer, challenge);
			}
			Ok(())
		}

		/// Extends the lifetime of `root` by `extra` blocks, paying `charged bytes × price ×
		/// extra` into its escrow (at most `max_fee`). Anyone may renew any file; refunds still
		/// go to its owner. The new expiry may be at most `MaxLifetime` blocks from now.
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
			let fee = Self::fee(&file.layout, extra)?;
			ensure!(fee <= max_fee, Error::<T>::FeeAboveMaximum);
			T::Currency::transfer(&who, &Self::escrow_account(), fee, Preservation::Preserve)?;
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(fee));
			let shares = Self::split(fee, file.shards.len() as u32);
			for (shard, share) in file.shards.iter_mut().zip(shares) {
				shard.escrow = shard.escrow.saturating_add(share);
			}
			Self::unschedule(file.expires_at, Task::Expire(root));
			Self::unschedule(Self::closing_block(file.expires_at), Task::Close(root));
			file.expires_at = target;
			Self::schedule(target, Task::Expire(root));
			Self::schedule(Self::closing_block(target), Task::Close(root));
			Files::<T>::insert(root, file);
			Self::deposit_event(Event::FileRenewed { root, by: who, fee, expires_at: target });
			Ok(())
		}

		/// Proves that the shards of `root` are not one codeword (so that the file cannot be
		/// rebuilt consistently, and a provider handed one of its shards could not rebuild it):
		/// `proofs` are the chunks at position `chunk` of at least `k + 1` distinct shards, each
		/// with its Merkle path to the committed shard root. If no decoding reconciles them (see
		/// `zg_primitives::erasure::column_consistent`), the uploader committed an invalid file:
		/// it is ended, its providers released, the caller paid [`Config::InconsistencyReward`]
		/// of what it still holds and the rest sent to the treasury. A provider's offchain worker
		/// sends it when its worker finds a shard it cannot rebuild.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::report_inconsistent(proofs.len() as u32))]
		pub fn report_inconsistent(
			origin: OriginFor<T>,
			root: H256,
			chunk: u32,
			proofs: BoundedVec<(u32, ChunkProof), MaxShardsOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let file = Files::<T>::get(root).ok_or(Error::<T>::FileNotFound)?;
			ensure!(proofs.len() > file.layout.data_shards as usize, Error::<T>::NotEnoughChunks);
			for (n, (shard, proof)) in proofs.iter().enumerate() {
				ensure!(!proofs[..n].iter().any(|(s, _)| s == shard), Error::<T>::Duplicate);
				let info = file.shards.get(*shard as usize).ok_or(Error::<T>::ShardNotFound)?;
				Self::verify(&file.layout, &info.root, chunk, proof)?;
			}
			let column: Vec<(u32, &[u8])> =
				proofs.iter().map(|(shard, proof)| (*shard, proof.chunk.as_slice())).collect();
			let consistent = zg_primitives::erasure::column_consistent(&file.layout, &column)
				.map_err(|_| Error::<T>::WrongChunkSize)?;
			ensure!(!consistent, Error::<T>::Consistent);
			let held = Self::close_file(root, file);
			let reward = Self::pay_out(&who, T::InconsistencyReward::get() * held);
			let forfeited = Self::pay_out(
				&T::Treasury::get(),
				held.saturating_sub(T::InconsistencyReward::get() * held),
			);
			Self::deposit_event(Event::FileInconsistent { root, reporter: who, reward, forfeited });
			Ok(())
		}

		/// Sets the storage price in plancks per charged byte and block, above zero
		/// (`ZeroPrice`). [`Config::AdminOrigin`] only. Applies to later submissions and
		/// renewals; escrowed fees do not change.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			#[pallet::compact] price: Balance,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(price > 0, Error::<T>::ZeroPrice);
			Price::<T>::put(price);
			Self::deposit_event(Event::PriceSet { price });
			Ok(())
		}
	}
}

/// The pallet's deadline queue.
pub(crate) type Queue<T> = DeadlineQueue<
	BlockNumberFor<T>,
	Task<<T as frame_system::Config>::AccountId>,
	Deadlines<T>,
	DeadlineCursor<T>,
>;

impl<T: Config> Pallet<T> {
	/// The account that holds all escrowed fees.
	pub fn escrow_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The fee of `layout` for `blocks`: `charged bytes × price × blocks`.
	pub fn fee(layout: &FileLayout, blocks: BlockNumberFor<T>) -> Result<Balance, Error<T>> {
		let blocks: u128 = blocks.try_into().map_err(|_| Error::<T>::Overflow)?;
		(layout.charged_bytes(T::MinShardSize::get()) as u128)
			.checked_mul(Price::<T>::get())
			.and_then(|f| f.checked_mul(blocks))
			.ok_or(Error::<T>::Overflow)
	}

	/// Checks a submission's size and coding.
	fn check_layout(size: u64, k: u16, m: u16) -> Result<FileLayout, Error<T>> {
		ensure!(size > 0, Error::<T>::EmptyFile);
		ensure!(size <= T::MaxFileSize::get(), Error::<T>::FileTooLarge);
		ensure!(
			u32::from(k) >= T::MinDataShards::get() && u32::from(k) <= T::MaxDataShards::get(),
			Error::<T>::DataShardsOutOfBounds
		);
		ensure!(
			u32::from(m) >= T::MinParityShards::get() && u32::from(m) <= T::MaxParityShards::get(),
			Error::<T>::ParityShardsOutOfBounds
		);
		FileLayout::new(size, k, m).map_err(|_| Error::<T>::FileTooLarge)
	}

	/// `amount` split into `parts` equal shares; the first share takes the remainder.
	fn split(amount: Balance, parts: u32) -> Vec<Balance> {
		let parts = parts.max(1);
		let share = amount / parts as Balance;
		let mut shares = alloc::vec![share; parts as usize];
		shares[0] = share.saturating_add(amount % parts as Balance);
		shares
	}

	/// The block of a file's closing challenges: every confirmed shard is challenged then, so
	/// that its last stretch can be proven, and answered before the block of expiry.
	pub fn closing_block(expires_at: BlockNumberFor<T>) -> BlockNumberFor<T> {
		expires_at.saturating_sub(T::ChallengeWindow::get()).saturating_sub(1u32.into())
	}

	/// The worst-case weight of the deadline tasks a submission of `shards` shards schedules
	/// (its draw, its confirmation deadline, its closing challenges, its expiry): a submission
	/// pays for the hook work it causes, so that flooding the deadline queue costs what it
	/// takes.
	pub fn scheduled_by_submit(shards: u32) -> Weight {
		T::WeightInfo::task_assign(T::MaxProviders::get(), shards)
			.saturating_add(
				T::WeightInfo::task_confirm_file(shards)
					.max(T::WeightInfo::task_extend_file(shards)),
			)
			.saturating_add(T::WeightInfo::task_close(shards))
			.saturating_add(T::WeightInfo::task_expire(shards))
	}

	/// Puts `task` in the deadline queue at block `at` (or the next block, if `at` is past).
	fn schedule(at: BlockNumberFor<T>, task: Task<T::AccountId>) -> BlockNumberFor<T> {
		Queue::<T>::schedule(frame_system::Pallet::<T>::block_number(), at, task)
	}

	fn unschedule(at: BlockNumberFor<T>, task: Task<T::AccountId>) {
		Queue::<T>::cancel(at, task)
	}

	/// Checks the configuration (run by `integrity_test`).
	fn check_config() {
		assert!(T::MinDataShards::get() >= 2, "MinDataShards must be at least 2");
		assert!(
			T::MinDataShards::get() <= T::MaxDataShards::get(),
			"MinDataShards > MaxDataShards"
		);
		assert!(T::MinParityShards::get() >= 1, "MinParityShards must be at least 1");
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
			FileLayout::new(T::MaxFileSize::get(), 2, 1).is_ok(),
			"a shard of the largest file has more than u32::MAX chunks"
		);
		assert!(!T::MinLifetime::get().is_zero(), "MinLifetime must be positive");
		assert!(T::MinLifetime::get() <= T::MaxLifetime::get(), "MinLifetime > MaxLifetime");
		let assigned = T::Beacon::ready_at(Zero::zero());
		assert!(
			assigned.saturating_add(T::ConfirmationPeriod::get()) < T::MinLifetime::get(),
			"a file must be able to finalize before it expires"
		);
		let confirmable = T::Beacon::ready_at(Zero::zero()).saturating_add(T::Beacon::retention());
		assert!(
			confirmable >= T::ConfirmationPeriod::get() && confirmable >= T::HandoverPeriod::get(),
			"the beacon must keep the seed a confirmation proves until the confirmation deadline"
		);
		assert!(!T::ChallengeWindow::get().is_zero(), "ChallengeWindow must be positive");
		assert!(
			assigned.saturating_add(T::ConfirmationPeriod::get())
				< Self::closing_block(T::MinLifetime::get()),
			"a file must be finalized before its closing challenges"
		);
		assert!(!T::SweepPeriod::get().is_zero(), "SweepPeriod must be positive");
		assert!(T::ChallengeRegion::get() >= 1, "ChallengeRegion must be positive");
		assert!(T::MaxChallengesPerBlock::get() >= 1, "MaxChallengesPerBlock must be positive");
		assert!(T::MaxBatch::get() >= 1, "MaxBatch must be positive");
		assert!(T::HandoverPage::get() >= 1, "HandoverPage must be positive");
		assert!(T::MaxEndpointLen::get() >= 8, "MaxEndpointLen is too short for a URL");
		assert!(
			T::DeadlineWeight::get().all_gte(Self::max_task_weight()),
			"DeadlineWeight must fit the heaviest deadline task"
		);
	}
}

impl<T: Config> zg_primitives::storage::FileRegistry<BlockNumberFor<T>> for Pallet<T> {
	fn stored(root: &H256) -> Option<(u64, BlockNumberFor<T>)> {
		let file = Files::<T>::get(root)?;
		let now = frame_system::Pallet::<T>::block_number();
		(matches!(file.status, FileStatus::Finalized | FileStatus::Degraded)
			&& file.expires_at > now)
			.then_some((file.layout.size, file.expires_at))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn bench_store(root: H256, size: u64) {
		// Sizes the benchmarks ask for are valid; anything else stores nothing.
		let Ok(layout) = FileLayout::new(size, 2, 1) else { return };
		let now = frame_system::Pallet::<T>::block_number();
		let shard = ShardInfo {
			root: H256::zero(),
			provider: None,
			state: ShardState::Unassigned { since: now },
			escrow: 0,
			paid_until: now,
			bounty: 0,
		};
		let shards = BoundedVec::truncate_from(alloc::vec![shard; 3]);
		Files::<T>::insert(
			root,
			FileInfo {
				owner: Self::escrow_account(),
				layout,
				shards,
				status: FileStatus::Finalized,
				submitted_at: now,
				confirm_by: now,
				expires_at: now.saturating_add(T::MaxLifetime::get()),
				refund: 0,
			},
		);
	}
}

impl<T: Config> zg_primitives::staking::RoleObligations<T::AccountId> for Pallet<T> {
	/// A storage provider owes work while it is assigned or holds a shard, has a challenge
	/// open, or is still handing its shards over.
	fn has_obligations(who: &T::AccountId, role: Role) -> bool {
		role == Role::StorageProvider
			&& (ProviderShards::<T>::iter_prefix(who).next().is_some()
				|| ProviderChallenges::<T>::iter_prefix(who).next().is_some()
				|| Leaving::<T>::contains_key(who))
	}
}
