//! # 0G DA pallet
//!
//! Blobs of up to 32 MiB whose availability a stake-weighted committee of signers attests,
//! whose encoding anybody can prove wrong, and whose signers answer for the data they attest.
//!
//! ## Commitment
//!
//! A blob is laid out as a `k × k` square of 1 KiB chunks and extended with Reed-Solomon along
//! rows and columns into a `2k × 2k` square ([`zg_primitives::da`]). Its commitment (the data
//! root) is a hash of the layout and the Merkle root over the `2k` row roots and `2k` column
//! roots. Any `k` rows rebuild the blob. A disperser that commits to a square that is not a
//! codeword is caught by a bad-encoding proof of `k` chunks of one line
//! ([`Pallet::report_bad_encoding`]), checked here, whose size grows with the square root of
//! the blob. The coding rate is fixed at 1/4 by the two-dimensional code: the rate of a product
//! code is the product of its rows' and columns' rates (1/2 each), and a proof of bad encoding
//! needs exactly the half of a line that rebuilds it.
//!
//! ## Committees
//!
//! DA signers hold a `DaSigner` role bond in the staking pallet and register with
//! [`Pallet::register_signer`]. Every [`Config::EpochLength`] blocks a new committee takes
//! over. [`Config::SnapshotLead`] blocks before an epoch starts, the candidates (registered and
//! eligible signers) and their stakes are fixed; at the epoch's first block the committee's
//! `seats` ([`DaParams::seats`]) are drawn from the beacon's seed of the blocks after the
//! snapshot, which nobody knew when the stakes were fixed. Each seat goes to a candidate with
//! probability proportional to its stake, and no signer takes more than
//! [`Config::MaxSeatShare`] of the seats, so a member's seats are its share of the stake up to
//! sampling noise and the cap.
//!
//! Each seat holds the rows and the columns of some line indices of every blob of its epoch
//! ([`zg_primitives::da::holds`]): the `2k` indices are dealt round the seats, so any two
//! thirds of the seats hold at least `k` rows, enough to rebuild the blob. A member holds the
//! lines of all its seats and checks, before it signs, that every one is a codeword under its
//! committed root.
//!
//! Committee size: 32 seats by default (a governed parameter, at most [`Config::MaxSeats`]).
//! An attacker with a third of the stake gets a quorum of 22 seats in a committee of 32 with
//! probability below 10⁻⁴ per epoch (a binomial tail; the share that counts is of the stake
//! left drawable once the largest signers reach the cap, which the cap raises for everyone
//! else, the attacker included), the whole committee's attestations fit
//! in one transaction (32 sr25519 verifications, about 1.3 ms), and a 32 MiB blob is dealt in
//! lines of 364 KiB, 11 or 12 line indices per seat.
//!
//! ## Life of a blob
//!
//! 1. **Submit.** [`Pallet::submit_blob`] commits a blob by its data root and layout. The
//!    disperser pays a non-refundable [`Config::SubmissionFee`] to the treasury, and into
//!    escrow the blob's fee (`extended bytes × price`, [`DaParams::price`]) and the
//!    [`Config::DisperserDeposit`]. The blob belongs to the current epoch's committee.
//! 2. **Attest.** Each member signs [`zg_primitives::da::attestation_payload`]; the disperser
//!    aggregates the signatures and submits them in one [`Pallet::attest`], every signature
//!    verified. When the attesting members hold at least two thirds of the seats the blob is
//!    **Available** ([`Event::BlobAvailable`], [`Blobs`], the runtime API) for
//!    [`Config::Retention`] blocks. A blob without quorum within [`Config::AttestationPeriod`]
//!    blocks **fails**: its fee and deposit are refunded, the submission fee is not.
//! 3. **Answer for it.** While a blob is available, its attesters answer availability
//!    challenges ([`Pallet::challenge`] by any bonded account with a deposit, and
//!    [`Config::RandomChallenges`] a block drawn from randomness): a chunk of one of the
//!    challenged member's lines, proven against the commitment, within
//!    [`Config::ChallengeWindow`] blocks. A member that does not answer loses
//!    [`Config::WithholdingSlash`] of its role bond (part of it to the challenger) and its pay
//!    for the blob.
//! 4. **Pay.** At the end of the retention period the fee is paid to the attesters in
//!    proportion to their seats (proof before pay: a member that missed a challenge gets
//!    nothing, its share goes to the treasury), and the deposit goes back to the disperser.
//!
//! Anybody may prove a blob badly encoded while it is pending or available
//! ([`Pallet::report_bad_encoding`]): the blob is invalid, the disperser's deposit pays the
//! reporter [`Config::ReporterShare`] and the treasury the rest, the fee goes to the treasury,
//! and the attesters are not paid. They are not slashed either: such a proof shows rows and
//! columns that disagree, which no signer sees from the lines it holds. A proof that a line is
//! no codeword under its own root ([`Pallet::report_bad_line`]) invalidates the blob the same
//! way and also slashes every attester that held that line by [`Config::BadLineSlash`]: it
//! signed a line it had and should have refused.
//!
//! Every deadline is an item of one deadline queue ([`zg_pallet_support::deadlines`]) worked
//! off in `on_initialize` within [`Config::DeadlineWeight`].
//!
//! ## Money
//!
//! Fees, deposits and challenge deposits are held by the escrow account
//! ([`Pallet::escrow_account`]) until paid out. [`EscrowTotal`] is their sum, and `try_state`
//! checks that it equals both the sum over [`Blobs`] and [`Challenges`] and the escrow
//! account's balance above its existential deposit.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod blobs;
mod challenges;
mod committee;
mod invariants;
#[cfg(test)]
mod mock;
mod offchain;
pub mod runtime_api;
mod tasks;
#[cfg(test)]
mod tests;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
pub use tasks::Task;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Precision, Preservation},
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{
	traits::{AccountIdConversion, IdentifyAccount, Saturating, Verify, Zero},
	Perbill,
};
use zg_pallet_support::deadlines::DeadlineQueue;
use zg_primitives::{
	da::{BlobLayout, Line, MAX_SIDE},
	randomness::RandomnessBeacon,
	staking::{Role, RoleStaking},
	storage::CHUNK_SIZE,
	Balance,
};

/// A DA epoch: block `n` is in epoch `n / EpochLength`.
pub type Epoch = u32;

/// Identifies an availability challenge.
pub type ChallengeId = u64;

/// The longest Merkle path a proof may carry: a line has at most 364 chunks (9 levels), the
/// axis tree 728 leaves (10 levels).
pub const MAX_PATH: u32 = 16;

/// Seats of a committee unless the genesis or governance says otherwise (see the crate
/// documentation for why).
pub const DEFAULT_SEATS: u32 = 32;

/// The most answers of one [`Pallet::answer_challenges`].
pub const MAX_ANSWERS: u32 = 16;

/// The most chunks of a line: `2k` for the largest square.
pub const MAX_WIDTH: u32 = 2 * MAX_SIDE as u32;

/// The governed parameters of DA.
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
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct DaParams {
	/// Seats of each committee (the shards a blob is dealt into): at most `MaxSeats`.
	pub seats: u32,
	/// Plancks per byte of the extended square (four times the padded blob), for the whole
	/// retention period.
	pub price: Balance,
}

/// A registered DA signer.
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
pub struct SignerInfo<T: Config> {
	/// Base URL of the signer's worker API, where dispersers push lines and samplers fetch
	/// chunks.
	pub endpoint: BoundedVec<u8, T::MaxEndpointLen>,
	/// When it registered.
	pub registered_at: BlockNumberFor<T>,
}

/// The candidates of an epoch's committee, fixed before its randomness exists.
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
pub struct Snapshot<T: Config> {
	/// The epoch they are candidates for.
	pub epoch: Epoch,
	/// The block in which they were fixed: the committee is drawn from the seed after it.
	pub at: BlockNumberFor<T>,
	/// Each candidate and its `DaSigner` stake then.
	pub candidates: BoundedVec<(T::AccountId, Balance), T::MaxSigners>,
}

/// An epoch's committee.
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
pub struct Committee<T: Config> {
	/// The members, in the order of their first seat, and how many seats each holds.
	pub members: BoundedVec<(T::AccountId, u32), T::MaxSeats>,
	/// The member (index into `members`) of each seat.
	pub seats: BoundedVec<u32, T::MaxSeats>,
	/// The most seats a member could be dealt ([`Config::MaxSeatShare`] of the seats asked
	/// for).
	pub cap: u32,
	/// Blobs of this epoch still on chain: the committee is kept while they are.
	pub blobs: u32,
}

impl<T: Config> Committee<T> {
	/// The number of seats.
	pub fn seat_count(&self) -> u32 {
		self.seats.len() as u32
	}

	/// The index of `who` among the members.
	pub fn member_index(&self, who: &T::AccountId) -> Option<u32> {
		self.members.iter().position(|(m, _)| m == who).map(|i| i as u32)
	}

	/// The seats of member `member`.
	pub fn seats_of(&self, member: u32) -> impl Iterator<Item = u32> + '_ {
		self.seats.iter().enumerate().filter(move |(_, m)| **m == member).map(|(s, _)| s as u32)
	}

	/// Whether member `member` holds line index `line` of a blob of `width` with `rotation`.
	pub fn member_holds(&self, member: u32, width: u32, rotation: u32, line: u32) -> bool {
		let seats = self.seat_count();
		self.seats_of(member).any(|s| zg_primitives::da::holds(s, seats, width, rotation, line))
	}
}

/// Where a blob is.
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
pub enum BlobStatus<BlockNumber> {
	/// Waiting for attestations of two thirds of the committee's seats.
	Pending,
	/// Attested by a quorum in block `since`; held and challenged until `until`, when the
	/// attesters are paid and the blob leaves the chain.
	Available {
		/// The block in which the quorum was reached.
		since: BlockNumber,
		/// The end of the retention period.
		until: BlockNumber,
	},
}

/// A committed blob.
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
pub struct BlobInfo<T: Config> {
	/// Who submitted it; the deposit and refunds go back to this account.
	pub disperser: T::AccountId,
	/// Its size and square.
	pub layout: BlobLayout,
	/// The epoch whose committee attests it.
	pub epoch: Epoch,
	/// The block in which it was submitted.
	pub submitted_at: BlockNumberFor<T>,
	/// The last block in which attestations are accepted.
	pub attest_by: BlockNumberFor<T>,
	/// Where it is.
	pub status: BlobStatus<BlockNumberFor<T>>,
	/// The fee held in escrow for the attesters.
	pub fee: Balance,
	/// The disperser's deposit held in escrow.
	pub deposit: Balance,
	/// The members (indices into the committee) that attested it, in order.
	pub attesters: BoundedVec<u32, T::MaxSeats>,
	/// The seats of the attesters.
	pub attested_seats: u32,
	/// Attesters that missed a challenge on this blob: they are not paid for it.
	pub forfeited: BoundedVec<u32, T::MaxSeats>,
	/// Its position in [`AvailableIndex`] while available.
	pub index: Option<u32>,
}

/// A blob proven badly encoded, kept for [`Config::Retention`] blocks so that the attesters
/// of a line that is no codeword can still be slashed ([`Pallet::report_bad_line`]) after
/// anybody (the guilty parties first of all) invalidated the blob.
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
pub struct InvalidBlob<T: Config> {
	/// Its layout.
	pub layout: BlobLayout,
	/// The epoch of its committee.
	pub epoch: Epoch,
	/// The members that attested it: their bonds stay at stake until `until`.
	pub attesters: BoundedVec<u32, T::MaxSeats>,
	/// Attesters already slashed for a line that is no codeword.
	pub slashed: BoundedVec<u32, T::MaxSeats>,
	/// When it is forgotten.
	pub until: BlockNumberFor<T>,
}

/// A member's signature on a blob ([`zg_primitives::da::attestation_payload`]).
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct Attestation<AccountId, Signature> {
	/// The member.
	pub signer: AccountId,
	/// The epoch of the committee it signs as a member of.
	pub epoch: Epoch,
	/// Its signature.
	pub signature: Signature,
}

/// A chunk of a blob proven against its commitment: the answer to an availability challenge
/// (the bounded form of [`zg_primitives::da::CellProof`]).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct CellAnswer {
	/// The line the chunk is proven in.
	pub line: Line,
	/// The chunk's position in the line.
	pub pos: u32,
	/// The chunk.
	pub chunk: BoundedVec<u8, ConstU32<{ CHUNK_SIZE as u32 }>>,
	/// Its path in the line.
	pub path: BoundedVec<H256, ConstU32<MAX_PATH>>,
	/// The line's root.
	pub line_root: H256,
	/// The line root's path in the axis tree.
	pub axis_path: BoundedVec<H256, ConstU32<MAX_PATH>>,
}

impl From<CellAnswer> for zg_primitives::da::CellProof {
	fn from(a: CellAnswer) -> Self {
		Self {
			line: a.line,
			pos: a.pos,
			chunk: a.chunk.into_inner(),
			path: a.path.into_inner(),
			line_root: a.line_root,
			axis_path: a.axis_path.into_inner(),
		}
	}
}

/// A worker's proof as the bounded answer a call carries; `Err(())` where a part is over its
/// bound (a proof of another layout than the pallet's).
impl TryFrom<zg_primitives::da::CellProof> for CellAnswer {
	type Error = ();

	fn try_from(p: zg_primitives::da::CellProof) -> Result<Self, ()> {
		Ok(Self {
			line: p.line,
			pos: p.pos,
			chunk: p.chunk.try_into().map_err(|_| ())?,
			path: p.path.try_into().map_err(|_| ())?,
			line_root: p.line_root,
			axis_path: p.axis_path.try_into().map_err(|_| ())?,
		})
	}
}

/// One chunk of a bad-encoding proof: its position in the line, the chunk, and its path in the
/// orthogonal line.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ProofChunk {
	/// The chunk's position in the line.
	pub pos: u32,
	/// The chunk.
	pub chunk: BoundedVec<u8, ConstU32<{ CHUNK_SIZE as u32 }>>,
	/// Its path in the orthogonal line.
	pub path: BoundedVec<H256, ConstU32<MAX_PATH>>,
}

/// A proof that a line of a blob is badly encoded (the bounded form of
/// [`zg_primitives::da::BadEncodingProof`]).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct EncodingProof {
	/// The line claimed badly encoded.
	pub line: Line,
	/// `k` of its chunks.
	pub chunks: BoundedVec<ProofChunk, ConstU32<{ MAX_SIDE as u32 }>>,
}

impl From<EncodingProof> for zg_primitives::da::BadEncodingProof {
	fn from(p: EncodingProof) -> Self {
		Self {
			line: p.line,
			chunks: p
				.chunks
				.into_iter()
				.map(|c| (c.pos, c.chunk.into_inner(), c.path.into_inner()))
				.collect(),
		}
	}
}

/// A proof that a line is no codeword under its own root (the bounded form of
/// [`zg_primitives::da::BadLineProof`]).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct LineProof {
	/// The line.
	pub line: Line,
	/// Its committed root.
	pub line_root: H256,
	/// The root's path in the axis tree.
	pub axis_path: BoundedVec<H256, ConstU32<MAX_PATH>>,
	/// `k + 1` of its chunks, each with its path in the line.
	pub chunks: BoundedVec<ProofChunk, ConstU32<{ MAX_SIDE as u32 + 1 }>>,
}

impl From<LineProof> for zg_primitives::da::BadLineProof {
	fn from(p: LineProof) -> Self {
		Self {
			line: p.line,
			line_root: p.line_root,
			axis_path: p.axis_path.into_inner(),
			chunks: p
				.chunks
				.into_iter()
				.map(|c| (c.pos, c.chunk.into_inner(), c.path.into_inner()))
				.collect(),
		}
	}
}

/// An availability challenge: `signer` must prove chunk `pos` of `line` of blob `root` before
/// block `due`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Challenge<AccountId, BlockNumber> {
	/// The blob.
	pub root: H256,
	/// Its layout (the answer is checked against it even if the blob has left the chain).
	pub layout: BlobLayout,
	/// The block the challenged submission of the blob was made in (the same root submitted
	/// again later is another blob).
	pub submitted_at: BlockNumber,
	/// The challenged attester.
	pub signer: AccountId,
	/// The line.
	pub line: Line,
	/// The chunk's position in it.
	pub pos: u32,
	/// Who raised it and the deposit it put up; `None` for a challenge drawn by the chain.
	pub challenger: Option<(AccountId, Balance)>,
	/// The block whose start closes it: an answer must be included before it.
	pub due: BlockNumber,
}

/// The deadline queue of the pallet.
pub(crate) type Queue<T> = DeadlineQueue<BlockNumberFor<T>, Task, Deadlines<T>, DeadlineCursor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The version of the pallet's storage layout.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The provider keys (`zgsp`) that the offchain worker answers challenges with: a
		/// signer's account key in its node's keystore.
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// The signatures of attestations: a member signs with its account's key.
		type AttestationSignature: Parameter
			+ DecodeWithMemTracking
			+ Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>;
		/// The native currency: fees and deposits move to and from the escrow account.
		type Currency: Inspect<Self::AccountId, Balance = Balance> + Mutate<Self::AccountId>;
		/// The staking pallet: signer eligibility, stake, and slashing of role bonds.
		type Staking: RoleStaking<Self::AccountId, Balance>;
		/// Randomness that did not exist when a request was made: committees and challenges.
		type Beacon: RandomnessBeacon<BlockNumberFor<Self>>;
		/// Receives submission fees, forfeited pay and what slashing leaves.
		type Treasury: Get<Self::AccountId>;
		/// Derives the escrow account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Largest blob in bytes (at most 32 MiB, the largest square of the layout).
		#[pallet::constant]
		type MaxBlobSize: Get<u64>;
		/// Blocks of a DA epoch: each epoch has its own committee.
		#[pallet::constant]
		type EpochLength: Get<BlockNumberFor<Self>>;
		/// Blocks before an epoch's start at which its candidates and stakes are fixed.
		#[pallet::constant]
		type SnapshotLead: Get<BlockNumberFor<Self>>;
		/// Most registered signers.
		#[pallet::constant]
		type MaxSigners: Get<u32>;
		/// Most seats of a committee (the bound of the governed `seats`).
		#[pallet::constant]
		type MaxSeats: Get<u32>;
		/// The largest share of a committee's seats one signer may take.
		#[pallet::constant]
		type MaxSeatShare: Get<Perbill>;
		/// Paid to the treasury with every blob, whatever becomes of it.
		#[pallet::constant]
		type SubmissionFee: Get<Balance>;
		/// Held from the disperser while its blob is on chain; lost if the blob is proven
		/// badly encoded.
		#[pallet::constant]
		type DisperserDeposit: Get<Balance>;
		/// Held from whoever raises a challenge: back if the member does not answer, paid to
		/// the member if it does.
		#[pallet::constant]
		type ChallengeDeposit: Get<Balance>;
		/// Blocks after submission within which a blob must reach its quorum.
		#[pallet::constant]
		type AttestationPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks an available blob is held, challenged, and then paid for.
		#[pallet::constant]
		type Retention: Get<BlockNumberFor<Self>>;
		/// Blocks a member has to answer a challenge.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Challenges the chain draws each block among the available blobs' attesters.
		#[pallet::constant]
		type RandomChallenges: Get<u32>;
		/// Part of the role bond slashed for an unanswered challenge.
		#[pallet::constant]
		type WithholdingSlash: Get<Perbill>;
		/// Part of the role bond slashed for attesting while holding a line that is no codeword
		/// under its own root.
		#[pallet::constant]
		type BadLineSlash: Get<Perbill>;
		/// Part of a bad disperser's deposit that pays whoever proves the bad encoding.
		#[pallet::constant]
		type ReporterShare: Get<Perbill>;
		/// Longest endpoint URL.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// The weight `on_initialize` may spend on due deadlines; what does not fit is carried
		/// over to the next blocks.
		#[pallet::constant]
		type DeadlineWeight: Get<Weight>;
		/// Who sets the governed parameters (root or a governance track).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
		/// Signs attestations in benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::AttestationSignature>;
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The governed parameters: committee seats and price.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, DaParams, ValueQuery>;

	/// Registered signers and their worker endpoints.
	#[pallet::storage]
	pub type Signers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, SignerInfo<T>>;

	/// The registered signers in registration order: the candidates of the next snapshot.
	#[pallet::storage]
	pub type SignerList<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxSigners>, ValueQuery>;

	/// The candidates of the next committee, fixed [`Config::SnapshotLead`] blocks before its
	/// epoch.
	#[pallet::storage]
	pub type NextCandidates<T: Config> = StorageValue<_, Snapshot<T>>;

	/// The current epoch: the committee that new blobs go to.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, Epoch, ValueQuery>;

	/// The committees of the current epoch and of the epochs that still have blobs.
	#[pallet::storage]
	pub type Committees<T: Config> = StorageMap<_, Twox64Concat, Epoch, Committee<T>>;

	/// Committed blobs by data root.
	#[pallet::storage]
	pub type Blobs<T: Config> = StorageMap<_, Identity, H256, BlobInfo<T>>;

	/// Blobs proven badly encoded, kept for [`Config::Retention`] blocks: the root cannot be
	/// submitted again meanwhile, and the attesters of a line that is no codeword can still be
	/// slashed.
	#[pallet::storage]
	pub type Invalid<T: Config> = StorageMap<_, Identity, H256, InvalidBlob<T>>;

	/// The available blobs by position, for random challenges.
	#[pallet::storage]
	pub type AvailableIndex<T: Config> = StorageMap<_, Twox64Concat, u32, H256>;

	/// Number of available blobs (the length of [`AvailableIndex`]).
	#[pallet::storage]
	pub type AvailableCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Open challenges.
	#[pallet::storage]
	pub type Challenges<T: Config> =
		StorageMap<_, Twox64Concat, ChallengeId, Challenge<T::AccountId, BlockNumberFor<T>>>;

	/// The open challenge of each attester of each blob: at most one at a time.
	#[pallet::storage]
	pub type OpenChallenges<T: Config> =
		StorageDoubleMap<_, Identity, H256, Blake2_128Concat, T::AccountId, ChallengeId>;

	/// The id of the next challenge.
	#[pallet::storage]
	pub type NextChallengeId<T: Config> = StorageValue<_, ChallengeId, ValueQuery>;

	/// What each signer still answers for: blobs on chain that it attested, and open
	/// challenges. Staking keeps its role bond while this is not zero.
	#[pallet::storage]
	pub type Duties<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Deadlines: the tasks due in each block (see [`Task`]).
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, Task, ()>;

	/// The oldest block that may still have due tasks.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Sum of the fees, deposits and challenge deposits held: the escrow account's balance
	/// above its existential deposit.
	#[pallet::storage]
	pub type EscrowTotal<T: Config> = StorageValue<_, Balance, ValueQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Committee seats and price.
		pub params: DaParams,
		/// Signers registered at genesis, with their endpoints (each needs a `DaSigner` role
		/// bond in the staking pallet's genesis). When there are enough of them, epoch 0's
		/// committee is drawn from them at genesis ([`Pallet::draw_genesis_committee`]), so
		/// that DA works from the first block.
		pub signers: Vec<(T::AccountId, Vec<u8>)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		/// [`DEFAULT_SEATS`] seats (at most `MaxSeats`), a zero price, no signers.
		fn default() -> Self {
			Self {
				params: DaParams { seats: DEFAULT_SEATS.min(T::MaxSeats::get()), price: 0 },
				signers: Vec::new(),
				_config: Default::default(),
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.params.seats >= 1 && self.params.seats <= T::MaxSeats::get(),
				"DA seats must be between 1 and MaxSeats"
			);
			Params::<T>::put(self.params);
			Pallet::<T>::endow_escrow();
			// A signer the call rejects is left out and reported, as on a live chain.
			for (who, endpoint) in &self.signers {
				let origin = frame_system::RawOrigin::Signed(who.clone()).into();
				if let Err(e) = Pallet::<T>::register_signer(origin, endpoint.clone()) {
					log::error!(target: "runtime::zg-da", "genesis signer {who:?}: {e:?}");
					frame_support::defensive!("genesis: a DA signer was rejected");
				}
			}
			if !self.signers.is_empty() {
				Pallet::<T>::draw_genesis_committee();
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A DA signer registered (or changed) its worker endpoint.
		SignerRegistered { who: T::AccountId, endpoint: Vec<u8> },
		/// A DA signer left: it is no candidate of later committees.
		SignerDeregistered { who: T::AccountId },
		/// A signer that is no longer eligible was removed from the list.
		SignerPruned { who: T::AccountId },
		/// The candidates of `epoch`'s committee were fixed.
		CandidatesFixed { epoch: Epoch, candidates: u32 },
		/// `epoch`'s committee took over: each member with its seats.
		CommitteeSelected { epoch: Epoch, members: Vec<(T::AccountId, u32)>, seats: u32 },
		/// No committee could be drawn for `epoch` (no candidates, or no randomness): blobs
		/// are refused until the next epoch.
		NoCommittee { epoch: Epoch },
		/// A blob was committed: `fee` and `deposit` escrowed, `submission_fee` paid.
		BlobSubmitted {
			root: H256,
			disperser: T::AccountId,
			size: u64,
			epoch: Epoch,
			fee: Balance,
			deposit: Balance,
			submission_fee: Balance,
			attest_by: BlockNumberFor<T>,
		},
		/// Members attested a blob; `attested_seats` of `seats` have now.
		BlobAttested { root: H256, signers: Vec<T::AccountId>, attested_seats: u32, seats: u32 },
		/// A blob reached its quorum: it is available until `until`.
		BlobAvailable { root: H256, attested_seats: u32, seats: u32, until: BlockNumberFor<T> },
		/// A blob did not reach its quorum in time: `refunded` (fee and deposit) went back.
		BlobFailed { root: H256, refunded: Balance },
		/// A blob's retention ended: `paid` to its attesters, `forfeited` to the treasury, the
		/// deposit back to the disperser.
		BlobExpired { root: H256, paid: Balance, forfeited: Balance },
		/// A blob was proven badly encoded: the reporter got `reward`, the treasury the rest of
		/// the deposit and the fee.
		BlobInvalid { root: H256, line: Line, reporter: T::AccountId, reward: Balance },
		/// An attester that held a line proven to be no codeword was slashed.
		AttesterSlashed { root: H256, signer: T::AccountId, slashed: Balance },
		/// A challenge was issued (by `challenger`, or drawn by the chain when `None`).
		ChallengeIssued {
			id: ChallengeId,
			root: H256,
			signer: T::AccountId,
			line: Line,
			pos: u32,
			challenger: Option<T::AccountId>,
			due: BlockNumberFor<T>,
		},
		/// A challenge of a blob proven badly encoded was closed: the deposit went back.
		ChallengeClosed { id: ChallengeId, signer: T::AccountId },
		/// A blob proven badly encoded was forgotten: its attesters' bonds are free of it.
		InvalidForgotten { root: H256 },
		/// A challenge was answered with a valid proof.
		ChallengeAnswered { id: ChallengeId, signer: T::AccountId },
		/// A challenge went unanswered: the member's role bond was slashed.
		ChallengeMissed { id: ChallengeId, signer: T::AccountId, slashed: Balance },
		/// The governed parameters changed.
		ParamsSet { params: DaParams },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The endpoint is empty or too long.
		BadEndpoint,
		/// The caller has no active DaSigner role bond in the staking pallet.
		NotEligible,
		/// The caller is not a registered signer.
		NotSigner,
		/// The signer list is full of eligible signers.
		TooManySigners,
		/// The size is zero or above `MaxBlobSize`, or the square is not the one of the size.
		BadLayout,
		/// A blob with this root is on chain.
		BlobExists,
		/// A blob with this root was proven badly encoded recently: it cannot be submitted
		/// again until it is forgotten.
		RecentlyInvalid,
		/// The current epoch has no committee: no blob can be attested now.
		NoCommittee,
		/// The fee is above the maximum the caller accepts.
		FeeAboveMaximum,
		/// An amount overflowed.
		Overflow,
		/// No blob with this root.
		BlobNotFound,
		/// Attestations are no longer accepted for this blob.
		TooLate,
		/// The call carries no attestation.
		EmptyBatch,
		/// An attestation names another epoch than the blob's.
		WrongEpoch,
		/// An attestation's signer is not a member of the blob's committee.
		NotMember,
		/// A member attested this blob already.
		AlreadyAttested,
		/// A member appears twice in one call.
		Duplicate,
		/// A signature does not verify.
		BadSignature,
		/// Only accounts with an active role bond may raise challenges.
		NotBonded,
		/// A member cannot challenge itself.
		SelfChallenge,
		/// The blob is not available (pending, or gone).
		NotAvailable,
		/// The blob's retention ends before a challenge could be answered.
		RetentionEnding,
		/// The signer did not attest this blob.
		NotAttester,
		/// The signer has an open challenge on this blob, or already lost its pay for it.
		AlreadyChallenged,
		/// The randomness that picks the chunk does not exist yet: try a block later.
		TooEarly,
		/// No such open challenge.
		ChallengeNotFound,
		/// The caller is not the challenged member.
		NotChallenged,
		/// The challenge's deadline has passed.
		ChallengeClosed,
		/// The answer proves another chunk than the challenged one.
		WrongCell,
		/// The chunk and its paths do not verify against the blob's commitment.
		InvalidProof,
		/// The row and column roots are not the blob's.
		WrongAxisRoots,
		/// The proven line decodes to its committed root: the encoding is sound.
		EncodingSound,
		/// Seats must be between 1 and `MaxSeats`.
		BadSeats,
		/// A zero price: every blob would be dispersed for free, so anyone could fill the signers' stores for the fee of a transaction.
		ZeroPrice,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let mut weight = Self::epoch_hook(n);
			weight.saturating_accrue(Self::process_deadlines(n));
			weight.saturating_accrue(Self::random_challenges(n));
			weight
		}

		/// Answers this node's signers' availability challenges with the proofs their workers
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
		/// Registers the caller as a DA signer, or changes its endpoint.
		///
		/// `endpoint` is the base URL of the signer's worker API (for example
		/// `http://203.0.113.7:8700`): dispersers push the lines of the caller's seats there,
		/// samplers fetch chunks. The caller needs an active `DaSigner` role bond in the
		/// staking pallet. A registered signer is a candidate of every committee whose
		/// candidates are fixed while it is registered and eligible. When the list is full,
		/// signers that are no longer eligible are pruned to make room.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_signer())]
		pub fn register_signer(origin: OriginFor<T>, endpoint: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!endpoint.is_empty(), Error::<T>::BadEndpoint);
			let bounded: BoundedVec<u8, T::MaxEndpointLen> =
				endpoint.clone().try_into().map_err(|_| Error::<T>::BadEndpoint)?;
			ensure!(T::Staking::is_eligible(&who, Role::DaSigner), Error::<T>::NotEligible);
			let registered_at = match Signers::<T>::get(&who) {
				Some(info) => info.registered_at,
				None => {
					if SignerList::<T>::decode_len().unwrap_or(0) as u32 >= T::MaxSigners::get() {
						Self::prune_signers();
					}
					SignerList::<T>::try_append(who.clone())
						.map_err(|_| Error::<T>::TooManySigners)?;
					frame_system::Pallet::<T>::block_number()
				},
			};
			Signers::<T>::insert(&who, SignerInfo { endpoint: bounded, registered_at });
			Self::deposit_event(Event::SignerRegistered { who, endpoint });
			Ok(())
		}

		/// Leaves the signer list: the caller is no candidate of committees fixed from now on.
		/// It stays a member of the committees it was drawn into, answers for the blobs it
		/// attested until their retention ends, and its role bond stays at stake until then.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_signer())]
		pub fn deregister_signer(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Signers::<T>::contains_key(&who), Error::<T>::NotSigner);
			Self::remove_signer(&who);
			Self::deposit_event(Event::SignerDeregistered { who });
			Ok(())
		}

		/// Commits a blob by its data root ([`zg_primitives::da::data_root`]) and layout.
		///
		/// The layout must be the one of its size ([`BlobLayout::new`]), at most
		/// `MaxBlobSize` bytes. The caller pays [`Config::SubmissionFee`] to the treasury and
		/// escrows the fee, `extended bytes × price` (at most `max_fee`), and
		/// [`Config::DisperserDeposit`]. The blob goes to the current epoch's committee, which
		/// must reach its quorum within [`Config::AttestationPeriod`] blocks.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_blob())]
		pub fn submit_blob(
			origin: OriginFor<T>,
			root: H256,
			layout: BlobLayout,
			max_fee: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit(who, root, layout, max_fee)
		}

		/// Records members' attestations of a blob, aggregated off chain (by the disperser, or
		/// anybody): each the member's signature of
		/// [`zg_primitives::da::attestation_payload`] with the blob's epoch. Every signature is
		/// verified; one bad attestation refuses the whole call. When the attesters hold two
		/// thirds of the committee's seats the blob becomes available. Attestations are
		/// accepted until the blob's `attest_by`, also after the quorum.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::attest(attestations.len() as u32))]
		pub fn attest(
			origin: OriginFor<T>,
			root: H256,
			attestations: BoundedVec<
				Attestation<T::AccountId, T::AttestationSignature>,
				T::MaxSeats,
			>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_attest(root, attestations.into_inner())
		}

		/// Challenges `signer`, an attester of the available blob `root`, to prove a chunk of
		/// one of its lines, drawn from randomness, within [`Config::ChallengeWindow`] blocks.
		///
		/// The caller needs an active role bond (any role) and puts up
		/// [`Config::ChallengeDeposit`]: it is paid to the member if it answers, and returned
		/// with part of the slash if it does not.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::challenge())]
		pub fn challenge(origin: OriginFor<T>, root: H256, signer: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_challenge(who, root, signer)
		}

		/// Answers challenges of the caller, each `(challenge, chunk proven against its blob's
		/// commitment)`, at most [`MAX_ANSWERS`] in one call: a node's offchain worker answers
		/// every open challenge of its signer at once, so that a burst of challenges cannot
		/// outrun one answer a block. Challenges already closed (answered, or past their
		/// deadline) are skipped; if none is open the call fails. A proof that does not verify,
		/// another member's challenge, another cell or a challenge given twice refuses the whole
		/// call, which changes nothing: the member may still answer correctly before the
		/// deadline.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::answer_challenges(answers.len() as u32))]
		pub fn answer_challenges(
			origin: OriginFor<T>,
			answers: BoundedVec<(ChallengeId, CellAnswer), ConstU32<MAX_ANSWERS>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_answers(who, answers.into_inner())
		}

		/// Proves that a line of a pending or available blob is not a codeword agreeing with
		/// its committed root: the blob's row and column roots (checked against its commitment)
		/// and `k` chunks of the line, each proven in its orthogonal line. The blob is invalid;
		/// the caller gets [`Config::ReporterShare`] of the disperser's deposit, the treasury
		/// the rest and the fee, and the attesters are not paid.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::report_bad_encoding(proof.chunks.len() as u32).saturating_add(Pallet::<T>::closing_weight()))]
		pub fn report_bad_encoding(
			origin: OriginFor<T>,
			root: H256,
			row_roots: BoundedVec<H256, ConstU32<MAX_WIDTH>>,
			column_roots: BoundedVec<H256, ConstU32<MAX_WIDTH>>,
			proof: EncodingProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_bad_encoding(who, root, &row_roots, &column_roots, proof)
		}

		/// Proves that a line of a pending or available blob is no codeword under its own
		/// committed root: the line's root with its path in the axis tree, and `k + 1` of its
		/// chunks, each with its path in the line, that no codeword passes through. Every
		/// attester holding the line signed a line it should have refused and loses
		/// [`Config::BadLineSlash`] of its role bond (the caller gets staking's reporter
		/// share); the blob is invalid as with [`Pallet::report_bad_encoding`].
		#[pallet::call_index(8)]
		#[pallet::weight(Pallet::<T>::bad_line_weight(proof.chunks.len() as u32))]
		pub fn report_bad_line(
			origin: OriginFor<T>,
			root: H256,
			proof: LineProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_bad_line(who, root, proof)
		}

		/// Sets the governed parameters: committee seats (from the next committee on) and the
		/// price per extended byte (for blobs submitted from now on), above zero (`ZeroPrice`).
		/// [`Config::AdminOrigin`] only.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: DaParams) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(params.seats >= 1 && params.seats <= T::MaxSeats::get(), Error::<T>::BadSeats);
			ensure!(params.price > 0, Error::<T>::ZeroPrice);
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account that holds fees and deposits.
	pub fn escrow_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The fee of a blob: `extended bytes × price`.
	pub fn fee(layout: &BlobLayout) -> Result<Balance, Error<T>> {
		(layout.extended_bytes() as u128)
			.checked_mul(Params::<T>::get().price)
			.ok_or(Error::<T>::Overflow)
	}

	/// The weight of [`Pallet::report_bad_line`] with `chunks` chunks: the proof's check, and
	/// the slashing of the attesters that hold the line, at most `⌈MaxSeats / 2k⌉` with
	/// `k = chunks - 1` for a valid proof.
	pub fn bad_line_weight(chunks: u32) -> Weight {
		let width = chunks.saturating_sub(1).saturating_mul(2).max(1);
		T::WeightInfo::report_bad_line(chunks)
			.saturating_add(T::WeightInfo::slash_attesters(T::MaxSeats::get().div_ceil(width)))
			.saturating_add(Self::closing_weight())
	}

	/// What invalidating a blob may add to its report's benchmark (which has no open
	/// challenges): closing one open challenge per attester, each bounded by a challenge's
	/// deadline (which slashes, and so costs more than a refund).
	pub fn closing_weight() -> Weight {
		T::WeightInfo::task_challenge().saturating_mul(T::MaxSeats::get().into())
	}

	/// The epoch of block `n`.
	pub fn epoch_of(n: BlockNumberFor<T>) -> Epoch {
		let length = T::EpochLength::get().max(One::one());
		(n / length).unique_saturated_into()
	}

	/// Gives the escrow account its existential deposit, so that it never dies.
	pub(crate) fn endow_escrow() {
		let account = Self::escrow_account();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < ed && T::Currency::mint_into(&account, ed).is_err() {
			frame_support::defensive!("cannot endow the DA escrow account");
		}
	}

	/// Moves `amount` from `who` into escrow.
	pub(crate) fn hold(who: &T::AccountId, amount: Balance) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::transfer(who, &Self::escrow_account(), amount, Preservation::Preserve)?;
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(amount));
		Ok(())
	}

	/// Pays `amount` from escrow to `who`, and returns it: an amount that `who` cannot receive
	/// (below the existential deposit of an account that does not exist) is burned instead, so
	/// that it leaves the escrow once, either way.
	pub(crate) fn pay_out(who: &T::AccountId, amount: Balance) -> Balance {
		if amount.is_zero() {
			return 0;
		}
		let escrow = Self::escrow_account();
		EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount));
		match T::Currency::transfer(&escrow, who, amount, Preservation::Preserve) {
			Ok(_) => {},
			Err(e) => {
				log::warn!(target: "runtime::zg-da", "burning {amount} that {who:?} cannot receive: {e:?}");
				let burned = T::Currency::burn_from(
					&escrow,
					amount,
					Preservation::Preserve,
					Precision::BestEffort,
					Fortitude::Force,
				);
				if burned != Ok(amount) {
					frame_support::defensive!("the DA escrow holds less than it owes");
				}
			},
		}
		amount
	}

	/// Adds a duty to `who`.
	pub(crate) fn add_duty(who: &T::AccountId) {
		Duties::<T>::mutate(who, |d| *d = d.saturating_add(1));
	}

	/// Takes one duty of `who` away.
	pub(crate) fn end_duty(who: &T::AccountId) {
		Duties::<T>::mutate_exists(who, |d| {
			let left = d.unwrap_or(0).saturating_sub(1);
			*d = (left > 0).then_some(left);
		});
	}

	/// Checks the configuration (`integrity_test`).
	fn check_config() {
		assert!(
			T::MaxBlobSize::get() > 0 && T::MaxBlobSize::get() <= zg_primitives::da::MAX_BLOB_SIZE,
			"MaxBlobSize must be positive and at most the layout's largest blob"
		);
		assert!(T::MaxSeats::get() >= 1, "a committee has at least one seat");
		assert!(!T::MaxSeatShare::get().is_zero(), "MaxSeatShare must be positive");
		assert!(!T::EpochLength::get().is_zero(), "EpochLength must be positive");
		assert!(
			T::SnapshotLead::get() < T::EpochLength::get() && !T::SnapshotLead::get().is_zero(),
			"the snapshot must fall inside the previous epoch"
		);
		let drawable = T::Beacon::ready_at(Zero::zero());
		assert!(
			drawable <= T::SnapshotLead::get(),
			"the committee's seed must exist when its epoch starts"
		);
		assert!(
			drawable.saturating_add(T::Beacon::retention()) >= T::SnapshotLead::get(),
			"the beacon must keep the committee's seed until its epoch starts"
		);
		assert!(!T::AttestationPeriod::get().is_zero(), "AttestationPeriod must be positive");
		assert!(
			T::RandomChallenges::get() <= 8,
			"at most 8 random challenges a block are benchmarked"
		);
		assert!(
			T::DeadlineWeight::get().all_gte(Self::max_task_weight()),
			"DeadlineWeight must fit the heaviest task"
		);
		assert!(
			T::ChallengeWindow::get() < T::Retention::get(),
			"a blob must be challengeable during its retention"
		);
	}
}

use sp_runtime::traits::{One, UniqueSaturatedInto};

/// Staking asks this before it releases a `DaSigner` bond: a signer answers for the blobs it
/// attested until they leave the chain, and for its open challenges.
impl<T: Config> zg_primitives::staking::RoleObligations<T::AccountId> for Pallet<T> {
	fn has_obligations(who: &T::AccountId, role: Role) -> bool {
		role == Role::DaSigner && Duties::<T>::get(who) > 0
	}
}
