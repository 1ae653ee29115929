//! # 0G Compute pallet
//!
//! A marketplace of AI services run by bonded providers: inference, fine-tuning and agents.
//! Users pay from a ledger; API use is charged only against what the user signed; jobs are
//! escrowed and settled after a challenge window; a disputed result of a verifiable service is
//! re-run by verifiers drawn from randomness nobody knew when the challenge was made, and
//! decided by a two-thirds majority of them.
//!
//! ## Services
//!
//! A provider with a `ComputeProvider` role bond in the staking pallet lists services with
//! [`Pallet::register_service`]: the kind ([`ServiceKind`]), the model identifier and the
//! content root of the model's weights, prices per input and output token (per job for
//! fine-tuning), the endpoint of its worker's OpenAI-compatible API, a hardware description,
//! the most jobs it runs at once and the most output tokens a job may ask for (what it can
//! answer within [`Config::JobTimeout`]), and whether the service is **verifiable** (run by the
//! deterministic engine, so that other providers of the same model root reproduce its outputs
//! bit for bit) or not (forwarded to an engine that is not reproducible: its results cannot be
//! challenged). A provider lists at most one service per model root. Services are found by
//! model through the runtime API [`runtime_api::ComputeApi`], a page at a time.
//!
//! ## Ledgers and consented API use
//!
//! - [`Pallet::deposit`] moves funds into the user's ledger; [`Pallet::allocate`] sets part of
//!   it aside for one provider's HTTP API;
//! - the user signs a [`SpendingCapability`] (provider, cap, expiry, genesis hash, nonce) and
//!   hands it to the provider's worker as its API key; the provider claims metered use with
//!   [`Pallet::settle_usage`], which checks the signature and never settles more than the cap
//!   under one capability, from the allocation (then from a refund of it while the refund's
//!   lock runs);
//! - [`Pallet::request_refund`] takes funds out of the ledger (or an allocation) for
//!   [`Config::RefundLock`] blocks; [`Pallet::withdraw`] pays them out after the lock.
//!
//! What remains to trust: a provider can charge up to the cap of a capability for use it did
//! not serve. The cap is the user's choice.
//!
//! ## Jobs
//!
//! 1. **Submit.** [`Pallet::submit_job`] names a service, the input (inline, up to
//!    [`Config::MaxInputLen`] bytes, or a file stored in 0G Storage, at most
//!    [`Config::MaxStoredInput`] bytes), the most output tokens and the most the user pays. The
//!    max fee must cover the most the job can cost (input tokens bounded by the input's bytes,
//!    [`zg_primitives::compute::input_token_bound`]), and moves from the ledger into the job; a
//!    non-refundable [`Config::JobSubmissionFee`] goes to the treasury.
//! 2. **Answer.** The provider's offchain worker runs the job on its local worker and reports
//!    [`Pallet::submit_results`] (batched): an output (hash and token usage) or a deterministic
//!    refusal ([`Refusal`]: input missing or too large, wrong kind of model, context too long),
//!    which is paid [`Config::RefusalFee`]. A job not answered within [`Config::JobTimeout`]
//!    blocks is refunded and slashes [`Config::MissedJobSlash`] of the provider's role bond.
//! 3. **Settle.** [`Config::ChallengeWindow`] blocks after the answer the fee is paid to the
//!    provider, unless the result was challenged.
//!
//! ## Disputes
//!
//! Within the window anyone but the provider may [`Pallet::challenge`] the result of a
//! verifiable service, depositing `max(MinDisputeDeposit, fee × DisputeDepositFactor)`. The
//! verifiers ([`Config::VerifiersPerDispute`]) are drawn a few blocks later from the beacon's
//! randomness among the other eligible providers of verifiable services of the same model
//! root. They re-run the job and vote ([`Pallet::submit_votes`]). With `n` verifiers drawn:
//!
//! - **Overturned** when at least `⌈2n/3⌉` of them agree on one result other than the
//!   provider's: the provider is slashed [`Config::WrongResultSlash`], the user refunded, the
//!   challenger's deposit returned; the slash's reporter share rewards the challenger and the
//!   majority verifiers ([`Config::VerifierShare`] of it, split among them);
//! - **Upheld** when at least `⌈2n/3⌉` agree with the provider: the provider is paid the fee,
//!   and the challenger's deposit goes to the majority verifiers ([`Config::VerifierShare`])
//!   and the provider (the rest);
//! - **Inconclusive** otherwise: the provider is paid, the deposit returned. Votes that a
//!   stored input is missing never overturn: the file was Finalized and outlived the job when
//!   it was submitted, so it can only be gone if it was ended early, which its owner can cause.
//!
//! A verifier that did not vote, or voted against a decisive majority, loses
//! [`Config::VerifierSlash`] of its role bond.
//!
//! Every deadline (answer, settlement, verifier draw, decision, end of a capability) is an
//! item of one deadline queue ([`zg_pallet_support::deadlines`]) worked off in
//! `on_initialize` within [`Config::DeadlineWeight`].
//!
//! ## Money
//!
//! Every ledger, allocation, pending refund, job escrow and dispute deposit is held by the
//! escrow account ([`Pallet::escrow_account`]). [`EscrowTotal`] is their sum; `try_state`
//! checks that it equals the sum over the storage items and is covered by the escrow account's
//! balance above its existential deposit, and that no capability was settled beyond its cap.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;
pub use zg_primitives::compute::{JobOutcome, Refusal, ServiceKind};

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
mod disputes;
mod invariants;
mod jobs;
mod ledger;
#[cfg(test)]
mod mock;
mod offchain;
pub mod runtime_api;
mod services;
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
	traits::{AccountIdConversion, IdentifyAccount, Saturating, Verify, Zero},
	Perbill,
};
use zg_pallet_support::deadlines::DeadlineQueue;
use zg_primitives::{
	compute::SpendingCapability,
	randomness::RandomnessBeacon,
	staking::{Role, RoleStaking},
	storage::FileRegistry,
	Balance,
};

/// The most services a page of [`runtime_api::ComputeApi::services`] returns.
pub const MAX_QUERY: u32 = 100;
/// The most services one page of [`runtime_api::ComputeApi::services`] looks at.
pub const MAX_SCAN: u32 = 1_000;

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
	/// The content root of the model's weights: verifiable services with the same root serve
	/// the same model and verify each other's results.
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
	/// The most output tokens a job may ask for: what the provider answers within the job
	/// timeout.
	pub max_tokens: u32,
	/// Whether its results are reproducible by other providers of the model (the
	/// deterministic engine) and so can be challenged.
	pub verifiable: bool,
	/// Open (unanswered) jobs.
	pub active_jobs: u32,
	/// Its position in the model's verifier pool ([`VerifierPool`]), if verifiable.
	pub pool_index: Option<u32>,
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
	/// A file stored in 0G Storage, by its root.
	Stored(H256),
}

/// A provider's report on one job, as [`Pallet::submit_results`] takes it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct JobReport {
	/// The job.
	pub job: JobId,
	/// Its output (hash and usage) or the engine's refusal.
	pub outcome: JobOutcome,
	/// The root of the output in 0G Storage, when the worker stored it.
	pub output_root: Option<H256>,
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
	/// The output's commitment and usage, or the refusal.
	pub outcome: JobOutcome,
	/// Root of the output in 0G Storage, when stored.
	pub output_root: Option<H256>,
	/// The fee charged: usage × prices capped by the max fee, or the refusal fee.
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
	/// Challenged; verifiers are drawn at `due`, then decide by `due`.
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
	/// The service's kind when the job was submitted.
	pub kind: ServiceKind,
	/// See [`Service::model`]: what the provider's worker runs.
	pub model: BoundedVec<u8, T::MaxModelLen>,
	/// See [`Service::model_root`].
	pub model_root: H256,
	/// See [`Service::input_price`].
	pub input_price: Balance,
	/// See [`Service::output_price`].
	pub output_price: Balance,
	/// See [`Service::verifiable`]: whether the result can be challenged.
	pub verifiable: bool,
	/// The input.
	pub input: JobInput<T>,
	/// The most input tokens the input can make.
	pub input_bound: u32,
	/// The most output tokens.
	pub max_tokens: u32,
	/// The most the user pays.
	pub max_fee: Balance,
	/// What the job holds in escrow: the max fee until answered, then the fee.
	pub held: Balance,
	/// The block in which it was submitted.
	pub submitted_at: BlockNumberFor<T>,
	/// The block of the next deadline: answer by (pending), settlement (answered), verifier
	/// draw then decision (disputed).
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
	/// The block of the challenge: verifiers are drawn from the beacon's seed after it.
	pub challenged_at: BlockNumberFor<T>,
	/// The verifiers drawn (empty until the draw).
	pub verifiers: BoundedVec<T::AccountId, T::VerifiersPerDispute>,
	/// What they got re-running the job, in the order of `verifiers` (`None`: not yet).
	pub votes: BoundedVec<Option<JobOutcome>, T::VerifiersPerDispute>,
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

/// What has been settled under one spending capability.
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
pub struct CapabilityUse<BlockNumber> {
	/// The capability's cap.
	pub cap: Balance,
	/// Settled so far: never more than the cap.
	pub settled: Balance,
	/// The capability's expiry: the record is dropped then (it can no longer be settled).
	pub expires_at: BlockNumber,
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
	/// Votes owed and not cast, or cast against a decisive majority.
	pub verifier_faults: u32,
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
	/// Two thirds of the verifiers agreed with the provider: the result stands, the deposit
	/// pays the verifiers and the provider.
	Upheld,
	/// Two thirds of the verifiers agreed on another result: the provider is slashed, the
	/// user refunded.
	Overturned,
	/// No two-thirds agreement: the result stands, the deposit is returned.
	Inconclusive,
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
		/// The provider keys (`zgsp`) that the offchain worker signs results and votes with.
		type AuthorityId: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// The signature of spending capabilities: the chain's account signatures.
		type CapabilitySignature: Parameter
			+ DecodeWithMemTracking
			+ Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>;
		/// The native currency.
		type Currency: Inspect<Self::AccountId, Balance = Balance> + Mutate<Self::AccountId>;
		/// The staking pallet: provider eligibility and slashing of their role bonds.
		type Staking: RoleStaking<Self::AccountId, Balance>;
		/// Randomness that did not exist when a dispute was raised: the verifier draw.
		type Beacon: RandomnessBeacon<BlockNumberFor<Self>>;
		/// 0G Storage: whether a job's stored input is stored, its size and its expiry.
		type Files: FileRegistry<BlockNumberFor<Self>>;
		/// Receives the submission fees.
		type Treasury: Get<Self::AccountId>;
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
		/// Largest stored job input in bytes.
		#[pallet::constant]
		type MaxStoredInput: Get<u64>;
		/// Most output tokens a job may ask for.
		#[pallet::constant]
		type MaxTokens: Get<u32>;
		/// Most services one provider lists.
		#[pallet::constant]
		type MaxServicesPerProvider: Get<u32>;
		/// Most open jobs one service may take at once.
		#[pallet::constant]
		type MaxConcurrency: Get<u32>;
		/// Most unanswered jobs one provider may have, over all its services: what its offchain
		/// worker can answer within the job timeout (one batch of [`Config::MaxBatch`] a block).
		#[pallet::constant]
		type MaxOpenJobsPerProvider: Get<u32>;
		/// Most results or votes in one call.
		#[pallet::constant]
		type MaxBatch: Get<u32>;
		/// Blocks a provider has to answer a job.
		#[pallet::constant]
		type JobTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks after an answer during which it can be challenged; then it is paid.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Blocks the verifiers have to vote, from their draw.
		#[pallet::constant]
		type DisputePeriod: Get<BlockNumberFor<Self>>;
		/// Blocks a refund stays locked.
		#[pallet::constant]
		type RefundLock: Get<BlockNumberFor<Self>>;
		/// The longest a spending capability may run: bounds how long its record is kept.
		#[pallet::constant]
		type MaxCapabilityLifetime: Get<BlockNumberFor<Self>>;
		/// Paid to the treasury with every job, whatever becomes of it.
		#[pallet::constant]
		type JobSubmissionFee: Get<Balance>;
		/// Paid to the provider for a deterministic refusal (at most the job's max fee).
		#[pallet::constant]
		type RefusalFee: Get<Balance>;
		/// The smallest dispute deposit.
		#[pallet::constant]
		type MinDisputeDeposit: Get<Balance>;
		/// The deposit is at least the disputed fee times this.
		#[pallet::constant]
		type DisputeDepositFactor: Get<u32>;
		/// Verifiers drawn per dispute.
		#[pallet::constant]
		type VerifiersPerDispute: Get<u32>;
		/// The part of a dispute's reward pot (the loser's deposit, or the slash's reporter
		/// share) that goes to the majority verifiers.
		#[pallet::constant]
		type VerifierShare: Get<Perbill>;
		/// Part of the role bond slashed for a job not answered in time.
		#[pallet::constant]
		type MissedJobSlash: Get<Perbill>;
		/// Part of the role bond slashed for a result that lost a dispute.
		#[pallet::constant]
		type WrongResultSlash: Get<Perbill>;
		/// Part of the role bond slashed for a verifier that did not vote or voted against a
		/// decisive majority.
		#[pallet::constant]
		type VerifierSlash: Get<Perbill>;
		/// The weight `on_initialize` may spend on due deadlines; what does not fit is carried
		/// over to the next blocks.
		#[pallet::constant]
		type DeadlineWeight: Get<Weight>;
		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
		/// Benchmarks: signs capabilities.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::CapabilitySignature>;
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
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

	/// Each provider's service of each model root: at most one.
	#[pallet::storage]
	pub type ProviderModels<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, H256, ServiceId>;

	/// Services by model identifier, for discovery.
	#[pallet::storage]
	pub type ModelIndex<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		BoundedVec<u8, T::MaxModelLen>,
		Twox64Concat,
		ServiceId,
		(),
	>;

	/// The verifiable services of each model root, by position: the pool verifiers are drawn
	/// from.
	#[pallet::storage]
	pub type VerifierPool<T: Config> =
		StorageDoubleMap<_, Identity, H256, Twox64Concat, u32, ServiceId>;

	/// The size of each model root's verifier pool.
	#[pallet::storage]
	pub type VerifierPoolSize<T: Config> = StorageMap<_, Identity, H256, u32, ValueQuery>;

	/// Users' ledgers.
	#[pallet::storage]
	pub type Ledgers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Ledger>;

	/// Allocations: `(user, provider) → amount` the provider may settle API use against.
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

	/// What was settled under each spending capability: `(user, provider), nonce → use`, kept
	/// until the capability expires.
	#[pallet::storage]
	pub type Capabilities<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		(T::AccountId, T::AccountId),
		Twox64Concat,
		u64,
		CapabilityUse<BlockNumberFor<T>>,
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

	/// Number of pending jobs of each provider.
	#[pallet::storage]
	pub type OpenJobs<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Work each account still owes as a provider: its jobs not yet settled or decided and its
	/// votes not yet cast. Its role bond cannot be withdrawn while this is not zero.
	#[pallet::storage]
	pub type Outstanding<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

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

	/// Deadlines: the tasks due in each block (see [`Task`]).
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, Task<T::AccountId>, ()>;

	/// The oldest block that may still have due tasks.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

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
		/// A provider was paid for metered API use under the capability `nonce` of `user`;
		/// `settled` is the total under it so far.
		UsageSettled {
			user: T::AccountId,
			provider: T::AccountId,
			nonce: u64,
			amount: Balance,
			settled: Balance,
		},
		/// A job was submitted; `max_fee` moved from the ledger into escrow, `submission_fee`
		/// to the treasury.
		JobSubmitted {
			job: JobId,
			service: ServiceId,
			user: T::AccountId,
			provider: T::AccountId,
			max_fee: Balance,
			submission_fee: Balance,
		},
		/// The provider answered; `refunded` went back to the ledger.
		JobAnswered { job: JobId, outcome: JobOutcome, fee: Balance, refunded: Balance },
		/// The challenge window passed: the provider was paid.
		JobSettled { job: JobId, provider: T::AccountId, fee: Balance },
		/// The provider did not answer in time: the user was refunded and the provider slashed.
		JobExpired { job: JobId, provider: T::AccountId, refunded: Balance, slashed: Balance },
		/// A result was challenged; verifiers are drawn at `draw_at`.
		JobChallenged {
			job: JobId,
			challenger: T::AccountId,
			deposit: Balance,
			draw_at: BlockNumberFor<T>,
		},
		/// Verifiers were drawn; they vote by `vote_by`.
		VerifiersDrawn { job: JobId, verifiers: Vec<T::AccountId>, vote_by: BlockNumberFor<T> },
		/// A verifier voted.
		Voted { job: JobId, verifier: T::AccountId, outcome: JobOutcome },
		/// A verifier that did not vote, or voted against a decisive majority, was slashed.
		VerifierPenalized { job: JobId, verifier: T::AccountId, slashed: Balance },
		/// A majority verifier was paid for its work.
		VerifierRewarded { job: JobId, verifier: T::AccountId, amount: Balance },
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
		/// The provider already lists a service of this model root.
		DuplicateService,
		/// No service with this id.
		UnknownService,
		/// The service belongs to another provider.
		NotServiceOwner,
		/// The service has open jobs.
		ServiceHasJobs,
		/// The service runs as many jobs as it may; try later or another service.
		ServiceBusy,
		/// The provider has as many unanswered jobs as it may; try later or another provider.
		ProviderBusy,
		/// The service's provider is no longer eligible.
		ProviderNotEligible,
		/// Amounts must not be zero.
		ZeroAmount,
		/// The ledger does not hold enough.
		LedgerTooLow,
		/// The allocation (and its refund in lock) does not hold enough.
		AllocationTooLow,
		/// The account lists no service.
		NotAProvider,
		/// A refund from another source is pending: withdraw it first.
		RefundPending,
		/// No refund is pending.
		NoRefund,
		/// The refund is still locked.
		RefundLocked,
		/// The capability names another provider.
		NotCapabilityProvider,
		/// The capability is for another chain.
		WrongChain,
		/// The capability has expired.
		CapabilityExpired,
		/// The capability runs longer than [`Config::MaxCapabilityLifetime`].
		CapabilityTooLong,
		/// The capability's signature is not the user's.
		BadSignature,
		/// Another capability with the same nonce was settled already.
		NonceReused,
		/// Settling this much would exceed the capability's cap.
		CapExceeded,
		/// The inline input is too long.
		InputTooLong,
		/// The stored input is not a stored file (finalized, and not expiring before the job's
		/// result could be disputed and decided).
		InputNotStored,
		/// The stored input is larger than [`Config::MaxStoredInput`].
		InputTooLarge,
		/// `max_tokens` is zero or above the service's limit.
		BadMaxTokens,
		/// The max fee cannot pay for the job's largest usage at the service's prices.
		FeeBelowUsage,
		/// No job with this id.
		UnknownJob,
		/// Only the job's provider can answer it.
		NotJobProvider,
		/// The job was already answered.
		AlreadyAnswered,
		/// The answer or vote deadline has passed.
		TooLate,
		/// More output tokens than the job allowed.
		TooManyTokens,
		/// More input tokens than the input can make.
		TooManyInputTokens,
		/// The job has not been answered yet.
		NotAnswered,
		/// The job is already disputed.
		AlreadyDisputed,
		/// The challenge window has closed.
		WindowClosed,
		/// A provider cannot challenge its own result.
		OwnResult,
		/// The service is not verifiable (forwarded): its results cannot be challenged.
		NotVerifiable,
		/// Fewer other verifiable services of this model than verifiers per dispute: a dispute
		/// could not be decided by enough verifiers.
		NoVerifiers,
		/// The job is not disputed, or its verifiers are not drawn yet.
		NoDispute,
		/// The caller is not a verifier of this dispute.
		NotVerifier,
		/// The verifier already voted.
		AlreadyVoted,
		/// The same job appears twice in one call.
		Duplicate,
		/// The call carries no result or vote.
		EmptyBatch,
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
			Self::check_config();
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
		/// - `model_root`: the content root of the weights; at most one service per provider
		///   and root.
		/// - `input_price`, `output_price`: plancks per token (fine-tuning: `input_price` per
		///   job).
		/// - `endpoint`, `hardware`: the worker's API URL and a hardware description.
		/// - `max_concurrency`: the most open jobs at once (1 to [`Config::MaxConcurrency`]).
		/// - `max_tokens`: the most output tokens a job may ask (1 to [`Config::MaxTokens`]).
		/// - `verifiable`: whether the results are reproducible by other providers of the root
		///   (the deterministic engine): only those can be challenged, and only those verify.
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
			max_tokens: u32,
			verifiable: bool,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_service(
				who,
				kind,
				model,
				model_root,
				(input_price, output_price),
				endpoint,
				hardware,
				(max_concurrency, max_tokens),
				verifiable,
			)
		}

		/// Changes the prices, endpoint, hardware, concurrency and token limit of the caller's
		/// service `id`. Jobs already submitted keep the terms they were submitted at.
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
			max_tokens: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut service = Services::<T>::get(id).ok_or(Error::<T>::UnknownService)?;
			ensure!(service.provider == who, Error::<T>::NotServiceOwner);
			Self::check_limits(max_concurrency, max_tokens)?;
			service.endpoint = endpoint.try_into().map_err(|_| Error::<T>::TooLong)?;
			service.hardware = hardware.try_into().map_err(|_| Error::<T>::TooLong)?;
			service.input_price = input_price;
			service.output_price = output_price;
			service.max_concurrency = max_concurrency;
			service.max_tokens = max_tokens;
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
			Self::delist(id, service);
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
			Self::do_deposit(who, amount)
		}

		/// Sets `amount` of the caller's ledger aside for `provider`'s API: the provider settles
		/// the caller's metered use against it, under capabilities the caller signs. `provider`
		/// must list a service.
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
			Self::do_allocate(who, provider, amount)
		}

		/// Takes `amount` out of the caller's free ledger (`provider` = `None`) or out of its
		/// allocation to `provider`, locked for [`Config::RefundLock`] blocks; then
		/// [`Pallet::withdraw`] pays it out. While locked, a refunded allocation can still be
		/// settled by its provider (for use served before the request). A second request adds
		/// to the pending refund (restarting the lock) when it has the same source.
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
			Self::do_request_refund(who, provider, amount)
		}

		/// Pays the caller's pending refund out once its lock has ended.
		///
		/// Emits [`Event::Withdrawn`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who)
		}

		/// The caller (a provider) claims `amount` for API use under `capability`, signed by
		/// the user with `signature`. The capability must name the caller, this chain's genesis
		/// hash, and an expiry that has not passed and lies at most
		/// [`Config::MaxCapabilityLifetime`] ahead; the total settled under it never exceeds
		/// its cap. The amount comes from the user's allocation to the caller, then from a
		/// refund of that allocation while its lock runs.
		///
		/// Emits [`Event::UsageSettled`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::settle_usage()
			.saturating_add(T::WeightInfo::task_forget_capability()))]
		pub fn settle_usage(
			origin: OriginFor<T>,
			capability: SpendingCapability<T::AccountId, BlockNumberFor<T>>,
			signature: T::CapabilitySignature,
			amount: Balance,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::do_settle_usage(provider, capability, signature, amount)
		}

		/// Submits a job to service `service`: `input` inline (at most [`Config::MaxInputLen`]
		/// bytes) or a stored file of at most [`Config::MaxStoredInput`] bytes, at most
		/// `max_tokens` output tokens (at most the service's limit), paying at most `max_fee`,
		/// which must cover the job's largest usage: every output token and as many input
		/// tokens as the input has bytes (plus two). `max_fee` moves from the caller's ledger
		/// into the job; [`Config::JobSubmissionFee`] is paid from its account to the treasury.
		///
		/// Emits [`Event::JobSubmitted`].
		#[pallet::call_index(8)]
		#[pallet::weight(match input {
			JobInput::Inline(ref bytes) => T::WeightInfo::submit_job(bytes.len() as u32),
			JobInput::Stored(_) => T::WeightInfo::submit_job_stored(),
		}
		// The deadline tasks the job schedules: its answer deadline and its settlement.
		.saturating_add(T::WeightInfo::task_expire())
		.saturating_add(T::WeightInfo::task_settle()))]
		pub fn submit_job(
			origin: OriginFor<T>,
			service: ServiceId,
			input: JobInput<T>,
			max_tokens: u32,
			max_fee: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_job(who, service, input, max_tokens, max_fee)
		}

		/// The caller reports the results of its pending jobs: for each, the output hash and
		/// token usage, or the engine's refusal. The fee (usage × the job's prices capped by
		/// its max fee, or [`Config::RefusalFee`] for a refusal) stays in escrow for
		/// [`Config::ChallengeWindow`] blocks; the rest goes back to the user's ledger.
		///
		/// All or nothing: if any report is refused (unknown job, another provider's, already
		/// answered, past its deadline, duplicate, more tokens than allowed), the call fails
		/// with that error and nothing changes.
		///
		/// Emits [`Event::JobAnswered`] for each.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::submit_results(results.len() as u32))]
		pub fn submit_results(
			origin: OriginFor<T>,
			results: BoundedVec<JobReport, T::MaxBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!results.is_empty(), Error::<T>::EmptyBatch);
			for (i, r) in results.iter().enumerate() {
				ensure!(!results[..i].iter().any(|o| o.job == r.job), Error::<T>::Duplicate);
			}
			for report in results {
				Self::answer(&who, report)?;
			}
			Ok(())
		}

		/// Challenges the result of `job`, which must come from a verifiable service, within its
		/// challenge window, with a deposit of `max(MinDisputeDeposit, fee ×
		/// DisputeDepositFactor)`. The verifiers are drawn a few blocks later, from randomness
		/// that does not exist yet, among the other verifiable services of the same model root.
		///
		/// Emits [`Event::JobChallenged`].
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::challenge()
			// The deadline tasks the dispute schedules: the draw and the decision.
			.saturating_add(T::WeightInfo::task_draw())
			.saturating_add(T::WeightInfo::task_decide()))]
		pub fn challenge(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_challenge(who, job)
		}

		/// A drawn verifier votes, for each dispute, the outcome its worker got re-running the
		/// job (an output hash with the token usage, or a refusal). A dispute whose last vote
		/// comes in is decided at once.
		///
		/// All or nothing: if any vote is refused (no drawn dispute, not a verifier of it,
		/// already voted, past the deadline, duplicate), the call fails and nothing changes.
		///
		/// Emits [`Event::Voted`] for each (and [`Event::DisputeResolved`] for decided ones).
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::submit_votes(votes.len() as u32))]
		pub fn submit_votes(
			origin: OriginFor<T>,
			votes: BoundedVec<(JobId, JobOutcome), T::MaxBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!votes.is_empty(), Error::<T>::EmptyBatch);
			for (i, (job, _)) in votes.iter().enumerate() {
				ensure!(!votes[..i].iter().any(|(o, _)| o == job), Error::<T>::Duplicate);
			}
			for (job, outcome) in votes {
				Self::vote(&who, job, outcome)?;
			}
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
	/// The account that holds ledgers, allocations, refunds, job escrows and deposits.
	pub fn escrow_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Puts `task` in the deadline queue at block `at` (or the next block, if `at` is past).
	fn schedule(at: BlockNumberFor<T>, task: Task<T::AccountId>) -> BlockNumberFor<T> {
		Queue::<T>::schedule(frame_system::Pallet::<T>::block_number(), at, task)
	}

	fn unschedule(at: BlockNumberFor<T>, task: Task<T::AccountId>) {
		Queue::<T>::cancel(at, task)
	}

	fn note_outstanding(who: &T::AccountId, more: bool) {
		Outstanding::<T>::mutate_exists(who, |n| {
			let count = n.unwrap_or(0);
			let count = if more { count.saturating_add(1) } else { count.saturating_sub(1) };
			*n = (count > 0).then_some(count);
		});
	}

	/// Checks the configuration (run by `integrity_test`).
	fn check_config() {
		assert!(T::MaxModelLen::get() > 0, "models need a name");
		assert!(T::MaxTokens::get() > 0, "jobs need tokens");
		assert!(T::VerifiersPerDispute::get() > 0, "disputes need verifiers");
		assert!(T::MaxConcurrency::get() > 0, "services need to take jobs");
		assert!(T::MaxBatch::get() > 0, "batches need room");
		assert!(T::MaxOpenJobsPerProvider::get() > 0, "providers need to take jobs");
		assert!(!T::JobTimeout::get().is_zero(), "jobs need time to be answered");
		assert!(!T::ChallengeWindow::get().is_zero(), "results need a challenge window");
		assert!(!T::DisputePeriod::get().is_zero(), "verifiers need time to vote");
		let timeout: u64 = T::JobTimeout::get().try_into().unwrap_or(u64::MAX);
		assert!(
			(T::MaxOpenJobsPerProvider::get() as u64)
				<= (T::MaxBatch::get() as u64).saturating_mul(timeout / 2),
			"a provider must be able to answer its open jobs in half the job timeout"
		);
		assert!(
			T::DeadlineWeight::get().all_gte(Self::max_task_weight()),
			"DeadlineWeight must fit the heaviest deadline task"
		);
	}
}

impl<T: Config> zg_primitives::staking::RoleObligations<T::AccountId> for Pallet<T> {
	/// A compute provider owes work while it has jobs not yet settled or decided, or votes not
	/// yet cast.
	fn has_obligations(who: &T::AccountId, role: Role) -> bool {
		role == Role::ComputeProvider && Outstanding::<T>::get(who) > 0
	}
}
