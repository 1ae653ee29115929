//! # 0G Compute pallet
//!
//! A marketplace of AI services run by bonded providers: inference, fine-tuning and agents.
//! Users pay from a ledger, jobs are escrowed and settled after a challenge window, and a
//! disputed result is re-run by randomly drawn verifiers whose vote decides who is slashed.
//!
//! ## Services
//!
//! A provider with a `ComputeProvider` role bond in the staking pallet (see
//! [`zg_primitives::staking::RoleStaking`]) lists services with [`Pallet::register_service`]:
//! the kind ([`ServiceKind`]), the model identifier and the content root of the model's
//! weights, a price per input token and per output token (per job for fine-tuning: the input
//! price), the endpoint URL of its worker's OpenAI-compatible API, a hardware description and
//! the most jobs it runs at once. [`Pallet::update_service`] changes prices, endpoint, hardware
//! and concurrency (for jobs submitted afterwards); [`Pallet::remove_service`] delists it once it
//! has no open job. Services are found by model and price through the runtime API
//! [`runtime_api::ComputeApi`].
//!
//! ## Ledgers
//!
//! Users pay from a ledger held by the pallet's escrow account:
//! - [`Pallet::deposit`] moves funds in;
//! - [`Pallet::allocate`] sets part of it aside for one provider's HTTP API, which meters
//!   requests against that allocation and claims what was used with [`Pallet::settle_usage`];
//! - [`Pallet::request_refund`] takes funds out of the ledger (or an allocation) and locks them
//!   for [`Config::RefundLock`] blocks, during which a provider can still settle usage from a
//!   refunded allocation; [`Pallet::withdraw`] pays them out after the lock.
//!
//! ## Jobs
//!
//! 1. **Submit.** [`Pallet::submit_job`] names a service, the input (inline, up to
//!    [`Config::MaxInputLen`] bytes, or a file in 0G Storage by its root), the most output
//!    tokens and the most the user will pay. The max fee moves from the user's ledger into the
//!    job. The service's prices are fixed in the job.
//! 2. **Answer.** The provider's offchain worker runs the job on its local worker and calls
//!    [`Pallet::submit_result`] with the output hash ([`zg_primitives::compute::output_hash`]),
//!    the output root when it stored the output, and the token usage. The fee is
//!    `usage × prices` ([`zg_primitives::compute::usage_fee`]) capped by the max fee; the rest
//!    goes back to the ledger at once. A job not answered within [`Config::JobTimeout`] blocks
//!    is refunded in full, counts against the provider ([`ProviderStats`]) and slashes
//!    [`Config::MissedJobSlash`] of its role bond.
//! 3. **Settle.** [`Config::ChallengeWindow`] blocks after the answer the fee is paid to the
//!    provider, unless the result was challenged.
//!
//! ## Disputes
//!
//! Within the window anyone but the provider may [`Pallet::challenge`] a result with a deposit
//! of [`Config::DisputeDeposit`]. The pallet draws, with the parent block's BABE randomness, up
//! to [`Config::VerifiersPerDispute`] verifiers among the other eligible providers that serve
//! the same model (same content root). Their offchain workers re-run the job deterministically
//! and [`Pallet::vote`] with the output hash they got. When every verifier has voted, or after
//! [`Config::DisputePeriod`] blocks, the dispute is decided by the votes cast:
//! - more votes against the provider's hash than for it: the provider's role bond is slashed by
//!   [`Config::WrongResultSlash`] (the challenger gets the reporter's share through staking),
//!   the user's fee is refunded to its ledger and the challenger's deposit returned;
//! - otherwise, with at least one vote: the result stands, the provider is paid and also gets
//!   the challenger's deposit;
//! - no vote at all: the result stands and the deposit is returned.
//!
//! ## Money
//!
//! Every ledger, allocation, pending refund, job escrow and dispute deposit is held by the
//! escrow account ([`Pallet::escrow_account`]). [`EscrowTotal`] is their sum; `try_state`
//! checks that it equals the sum over the storage items and is covered by the escrow account's
//! balance above its existential deposit.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;
pub use zg_primitives::compute::ServiceKind;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
mod offchain;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::Preservation,
		Randomness,
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
use zg_primitives::{
	compute::usage_fee,
	staking::{Role, RoleStaking, SlashReason},
	Balance,
};

/// How many later blocks a deadline may move to when its own block's queue is full.
pub const DEADLINE_SLACK: u32 = 16;

/// The most services [`runtime_api::ComputeApi::services`] returns.
pub const MAX_QUERY: u32 = 100;

/// Identifies a service.
pub type ServiceId = u64;
/// Identifies a job.
pub type JobId = u64;

/// A listed service.
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
pub struct Service<T: Config> {
	/// The provider that runs it.
	pub provider: T::AccountId,
	/// What it sells.
	pub kind: ServiceKind,
	/// The model identifier, e.g. `zg-tiny-gpt` (as the worker's `/v1/models` lists it).
	pub model: BoundedVec<u8, T::MaxModelLen>,
	/// The content root of the model's weights: services with the same root serve the same
	/// model and verify each other's results.
	pub model_root: H256,
	/// Plancks per input token (per job for fine-tuning).
	pub input_price: Balance,
	/// Plancks per output token (unused for fine-tuning).
	pub output_price: Balance,
	/// Base URL of the provider's OpenAI-compatible API.
	pub endpoint: BoundedVec<u8, T::MaxUrlLen>,
	/// Free-form hardware description (GPU model, memory).
	pub hardware: BoundedVec<u8, T::MaxUrlLen>,
	/// The most open jobs at once.
	pub max_concurrency: u32,
	/// Open (unanswered) jobs.
	pub active_jobs: u32,
}

/// The input of a job.
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
pub enum JobInput<T: Config> {
	/// The prompt itself (UTF-8).
	Inline(BoundedVec<u8, T::MaxInputLen>),
	/// A file in 0G Storage, by its root.
	Stored(H256),
}

/// What a provider reported for a job.
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
pub struct JobResult {
	/// [`zg_primitives::compute::output_hash`] of the output.
	pub output_hash: H256,
	/// Root of the output in 0G Storage, when stored.
	pub output_root: Option<H256>,
	/// Input tokens used.
	pub input_tokens: u32,
	/// Output tokens generated.
	pub output_tokens: u32,
	/// The fee charged: usage × prices, capped by the max fee.
	pub fee: Balance,
}

/// Where a job is in its life.
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
pub enum JobStatus {
	/// Waiting for the provider's result.
	Pending,
	/// Answered; paid at `due` unless challenged.
	Answered,
	/// Challenged; decided by the verifiers' votes.
	Disputed,
}

/// A job.
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
pub struct Job<T: Config> {
	/// The service it was submitted to.
	pub service: ServiceId,
	/// Who submitted it and pays for it.
	pub user: T::AccountId,
	/// The service's provider.
	pub provider: T::AccountId,
	/// The service's kind, model, model root and prices when the job was submitted.
	pub kind: ServiceKind,
	/// See [`Service::model`]: what the provider's worker runs.
	pub model: BoundedVec<u8, T::MaxModelLen>,
	/// See [`Service::model_root`].
	pub model_root: H256,
	/// See [`Service::input_price`].
	pub input_price: Balance,
	/// See [`Service::output_price`].
	pub output_price: Balance,
	/// The input.
	pub input: JobInput<T>,
	/// The most output tokens.
	pub max_tokens: u32,
	/// The most the user pays.
	pub max_fee: Balance,
	/// What the job holds in escrow: the max fee until answered, then the fee.
	pub held: Balance,
	/// The block in which it was submitted.
	pub submitted_at: BlockNumberFor<T>,
	/// The block of the next deadline: answer by (pending), settlement (answered) or decision
	/// (disputed).
	pub due: BlockNumberFor<T>,
	/// Where it is.
	pub status: JobStatus,
	/// The provider's result, once answered.
	pub result: Option<JobResult>,
}

/// A challenged result.
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
pub struct Dispute<T: Config> {
	/// Who challenged.
	pub challenger: T::AccountId,
	/// The challenger's deposit, held in escrow.
	pub deposit: Balance,
	/// The verifiers drawn.
	pub verifiers: BoundedVec<T::AccountId, T::VerifiersPerDispute>,
	/// What they got re-running the job, in the order of `verifiers` (`None`: not yet).
	pub votes: BoundedVec<Option<Vote>, T::VerifiersPerDispute>,
}

/// What a verifier got when it re-ran a disputed job: the output hash and the usage. A vote
/// agrees with the provider only if all three match, so over-reported tokens lose a dispute as
/// a wrong output does.
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
pub struct Vote {
	/// [`zg_primitives::compute::output_hash`] of the output.
	pub output_hash: H256,
	/// Input tokens.
	pub input_tokens: u32,
	/// Output tokens.
	pub output_tokens: u32,
}

/// A user's funds with the pallet, outside allocations and jobs.
#[derive(
	Clone,
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
pub struct Ledger {
	/// Available for jobs, allocations and refunds.
	pub free: Balance,
}

/// Funds on their way out of a ledger.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct PendingRefund<AccountId, BlockNumber> {
	/// How much.
	pub amount: Balance,
	/// The provider whose allocation it came from (it may still settle usage from it until the
	/// lock ends), or `None` for the free ledger.
	pub from: Option<AccountId>,
	/// The first block in which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// A provider's record.
#[derive(
	Clone,
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
pub struct ProviderStats {
	/// Jobs settled.
	pub completed: u32,
	/// Jobs not answered in time.
	pub missed: u32,
	/// Disputes lost.
	pub disputes_lost: u32,
	/// Disputes won.
	pub disputes_won: u32,
}

/// How a dispute ended.
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
pub enum Verdict {
	/// Most votes matched the provider's output: the result stands, the deposit goes to the
	/// provider.
	Upheld,
	/// Most votes did not match: the provider is slashed, the user refunded.
	Overturned,
	/// Nobody voted: the result stands, the deposit is returned.
	NoQuorum,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The provider keys (`zgsp`) that the offchain worker signs results and votes with.
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// The native currency.
		type Currency: Inspect<Self::AccountId, Balance = Balance> + Mutate<Self::AccountId>;
		/// The staking pallet: provider eligibility and slashing of their role bonds.
		type Staking: RoleStaking<Self::AccountId, Balance>;
		/// Randomness for drawing verifiers (BABE's VRF output in the runtime).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// Derives the escrow account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Longest model identifier.
		#[pallet::constant]
		type MaxModelLen: Get<u32>;
		/// Longest endpoint URL and hardware description.
		#[pallet::constant]
		type MaxUrlLen: Get<u32>;
		/// Largest inline job input in bytes.
		#[pallet::constant]
		type MaxInputLen: Get<u32>;
		/// Most output tokens a job may ask for.
		#[pallet::constant]
		type MaxTokens: Get<u32>;
		/// Most services one provider lists.
		#[pallet::constant]
		type MaxServicesPerProvider: Get<u32>;
		/// Most services of one model (content root): the pool verifiers are drawn from.
		#[pallet::constant]
		type MaxServicesPerModel: Get<u32>;
		/// Most open jobs one service may take at once. The offchain worker answers one job per
		/// provider account and block, so this should stay well below [`Config::JobTimeout`].
		#[pallet::constant]
		type MaxConcurrency: Get<u32>;
		/// Blocks a provider has to answer a job.
		#[pallet::constant]
		type JobTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks after an answer during which it can be challenged; then it is paid.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Blocks the verifiers have to vote.
		#[pallet::constant]
		type DisputePeriod: Get<BlockNumberFor<Self>>;
		/// Blocks a refund stays locked.
		#[pallet::constant]
		type RefundLock: Get<BlockNumberFor<Self>>;
		/// The deposit of a challenger.
		#[pallet::constant]
		type DisputeDeposit: Get<Balance>;
		/// Verifiers drawn per dispute.
		#[pallet::constant]
		type VerifiersPerDispute: Get<u32>;
		/// Part of the role bond slashed for a job not answered in time.
		#[pallet::constant]
		type MissedJobSlash: Get<Perbill>;
		/// Part of the role bond slashed for a result that lost a dispute.
		#[pallet::constant]
		type WrongResultSlash: Get<Perbill>;
		/// Most deadlines in one block.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;
		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The id of the next service.
	#[pallet::storage]
	pub type NextServiceId<T: Config> = StorageValue<_, ServiceId, ValueQuery>;

	/// Listed services.
	#[pallet::storage]
	pub type Services<T: Config> = StorageMap<_, Twox64Concat, ServiceId, Service<T>>;

	/// The services of each provider.
	#[pallet::storage]
	pub type ProviderServices<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ServiceId, T::MaxServicesPerProvider>,
		ValueQuery,
	>;

	/// The services of each model, by the model's content root.
	#[pallet::storage]
	pub type ModelServices<T: Config> =
		StorageMap<_, Identity, H256, BoundedVec<ServiceId, T::MaxServicesPerModel>, ValueQuery>;

	/// Users' ledgers.
	#[pallet::storage]
	pub type Ledgers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Ledger>;

	/// Allocations: `(user, provider) → amount` the provider may meter API use against.
	#[pallet::storage]
	pub type Allocations<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		Balance,
		ValueQuery,
	>;

	/// Refunds waiting for their lock to end, one per user.
	#[pallet::storage]
	pub type Refunds<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		PendingRefund<T::AccountId, BlockNumberFor<T>>,
	>;

	/// The id of the next job.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Open jobs (removed when settled, refunded or decided).
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, Job<T>>;

	/// Pending jobs of each provider: what its offchain worker has to answer.
	#[pallet::storage]
	pub type ProviderJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// Open disputes.
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageMap<_, Twox64Concat, JobId, Dispute<T>>;

	/// Votes each verifier still owes: what its offchain worker has to re-run.
	#[pallet::storage]
	pub type VerifierDuties<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// Each provider's record.
	#[pallet::storage]
	pub type Stats<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProviderStats, ValueQuery>;

	/// Jobs with a deadline in each block.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// Everything the escrow account holds for ledgers, allocations, refunds, jobs and
	/// disputes.
	#[pallet::storage]
	pub type EscrowTotal<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Genesis: endows the escrow account with the existential deposit.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::endow_escrow();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A service was listed.
		ServiceRegistered { id: ServiceId, provider: T::AccountId, model: Vec<u8> },
		/// A service's terms changed.
		ServiceUpdated { id: ServiceId },
		/// A service was delisted.
		ServiceRemoved { id: ServiceId },
		/// Funds moved into a ledger.
		Deposited { who: T::AccountId, amount: Balance },
		/// Ledger funds were set aside for a provider's API.
		Allocated { who: T::AccountId, provider: T::AccountId, amount: Balance },
		/// Funds left a ledger or allocation and are locked until `unlock_at`.
		RefundRequested {
			who: T::AccountId,
			from: Option<T::AccountId>,
			amount: Balance,
			unlock_at: BlockNumberFor<T>,
		},
		/// A refund was paid out.
		Withdrawn { who: T::AccountId, amount: Balance },
		/// A provider was paid for metered API use.
		UsageSettled { user: T::AccountId, provider: T::AccountId, amount: Balance },
		/// A job was submitted; `max_fee` moved from the ledger into escrow.
		JobSubmitted {
			job: JobId,
			service: ServiceId,
			user: T::AccountId,
			provider: T::AccountId,
			max_fee: Balance,
		},
		/// The provider answered; `refunded` went back to the ledger.
		JobAnswered {
			job: JobId,
			output_hash: H256,
			input_tokens: u32,
			output_tokens: u32,
			fee: Balance,
			refunded: Balance,
		},
		/// The challenge window passed: the provider was paid.
		JobSettled { job: JobId, provider: T::AccountId, fee: Balance },
		/// The provider did not answer in time: the user was refunded and the provider slashed.
		JobExpired { job: JobId, provider: T::AccountId, refunded: Balance, slashed: Balance },
		/// A result was challenged and verifiers were drawn.
		JobChallenged { job: JobId, challenger: T::AccountId, verifiers: Vec<T::AccountId> },
		/// A verifier voted.
		Voted {
			job: JobId,
			verifier: T::AccountId,
			output_hash: H256,
			input_tokens: u32,
			output_tokens: u32,
		},
		/// A dispute was decided.
		DisputeResolved {
			job: JobId,
			verdict: Verdict,
			votes_for: u32,
			votes_against: u32,
			slashed: Balance,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller has no active `ComputeProvider` role bond.
		NotEligible,
		/// The model identifier is empty or too long.
		BadModel,
		/// The endpoint or hardware description is too long.
		TooLong,
		/// `max_concurrency` must be at least 1 and at most [`Config::MaxConcurrency`].
		BadConcurrency,
		/// The provider lists the most services it may.
		TooManyServices,
		/// The model has the most services it may.
		TooManyModelServices,
		/// No service with this id.
		UnknownService,
		/// The service belongs to another provider.
		NotServiceOwner,
		/// The service has open jobs.
		ServiceHasJobs,
		/// The service runs as many jobs as it may; try later or another service.
		ServiceBusy,
		/// The service's provider is no longer eligible.
		ProviderNotEligible,
		/// Amounts must not be zero.
		ZeroAmount,
		/// The ledger does not hold enough.
		LedgerTooLow,
		/// The allocation does not hold enough.
		AllocationTooLow,
		/// The account lists no service.
		NotAProvider,
		/// A refund from another source is pending: withdraw it first.
		RefundPending,
		/// No refund is pending.
		NoRefund,
		/// The refund is still locked.
		RefundLocked,
		/// The inline input is too long.
		InputTooLong,
		/// `max_tokens` is zero or above the limit.
		BadMaxTokens,
		/// The max fee cannot pay for `max_tokens` at the service's prices.
		FeeBelowUsage,
		/// No job with this id.
		UnknownJob,
		/// Only the job's provider can answer it.
		NotJobProvider,
		/// The job was already answered.
		AlreadyAnswered,
		/// More output tokens than the job allowed.
		TooManyTokens,
		/// The job has not been answered yet.
		NotAnswered,
		/// The job is already disputed.
		AlreadyDisputed,
		/// The challenge window has closed.
		WindowClosed,
		/// A provider cannot challenge its own result.
		OwnResult,
		/// No other provider serves this model: nobody could verify.
		NoVerifiers,
		/// The job is not disputed.
		NoDispute,
		/// The caller is not a verifier of this dispute.
		NotVerifier,
		/// The verifier already voted.
		AlreadyVoted,
		/// Every block in reach already has the most deadlines.
		DeadlinesFull,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			Self::process_deadlines(n)
		}

		fn offchain_worker(n: BlockNumberFor<T>) {
			Self::offchain_duties(n);
		}

		fn integrity_test() {
			assert!(T::MaxModelLen::get() > 0, "models need a name");
			assert!(T::MaxTokens::get() > 0, "jobs need tokens");
			assert!(T::VerifiersPerDispute::get() > 0, "disputes need verifiers");
			assert!(T::MaxConcurrency::get() > 0, "services need to take jobs");
			assert!(T::MaxDeadlinesPerBlock::get() > 0, "deadline queues need room");
			assert!(!T::JobTimeout::get().is_zero(), "jobs need time to be answered");
			assert!(!T::ChallengeWindow::get().is_zero(), "results need a challenge window");
			assert!(!T::DisputePeriod::get().is_zero(), "verifiers need time to vote");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Lists a service of the caller, which must hold an active `ComputeProvider` role bond.
		///
		/// - `kind`: inference, fine-tuning or agent.
		/// - `model`: the model identifier (1 to [`Config::MaxModelLen`] bytes).
		/// - `model_root`: the content root of the weights; services with the same root verify
		///   each other.
		/// - `input_price`, `output_price`: plancks per token (fine-tuning: `input_price` per
		///   job).
		/// - `endpoint`, `hardware`: the worker's API URL and a hardware description.
		/// - `max_concurrency`: the most open jobs at once (1 to [`Config::MaxConcurrency`]).
		///
		/// Emits [`Event::ServiceRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_service())]
		pub fn register_service(
			origin: OriginFor<T>,
			kind: ServiceKind,
			model: Vec<u8>,
			model_root: H256,
			input_price: Balance,
			output_price: Balance,
			endpoint: Vec<u8>,
			hardware: Vec<u8>,
			max_concurrency: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(T::Staking::is_eligible(&who, Role::ComputeProvider), Error::<T>::NotEligible);
			ensure!(!model.is_empty(), Error::<T>::BadModel);
			let model: BoundedVec<u8, T::MaxModelLen> =
				model.try_into().map_err(|_| Error::<T>::BadModel)?;
			let endpoint: BoundedVec<u8, T::MaxUrlLen> =
				endpoint.try_into().map_err(|_| Error::<T>::TooLong)?;
			let hardware: BoundedVec<u8, T::MaxUrlLen> =
				hardware.try_into().map_err(|_| Error::<T>::TooLong)?;
			ensure!(
				max_concurrency > 0 && max_concurrency <= T::MaxConcurrency::get(),
				Error::<T>::BadConcurrency
			);
			let id = NextServiceId::<T>::get();
			let mut mine = ProviderServices::<T>::get(&who);
			mine.try_push(id).map_err(|_| Error::<T>::TooManyServices)?;
			let mut same_model = ModelServices::<T>::get(model_root);
			same_model.try_push(id).map_err(|_| Error::<T>::TooManyModelServices)?;
			ProviderServices::<T>::insert(&who, mine);
			ModelServices::<T>::insert(model_root, same_model);
			NextServiceId::<T>::put(id.saturating_add(1));
			Services::<T>::insert(
				id,
				Service {
					provider: who.clone(),
					kind,
					model: model.clone(),
					model_root,
					input_price,
					output_price,
					endpoint,
					hardware,
					max_concurrency,
					active_jobs: 0,
				},
			);
			Self::deposit_event(Event::ServiceRegistered {
				id,
				provider: who,
				model: model.into(),
			});
			Ok(())
		}

		/// Changes the prices, endpoint, hardware and concurrency of the caller's service `id`.
		/// Jobs already submitted keep the prices they were submitted at.
		///
		/// Emits [`Event::ServiceUpdated`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_service())]
		pub fn update_service(
			origin: OriginFor<T>,
			id: ServiceId,
			input_price: Balance,
			output_price: Balance,
			endpoint: Vec<u8>,
			hardware: Vec<u8>,
			max_concurrency: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut service = Services::<T>::get(id).ok_or(Error::<T>::UnknownService)?;
			ensure!(service.provider == who, Error::<T>::NotServiceOwner);
			ensure!(
				max_concurrency > 0 && max_concurrency <= T::MaxConcurrency::get(),
				Error::<T>::BadConcurrency
			);
			service.endpoint = endpoint.try_into().map_err(|_| Error::<T>::TooLong)?;
			service.hardware = hardware.try_into().map_err(|_| Error::<T>::TooLong)?;
			service.input_price = input_price;
			service.output_price = output_price;
			service.max_concurrency = max_concurrency;
			Services::<T>::insert(id, service);
			Self::deposit_event(Event::ServiceUpdated { id });
			Ok(())
		}

		/// Delists the caller's service `id`, which must have no open job.
		///
		/// Emits [`Event::ServiceRemoved`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_service())]
		pub fn remove_service(origin: OriginFor<T>, id: ServiceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let service = Services::<T>::get(id).ok_or(Error::<T>::UnknownService)?;
			ensure!(service.provider == who, Error::<T>::NotServiceOwner);
			ensure!(service.active_jobs == 0, Error::<T>::ServiceHasJobs);
			ProviderServices::<T>::mutate(&who, |ids| ids.retain(|s| *s != id));
			ModelServices::<T>::mutate(service.model_root, |ids| ids.retain(|s| *s != id));
			Services::<T>::remove(id);
			Self::deposit_event(Event::ServiceRemoved { id });
			Ok(())
		}

		/// Moves `amount` from the caller's account into its ledger (the caller keeps its
		/// existential deposit).
		///
		/// Emits [`Event::Deposited`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::deposit())]
		pub fn deposit(origin: OriginFor<T>, amount: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			T::Currency::transfer(&who, &Self::escrow_account(), amount, Preservation::Preserve)?;
			Ledgers::<T>::mutate(&who, |l| {
				let l = l.get_or_insert_with(Ledger::default);
				l.free = l.free.saturating_add(amount);
			});
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(amount));
			Self::deposit_event(Event::Deposited { who, amount });
			Ok(())
		}

		/// Sets `amount` of the caller's ledger aside for `provider`'s API: the provider's
		/// worker meters the caller's requests against it and claims what was used with
		/// [`Pallet::settle_usage`]. `provider` must list a service.
		///
		/// Emits [`Event::Allocated`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::allocate())]
		pub fn allocate(
			origin: OriginFor<T>,
			provider: T::AccountId,
			amount: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			ensure!(!ProviderServices::<T>::get(&provider).is_empty(), Error::<T>::NotAProvider);
			Self::take_from_ledger(&who, amount)?;
			Allocations::<T>::mutate(&who, &provider, |a| *a = a.saturating_add(amount));
			Self::deposit_event(Event::Allocated { who, provider, amount });
			Ok(())
		}

		/// Takes `amount` out of the caller's free ledger (`provider` = `None`) or out of its
		/// allocation to `provider`, locked for [`Config::RefundLock`] blocks; then
		/// [`Pallet::withdraw`] pays it out. While locked, a refunded allocation can still be
		/// claimed by its provider for usage before the request. A second request adds to the
		/// pending refund (restarting the lock) when it has the same source.
		///
		/// Emits [`Event::RefundRequested`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::request_refund())]
		pub fn request_refund(
			origin: OriginFor<T>,
			provider: Option<T::AccountId>,
			amount: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let pending = Refunds::<T>::get(&who);
			if let Some(p) = &pending {
				ensure!(p.from == provider, Error::<T>::RefundPending);
			}
			match &provider {
				None => Self::take_from_ledger(&who, amount)?,
				Some(p) => {
					let left = Allocations::<T>::get(&who, p)
						.checked_sub(amount)
						.ok_or(Error::<T>::AllocationTooLow)?;
					if left.is_zero() {
						Allocations::<T>::remove(&who, p);
					} else {
						Allocations::<T>::insert(&who, p, left);
					}
				},
			}
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::RefundLock::get());
			let total = pending.map_or(amount, |p| p.amount.saturating_add(amount));
			Refunds::<T>::insert(
				&who,
				PendingRefund { amount: total, from: provider.clone(), unlock_at },
			);
			Self::deposit_event(Event::RefundRequested { who, from: provider, amount, unlock_at });
			Ok(())
		}

		/// Pays the caller's pending refund out once its lock has ended.
		///
		/// Emits [`Event::Withdrawn`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let refund = Refunds::<T>::get(&who).ok_or(Error::<T>::NoRefund)?;
			ensure!(
				frame_system::Pallet::<T>::block_number() >= refund.unlock_at,
				Error::<T>::RefundLocked
			);
			T::Currency::transfer(
				&Self::escrow_account(),
				&who,
				refund.amount,
				Preservation::Preserve,
			)?;
			Refunds::<T>::remove(&who);
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(refund.amount));
			Self::deposit_event(Event::Withdrawn { who, amount: refund.amount });
			Ok(())
		}

		/// The caller (a provider) claims `amount` for API use by `user`, from `user`'s
		/// allocation to it and then from a pending refund of that allocation.
		///
		/// Emits [`Event::UsageSettled`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::settle_usage())]
		pub fn settle_usage(
			origin: OriginFor<T>,
			user: T::AccountId,
			amount: Balance,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let allocated = Allocations::<T>::get(&user, &provider);
			let refund = Refunds::<T>::get(&user).filter(|r| r.from.as_ref() == Some(&provider));
			let refunding = refund.as_ref().map_or(0, |r| r.amount);
			ensure!(allocated.saturating_add(refunding) >= amount, Error::<T>::AllocationTooLow);
			T::Currency::transfer(
				&Self::escrow_account(),
				&provider,
				amount,
				Preservation::Preserve,
			)?;
			let from_allocation = allocated.min(amount);
			let from_refund = amount.saturating_sub(from_allocation);
			if allocated == from_allocation {
				Allocations::<T>::remove(&user, &provider);
			} else {
				Allocations::<T>::insert(
					&user,
					&provider,
					allocated.saturating_sub(from_allocation),
				);
			}
			if let Some(mut r) = refund.filter(|_| from_refund > 0) {
				r.amount = r.amount.saturating_sub(from_refund);
				if r.amount.is_zero() {
					Refunds::<T>::remove(&user);
				} else {
					Refunds::<T>::insert(&user, r);
				}
			}
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount));
			Self::deposit_event(Event::UsageSettled { user, provider, amount });
			Ok(())
		}

		/// Submits a job to service `service`: `input` inline (at most [`Config::MaxInputLen`]
		/// bytes) or by a 0G Storage root, at most `max_tokens` output tokens, paying at most
		/// `max_fee`, which must cover `max_tokens` at the service's output price (fine-tuning:
		/// its job price). `max_fee` moves from the caller's ledger into the job.
		///
		/// Emits [`Event::JobSubmitted`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::submit_job(match input {
			JobInput::Inline(ref bytes) => bytes.len() as u32,
			JobInput::Stored(_) => 0,
		}))]
		pub fn submit_job(
			origin: OriginFor<T>,
			service: ServiceId,
			input: JobInput<T>,
			max_tokens: u32,
			max_fee: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut s = Services::<T>::get(service).ok_or(Error::<T>::UnknownService)?;
			ensure!(
				T::Staking::is_eligible(&s.provider, Role::ComputeProvider),
				Error::<T>::ProviderNotEligible
			);
			ensure!(max_tokens > 0 && max_tokens <= T::MaxTokens::get(), Error::<T>::BadMaxTokens);
			let least =
				usage_fee(s.kind, s.input_price, s.output_price, 0, max_tokens, Balance::MAX);
			ensure!(max_fee >= least, Error::<T>::FeeBelowUsage);
			ensure!(s.active_jobs < s.max_concurrency, Error::<T>::ServiceBusy);
			Self::take_from_ledger(&who, max_fee)?;
			let now = frame_system::Pallet::<T>::block_number();
			let id = NextJobId::<T>::get();
			let due = Self::schedule(now.saturating_add(T::JobTimeout::get()), id)?;
			NextJobId::<T>::put(id.saturating_add(1));
			s.active_jobs = s.active_jobs.saturating_add(1);
			let provider = s.provider.clone();
			Jobs::<T>::insert(
				id,
				Job {
					service,
					user: who.clone(),
					provider: provider.clone(),
					kind: s.kind,
					model: s.model.clone(),
					model_root: s.model_root,
					input_price: s.input_price,
					output_price: s.output_price,
					input,
					max_tokens,
					max_fee,
					held: max_fee,
					submitted_at: now,
					due,
					status: JobStatus::Pending,
					result: None,
				},
			);
			Services::<T>::insert(service, s);
			ProviderJobs::<T>::insert(&provider, id, ());
			Self::deposit_event(Event::JobSubmitted {
				job: id,
				service,
				user: who,
				provider,
				max_fee,
			});
			Ok(())
		}

		/// The job's provider reports its result: the output hash, the output's 0G Storage root
		/// when stored, and the tokens used. The fee (usage × the job's prices, capped by its max
		/// fee) stays in escrow for [`Config::ChallengeWindow`] blocks; the rest of the max fee
		/// goes back to the user's ledger.
		///
		/// Emits [`Event::JobAnswered`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::submit_result())]
		pub fn submit_result(
			origin: OriginFor<T>,
			job: JobId,
			output_hash: H256,
			output_root: Option<H256>,
			input_tokens: u32,
			output_tokens: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(j.provider == who, Error::<T>::NotJobProvider);
			ensure!(j.status == JobStatus::Pending, Error::<T>::AlreadyAnswered);
			ensure!(output_tokens <= j.max_tokens, Error::<T>::TooManyTokens);
			let fee = usage_fee(
				j.kind,
				j.input_price,
				j.output_price,
				input_tokens,
				output_tokens,
				j.max_fee,
			);
			let now = frame_system::Pallet::<T>::block_number();
			Self::unschedule(j.due, job);
			let due = Self::schedule(now.saturating_add(T::ChallengeWindow::get()), job)?;
			let refunded = j.held.saturating_sub(fee);
			Self::credit_ledger(&j.user, refunded);
			j.held = fee;
			j.due = due;
			j.status = JobStatus::Answered;
			j.result =
				Some(JobResult { output_hash, output_root, input_tokens, output_tokens, fee });
			Self::release_slot(j.service);
			ProviderJobs::<T>::remove(&who, job);
			Jobs::<T>::insert(job, j);
			Self::deposit_event(Event::JobAnswered {
				job,
				output_hash,
				input_tokens,
				output_tokens,
				fee,
				refunded,
			});
			Ok(())
		}

		/// Challenges the result of `job` within its challenge window, with a deposit of
		/// [`Config::DisputeDeposit`]. Verifiers are drawn among the other eligible providers of
		/// the same model; there must be at least one.
		///
		/// Emits [`Event::JobChallenged`].
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::challenge(T::MaxServicesPerModel::get()))]
		pub fn challenge(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			match j.status {
				JobStatus::Pending => return Err(Error::<T>::NotAnswered.into()),
				JobStatus::Disputed => return Err(Error::<T>::AlreadyDisputed.into()),
				JobStatus::Answered => {},
			}
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now < j.due, Error::<T>::WindowClosed);
			ensure!(who != j.provider, Error::<T>::OwnResult);
			let verifiers = Self::draw_verifiers(job, j.model_root, &[&j.provider, &who, &j.user]);
			ensure!(!verifiers.is_empty(), Error::<T>::NoVerifiers);
			let deposit = T::DisputeDeposit::get();
			T::Currency::transfer(&who, &Self::escrow_account(), deposit, Preservation::Preserve)?;
			Self::unschedule(j.due, job);
			let due = Self::schedule(now.saturating_add(T::DisputePeriod::get()), job)?;
			EscrowTotal::<T>::mutate(|t| *t = t.saturating_add(deposit));
			for v in verifiers.iter() {
				VerifierDuties::<T>::insert(v, job, ());
			}
			let votes = BoundedVec::truncate_from(alloc::vec![None; verifiers.len()]);
			Disputes::<T>::insert(
				job,
				Dispute { challenger: who.clone(), deposit, verifiers: verifiers.clone(), votes },
			);
			j.status = JobStatus::Disputed;
			j.due = due;
			Jobs::<T>::insert(job, j);
			Self::deposit_event(Event::JobChallenged {
				job,
				challenger: who,
				verifiers: verifiers.into(),
			});
			Ok(())
		}

		/// A verifier of the dispute on `job` votes for the output hash and token usage its
		/// worker got when it re-ran the job. The last vote decides the dispute at once.
		///
		/// Emits [`Event::Voted`] (and [`Event::DisputeResolved`] with the last vote).
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::vote())]
		pub fn vote(
			origin: OriginFor<T>,
			job: JobId,
			output_hash: H256,
			input_tokens: u32,
			output_tokens: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NoDispute)?;
			let slot =
				dispute.verifiers.iter().position(|v| *v == who).ok_or(Error::<T>::NotVerifier)?;
			let vote = dispute.votes.get_mut(slot).ok_or(Error::<T>::NotVerifier)?;
			ensure!(vote.is_none(), Error::<T>::AlreadyVoted);
			*vote = Some(Vote { output_hash, input_tokens, output_tokens });
			VerifierDuties::<T>::remove(&who, job);
			Self::deposit_event(Event::Voted {
				job,
				verifier: who,
				output_hash,
				input_tokens,
				output_tokens,
			});
			if dispute.votes.iter().all(|v| v.is_some()) {
				let j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
				Self::unschedule(j.due, job);
				Self::resolve(job, j, dispute);
			} else {
				Disputes::<T>::insert(job, dispute);
			}
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account that holds ledgers, allocations, refunds, job escrows and deposits.
	pub fn escrow_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Gives the escrow account its existential deposit, so that it never dies when it pays
	/// out everything it holds.
	pub(crate) fn endow_escrow() {
		let account = Self::escrow_account();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < ed && T::Currency::mint_into(&account, ed).is_err() {
			frame_support::defensive!("cannot endow the compute escrow account");
		}
	}

	/// Services matching `model` (all when `None`) with prices at most the given ones, in id
	/// order, at most `limit` (capped at [`MAX_QUERY`]).
	pub fn find_services(
		model: Option<Vec<u8>>,
		max_input_price: Option<Balance>,
		max_output_price: Option<Balance>,
		limit: u32,
	) -> Vec<(ServiceId, Service<T>)> {
		let limit = limit.min(MAX_QUERY) as usize;
		let mut found: Vec<(ServiceId, Service<T>)> = Services::<T>::iter()
			.filter(|(_, s)| model.as_ref().map_or(true, |m| s.model.as_slice() == m.as_slice()))
			.filter(|(_, s)| max_input_price.map_or(true, |p| s.input_price <= p))
			.filter(|(_, s)| max_output_price.map_or(true, |p| s.output_price <= p))
			.collect();
		found.sort_by_key(|(id, _)| *id);
		found.truncate(limit);
		found
	}

	fn take_from_ledger(who: &T::AccountId, amount: Balance) -> DispatchResult {
		Ledgers::<T>::try_mutate_exists(who, |l| -> DispatchResult {
			let ledger = l.as_mut().ok_or(Error::<T>::LedgerTooLow)?;
			ledger.free = ledger.free.checked_sub(amount).ok_or(Error::<T>::LedgerTooLow)?;
			if ledger.free.is_zero() {
				*l = None;
			}
			Ok(())
		})
	}

	fn credit_ledger(who: &T::AccountId, amount: Balance) {
		if amount.is_zero() {
			return;
		}
		Ledgers::<T>::mutate(who, |l| {
			let l = l.get_or_insert_with(Ledger::default);
			l.free = l.free.saturating_add(amount);
		});
	}

	/// Pays `amount` out of escrow to `who`. Escrow always covers it (see `try_state`); should
	/// the transfer still fail (the recipient's account cannot receive it), the amount is
	/// credited to `who`'s ledger instead, from where it can be withdrawn.
	fn pay_out(who: &T::AccountId, amount: Balance) {
		if amount.is_zero() {
			return;
		}
		match T::Currency::transfer(&Self::escrow_account(), who, amount, Preservation::Preserve) {
			Ok(_) => EscrowTotal::<T>::mutate(|t| *t = t.saturating_sub(amount)),
			Err(e) => {
				log::warn!(target: "runtime::zg-compute", "paying {amount} failed ({e:?}); credited to the ledger");
				Self::credit_ledger(who, amount);
			},
		}
	}

	fn release_slot(service: ServiceId) {
		Services::<T>::mutate(service, |s| {
			if let Some(s) = s {
				s.active_jobs = s.active_jobs.saturating_sub(1);
			}
		});
	}

	/// Puts `job` in the deadline queue of block `at`, or of one of the next
	/// [`DEADLINE_SLACK`] blocks with room. Returns the block.
	fn schedule(at: BlockNumberFor<T>, job: JobId) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut block = at;
		for _ in 0..=DEADLINE_SLACK {
			if Deadlines::<T>::try_mutate(block, |q| q.try_push(job)).is_ok() {
				return Ok(block);
			}
			block = block.saturating_add(1u32.into());
		}
		Err(Error::<T>::DeadlinesFull)
	}

	fn unschedule(at: BlockNumberFor<T>, job: JobId) {
		Deadlines::<T>::mutate_exists(at, |q| {
			if let Some(queue) = q {
				queue.retain(|j| *j != job);
				if queue.is_empty() {
					*q = None;
				}
			}
		});
	}

	/// Expires unanswered jobs, settles answered ones and decides disputes due at `n`.
	fn process_deadlines(n: BlockNumberFor<T>) -> Weight {
		let queue = Deadlines::<T>::take(n);
		let mut weight = T::WeightInfo::on_deadline_empty();
		for job in queue {
			let Some(j) = Jobs::<T>::get(job) else { continue };
			if j.due != n {
				continue;
			}
			match j.status {
				JobStatus::Pending => {
					Self::expire(job, j);
					weight.saturating_accrue(
						T::WeightInfo::on_deadline_expire()
							.saturating_sub(T::WeightInfo::on_deadline_empty()),
					);
				},
				JobStatus::Answered => {
					Self::settle(job, j);
					weight.saturating_accrue(
						T::WeightInfo::on_deadline_settle()
							.saturating_sub(T::WeightInfo::on_deadline_empty()),
					);
				},
				JobStatus::Disputed => {
					match Disputes::<T>::get(job) {
						Some(dispute) => Self::resolve(job, j, dispute),
						None => {
							frame_support::defensive!("a disputed job has no dispute");
							Self::settle(job, j);
						},
					}
					weight.saturating_accrue(
						T::WeightInfo::on_deadline_resolve()
							.saturating_sub(T::WeightInfo::on_deadline_empty()),
					);
				},
			}
		}
		weight
	}

	fn expire(job: JobId, j: Job<T>) {
		Self::credit_ledger(&j.user, j.held);
		Self::release_slot(j.service);
		ProviderJobs::<T>::remove(&j.provider, job);
		Jobs::<T>::remove(job);
		Stats::<T>::mutate(&j.provider, |s| s.missed = s.missed.saturating_add(1));
		let slashed = T::Staking::slash_role(
			&j.provider,
			Role::ComputeProvider,
			T::MissedJobSlash::get(),
			SlashReason::MissedDeadline,
			None,
		);
		Self::deposit_event(Event::JobExpired {
			job,
			provider: j.provider,
			refunded: j.held,
			slashed,
		});
	}

	fn settle(job: JobId, j: Job<T>) {
		Self::pay_out(&j.provider, j.held);
		Jobs::<T>::remove(job);
		Stats::<T>::mutate(&j.provider, |s| s.completed = s.completed.saturating_add(1));
		Self::deposit_event(Event::JobSettled { job, provider: j.provider, fee: j.held });
	}

	fn resolve(job: JobId, j: Job<T>, dispute: Dispute<T>) {
		let claimed = j.result.map(|r| Vote {
			output_hash: r.output_hash,
			input_tokens: r.input_tokens,
			output_tokens: r.output_tokens,
		});
		let (mut votes_for, mut votes_against) = (0u32, 0u32);
		for (verifier, vote) in dispute.verifiers.iter().zip(dispute.votes.iter()) {
			VerifierDuties::<T>::remove(verifier, job);
			match vote {
				Some(vote) if Some(*vote) == claimed => votes_for = votes_for.saturating_add(1),
				Some(_) => votes_against = votes_against.saturating_add(1),
				None => {},
			}
		}
		let mut slashed = 0;
		let verdict = if votes_against > votes_for {
			slashed = T::Staking::slash_role(
				&j.provider,
				Role::ComputeProvider,
				T::WrongResultSlash::get(),
				SlashReason::WrongResult,
				Some(&dispute.challenger),
			);
			Self::credit_ledger(&j.user, j.held);
			Self::pay_out(&dispute.challenger, dispute.deposit);
			Stats::<T>::mutate(&j.provider, |s| {
				s.disputes_lost = s.disputes_lost.saturating_add(1)
			});
			Verdict::Overturned
		} else if votes_for > 0 {
			Self::pay_out(&j.provider, j.held.saturating_add(dispute.deposit));
			Stats::<T>::mutate(&j.provider, |s| {
				s.disputes_won = s.disputes_won.saturating_add(1);
				s.completed = s.completed.saturating_add(1);
			});
			Verdict::Upheld
		} else {
			Self::pay_out(&j.provider, j.held);
			Self::pay_out(&dispute.challenger, dispute.deposit);
			Stats::<T>::mutate(&j.provider, |s| s.completed = s.completed.saturating_add(1));
			Verdict::NoQuorum
		};
		Disputes::<T>::remove(job);
		Jobs::<T>::remove(job);
		Self::deposit_event(Event::DisputeResolved {
			job,
			verdict,
			votes_for,
			votes_against,
			slashed,
		});
	}

	/// Up to [`Config::VerifiersPerDispute`] distinct eligible providers serving `model_root`,
	/// other than the `excluded` accounts (the job's provider and user, the challenger), in an
	/// order drawn from the parent block's randomness mixed with the job id.
	pub(crate) fn draw_verifiers(
		job: JobId,
		model_root: H256,
		excluded: &[&T::AccountId],
	) -> BoundedVec<T::AccountId, T::VerifiersPerDispute> {
		let mut pool: Vec<T::AccountId> = Vec::new();
		for id in ModelServices::<T>::get(model_root) {
			let Some(s) = Services::<T>::get(id) else { continue };
			if excluded.contains(&&s.provider) || pool.contains(&s.provider) {
				continue;
			}
			if T::Staking::is_eligible(&s.provider, Role::ComputeProvider) {
				pool.push(s.provider);
			}
		}
		let (seed, _) = T::Randomness::random(&(b"zg/compute/verifiers", job).encode());
		let seed = sp_io::hashing::blake2_256(&seed.encode());
		// Fisher-Yates over the pool, each step with fresh bytes of the seed's hash chain.
		let mut state = seed;
		let len = pool.len();
		for i in 0..len.saturating_sub(1) {
			state = sp_io::hashing::blake2_256(&state);
			let r = u64::from_le_bytes([
				state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7],
			]);
			let span = (len - i) as u64;
			let j = i + (r % span) as usize;
			pool.swap(i, j);
		}
		pool.truncate(T::VerifiersPerDispute::get() as usize);
		BoundedVec::truncate_from(pool)
	}

	/// Checks the pallet's invariants: escrow equals the sum of ledgers, allocations, refunds,
	/// job escrows and dispute deposits, and the escrow account holds at least that; indexes
	/// agree with services and jobs.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut sum: Balance = 0;
		for (_, l) in Ledgers::<T>::iter() {
			ensure!(!l.free.is_zero(), "an empty ledger is kept");
			sum = sum.saturating_add(l.free);
		}
		for (_, _, a) in Allocations::<T>::iter() {
			sum = sum.saturating_add(a);
		}
		for (_, r) in Refunds::<T>::iter() {
			sum = sum.saturating_add(r.amount);
		}
		for (id, j) in Jobs::<T>::iter() {
			ensure!(j.held <= j.max_fee, "a job holds more than its max fee");
			ensure!(Deadlines::<T>::get(j.due).contains(&id), "an open job has no deadline");
			ensure!(
				ProviderJobs::<T>::contains_key(&j.provider, id)
					== (j.status == JobStatus::Pending),
				"provider job index out of step"
			);
			ensure!(
				Disputes::<T>::contains_key(id) == (j.status == JobStatus::Disputed),
				"dispute index out of step"
			);
			sum = sum.saturating_add(j.held);
		}
		for (_, d) in Disputes::<T>::iter() {
			sum = sum.saturating_add(d.deposit);
		}
		ensure!(sum == EscrowTotal::<T>::get(), "escrow total differs from the sum of its parts");
		let account = Self::escrow_account();
		let spendable =
			T::Currency::balance(&account).saturating_sub(T::Currency::minimum_balance());
		ensure!(spendable >= sum, "escrow account holds less than owed");
		for (id, s) in Services::<T>::iter() {
			ensure!(ProviderServices::<T>::get(&s.provider).contains(&id), "service not indexed");
			ensure!(ModelServices::<T>::get(s.model_root).contains(&id), "model not indexed");
			let open = Jobs::<T>::iter_values()
				.filter(|j| j.service == id && j.status == JobStatus::Pending)
				.count() as u32;
			ensure!(open == s.active_jobs, "active job count out of step");
		}
		Ok(())
	}
}
