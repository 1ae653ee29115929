//! # The 0G chain runtime
//!
//! A solochain runtime secured by BABE block production and GRANDPA finality, whose native token
//! is **$0G** (18 decimals). Smart contracts run on pallet-revive, which executes EVM bytecode
//! (and PolkaVM) against the same balances: one plank of $0G is one wei.
//!
//! The pallets, in the order of their indices:
//!
//! | index | pallet | role |
//! |---|---|---|
//! | 0 | `System` | accounts, blocks, events |
//! | 1 | `Timestamp` | the on-chain clock, set by an inherent |
//! | 2 | `Babe` | slot-based block production with VRF |
//! | 3 | `Authorship` | who authored the current block (era points for staking) |
//! | 4 | `Balances` | the $0G token |
//! | 5 | `TransactionPayment` | weight- and length-based fees in $0G, paid to the reward pot |
//! | 6 | `Staking` | $0G DPoS: validators, delegators, eras, rewards, slashing, service bonds |
//! | 7 | `Offences` | BABE and GRANDPA equivocation reports, handed to staking |
//! | 8 | `Session` | session keys and the validator set of each session (elected by staking) |
//! | 9 | `Historical` | per-session validator roots, for equivocation proofs |
//! | 10 | `Grandpa` | finality |
//! | 11 | `Sudo` | a root key, set only in the `development` preset |
//! | 12 | `Utility` | batches |
//! | 13 | `Beacon` | randomness of later blocks for every service draw (BABE VRF outputs) |
//! | 14 | `Storage` | 0G Storage: erasure-coded file commitments, provider challenges, escrowed fees |
//! | 15 | `Compute` | 0G Compute: AI services, user ledgers, escrowed jobs, disputes with verifiers |
//! | 16 | `Da` | 0G DA: blobs attested by a committee of signers, challenges, escrowed fees |
//! | 17 | `Preimage` | calls noted for referenda and the committee, against a deposit |
//! | 18 | `Scheduler` | enacts approved referenda at their block |
//! | 20 | `Revive` | EVM and PolkaVM contracts, Ethereum transactions |
//! | 21 | `Referenda` | $0G holders' referenda, on the tracks of [`governance::tracks`] |
//! | 22 | `ConvictionVoting` | votes with conviction (bonded 0G votes too) |
//! | 23 | `Origins` | the origins of the non-root tracks |
//! | 24 | `Whitelist` | calls the technical committee fast-tracks |
//! | 25 | `TechnicalCommittee` | a committee that whitelists calls and cancels waiting slashes |
//! | 26 | `TechnicalMembership` | who sits on the committee (chosen by `root` referenda) |
//! | 27 | `Treasury` | the treasury: slashes and 20 % of fees in, spends by referendum |
//! | 28 | `Parameters` | the 0G parameters governed at run time (fees, slashes, periods, inflation) |
//! | 29 | `Params` | sets a parameter for its track's origin, within its bounds |

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` does a lot of recursion and requires us to increase the limit.
#![recursion_limit = "256"]

// The runtime compiled to WebAssembly, embedded so that the node can build genesis states.
#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// The same runtime built with the `fast-runtime` feature (short slots and epochs), for tests.
#[cfg(feature = "std")]
pub mod fast_runtime {
	include!(concat!(env!("OUT_DIR"), "/fast_wasm_binary.rs"));
}

extern crate alloc;

pub mod genesis_config_presets;
pub mod governance;
pub mod migrations;
pub mod precompiles;
mod session;
pub mod weights;
use weights::{BlockExecutionWeight, ExtrinsicBaseWeight};
#[cfg(test)]
mod tests;

use alloc::{borrow::Cow, vec, vec::Vec};
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	genesis_builder_helper::{build_state, get_preset},
	parameter_types,
	traits::{
		ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, KeyOwnerProofSystem, VariantCountOf,
	},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, Weight,
	},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureSigned,
};
use governance::params::dynamic_params;
pub use governance::params::{RuntimeParameters, RuntimeParametersKey, RuntimeParametersValue};
use pallet_revive::{
	evm::{
		fees::{BlockRatioFee, Info as FeeInfo},
		runtime::EthExtra,
	},
	AccountId32Mapper,
};
use pallet_session::historical as pallet_session_historical;
use pallet_transaction_payment::{
	FeeDetails, Multiplier, RuntimeDispatchInfo, TargetedFeeAdjustment,
};
use sp_api::impl_runtime_apis;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{Block as BlockT, NumberFor, OpaqueKeys},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode, FixedPointNumber, Perbill, Perquintill,
};
use sp_version::RuntimeVersion;

pub use zg_primitives::{
	currency::{GWEI, MICRO_ZG, MILLI_ZG, ZG},
	AccountId, Balance, BlockNumber, Hash, Header, Moment, Nonce, Signature,
};

/// Opaque types: what the node needs to know of the runtime's types without depending on them.
pub mod opaque {
	use super::*;

	pub use zg_primitives::OpaqueBlock as Block;

	impl_opaque_keys! {
		/// The session keys of a validator: one key per consensus engine.
		pub struct SessionKeys {
			/// Block production (sr25519, key type `babe`).
			pub babe: Babe,
			/// Finality (ed25519, key type `gran`).
			pub grandpa: Grandpa,
		}
	}
}
pub use opaque::SessionKeys;

/// The version of the runtime: the node compares `spec_version` to decide which code runs a block.
#[cfg(not(feature = "next-spec-version"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("zg"),
	impl_name: Cow::Borrowed("zg-node"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// The same runtime one `spec_version` later: the code that the end-to-end upgrade test
/// (`zombienet/upgrade.js`, built by `runtime/upgrade-test`) votes in with a referendum.
#[cfg(feature = "next-spec-version")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("zg"),
	impl_name: Cow::Borrowed("zg-node"),
	authoring_version: 1,
	spec_version: 106,
	impl_version: 1,
	apis: RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// Slots, blocks and epochs.
pub mod time {
	use super::{BlockNumber, Moment};

	/// Target block time. 6 s by default; 2 s with the `fast-runtime` feature.
	#[cfg(not(feature = "fast-runtime"))]
	pub const MILLISECS_PER_BLOCK: Moment = 6_000;
	/// Target block time. 6 s by default; 2 s with the `fast-runtime` feature.
	#[cfg(feature = "fast-runtime")]
	pub const MILLISECS_PER_BLOCK: Moment = 2_000;

	/// BABE slot duration: one block per slot (secondary VRF slots fill the gaps).
	pub const SLOT_DURATION: Moment = MILLISECS_PER_BLOCK;

	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;

	/// An epoch (and a session) lasts 10 minutes by default; 20 slots (40 s) with `fast-runtime`.
	#[cfg(not(feature = "fast-runtime"))]
	pub const EPOCH_DURATION_IN_BLOCKS: BlockNumber = 10 * MINUTES;
	/// An epoch (and a session) lasts 10 minutes by default; 20 slots (40 s) with `fast-runtime`.
	#[cfg(feature = "fast-runtime")]
	pub const EPOCH_DURATION_IN_BLOCKS: BlockNumber = 20;

	/// Epoch length in slots, as BABE counts it.
	pub const EPOCH_DURATION_IN_SLOTS: u64 = EPOCH_DURATION_IN_BLOCKS as u64;

	/// The probability that a slot has a primary (VRF-elected) author: 1 in 4. Every other
	/// slot is taken by its secondary author, so each slot gets a block.
	pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
}
use time::*;

/// The BABE epoch configuration at genesis.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// Fee and deposit parameters, in $0G.
pub mod fees {
	use super::*;

	/// Fee per picosecond of `ref_time` (the unit of weight), in plancks.
	///
	/// A plain transfer weighs about 1.7·10⁸, so it costs about 1.7·10¹³ plancks
	/// (0.000017 0G). Seen from an Ethereum wallet, with a gas price of 1 gwei (see
	/// [`GAS_SCALE`]), that is about 17 000 gas, close to Ethereum's 21 000.
	pub const FEE_PER_REF_TIME: u128 = 100_000;

	/// Fee per byte of an extrinsic: 100 gwei (0.0000001 0G; 100 gas per byte seen from an
	/// Ethereum wallet, where calldata costs 16).
	///
	/// Filling the normal class of every block of a day (75 % of 5 MiB × 14 400 blocks,
	/// 56.6 GB of chain history that every node keeps) costs 5 662 0G in byte fees alone; the
	/// fee multiplier follows weight only, so it does not rise with length. The block length
	/// stays 5 MiB because a runtime upgrade's preimage (the compressed runtime, about 1.3 MB)
	/// is noted in one normal extrinsic. Higher, and the providers' offchain duties (Merkle
	/// proofs of about 1 KB each) would cost more than a transfer's weight.
	pub const FEE_PER_BYTE: Balance = 100 * GWEI;

	/// pallet-revive's gas scale: the Ethereum gas price is `multiplier × GAS_SCALE` wei, i.e.
	/// 1 gwei while blocks are not congested.
	pub const GAS_SCALE: u32 = 1_000_000_000;

	/// Storage deposit of `items` storage entries holding `bytes` bytes.
	///
	/// Paid by whoever adds state (contract code and storage) and refunded when it is removed.
	pub const fn deposit(items: u32, bytes: u32) -> Balance {
		(items as Balance) * 100 * MICRO_ZG + (bytes as Balance) * MICRO_ZG
	}

	/// The minimum balance of an account (0.0001 0G): below it the account is reaped.
	pub const EXISTENTIAL_DEPOSIT: Balance = 100 * MICRO_ZG;
}
use fees::*;

/// About 10 % of a block's weight is taken by `on_initialize` hooks.
const AVERAGE_ON_INITIALIZE_RATIO: Perbill = Perbill::from_percent(10);
/// Normal extrinsics may fill 75 % of a block; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// One third of the block time is compute; the state proof is bounded by 64 MiB.
///
/// The proof size bound matters to pallet-revive's gas model: fees are the maximum of the
/// `ref_time` fee and the proof-size fee, scaled by the ratio of the two block limits.
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(
	(WEIGHT_REF_TIME_PER_SECOND / 3_000).saturating_mul(MILLISECS_PER_BLOCK),
	64 * 1024 * 1024,
);
/// The largest block: 5 MiB, of which normal extrinsics may fill 75 %.
const MAXIMUM_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	pub const Version: RuntimeVersion = VERSION;
	pub const BlockHashCount: BlockNumber = 2400;
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAXIMUM_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::builder()
		.base_block(BlockExecutionWeight::get())
		.for_class(DispatchClass::all(), |weights| {
			weights.base_extrinsic = ExtrinsicBaseWeight::get();
		})
		.for_class(DispatchClass::Normal, |weights| {
			weights.max_total = Some(NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.for_class(DispatchClass::Operational, |weights| {
			weights.max_total = Some(MAXIMUM_BLOCK_WEIGHT);
			// Operational transactions have some extra reserved space, so that they
			// are included even if block reached `MAXIMUM_BLOCK_WEIGHT`.
			weights.reserved = Some(
				MAXIMUM_BLOCK_WEIGHT - NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT,
			);
		})
		.avg_block_initialization(AVERAGE_ON_INITIALIZE_RATIO)
		.build_or_panic();
	/// Generic Substrate addresses (prefix 42), as polkadot.js shows them by default.
	pub const SS58Prefix: u16 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	// Every new account gets an Ethereum address mapping, so it can use contracts at once.
	type OnNewAccount = pallet_revive::AutoMapper<Runtime>;
	type OnKilledAccount = pallet_revive::AutoMapper<Runtime>;
	// pallet-migrations runs the multi-block migrations (see `migrations`).
	type MultiBlockMigrator = MultiBlockMigrations;
	type SystemWeightInfo = weights::frame_system::WeightInfo<Runtime>;
	type ExtensionsWeightInfo = weights::frame_system_extensions::WeightInfo<Runtime>;
}

parameter_types! {
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	pub const ExpectedBlockTime: Moment = MILLISECS_PER_BLOCK;
	/// The most validators a session can have.
	pub const MaxAuthorities: u32 = 100;
	/// The most backers an equivocation proof accounts for.
	pub const MaxNominators: u32 = 256;
	/// How many GRANDPA set ids are mapped to sessions (for equivocation reports).
	pub const MaxSetIdSessionEntries: u64 = 168;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	// Epochs change when sessions do.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = Session;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type KeyOwnerProof =
		<Historical as KeyOwnerProofSystem<(KeyTypeId, pallet_babe::AuthorityId)>>::Proof;
	// Equivocation reports become offences, which staking slashes.
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = Moment;
	type OnTimestampSet = Babe;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = weights::pallet_timestamp::WeightInfo<Runtime>;
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	// Block authors earn era points.
	type EventHandler = Staking;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	type KeyOwnerProof = <Historical as KeyOwnerProofSystem<(KeyTypeId, GrandpaId)>>::Proof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = weights::pallet_balances::WeightInfo<Runtime>;
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub const TransactionByteFee: Balance = FEE_PER_BYTE;
	/// Fees rise when blocks are more than 25 % full, and fall back towards the base otherwise.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
	/// Fees never drop below the base fee: the multiplier stays at least 1.
	pub MinimumMultiplier: Multiplier = Multiplier::from_u32(1);
	pub MaximumMultiplier: Multiplier = Multiplier::from_u32(100_000);
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// 20 % of fees go to the treasury; the rest, and tips, collect in the staking reward pot
	// and are paid out with the era reward (governance::fees).
	type OnChargeTransaction =
		pallet_transaction_payment::FungibleAdapter<Balances, governance::fees::DealWithFees>;
	type OperationalFeeMultiplier = ConstU8<5>;
	// pallet-revive's gas mapping requires this fee shape.
	type WeightToFee = BlockRatioFee<FEE_PER_REF_TIME, 1, Self, Balance>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = weights::pallet_transaction_payment::WeightInfo<Runtime>;
}

parameter_types! {
	/// A session key registration holds this much of the registrant's balance.
	pub const SessionKeyDeposit: Balance = ZG;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	// Staking elects the validators of each era; historical keeps a root per session for
	// equivocation proofs.
	type SessionManager = pallet_session_historical::NoteHistoricalRoot<Self, Staking>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

impl pallet_session_historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// Offenders are identified by account; staking reads their exposure from its own records.
	type FullIdentification = ();
	type FullIdentificationOf = session::UnitIdentification;
}

/// Staking parameters. An era is 6 sessions (1 hour) by default, 2 sessions (80 s) with
/// `fast-runtime`.
pub mod staking_params {
	/// Sessions per era.
	#[cfg(not(feature = "fast-runtime"))]
	pub const SESSIONS_PER_ERA: u32 = 6;
	/// Sessions per era.
	#[cfg(feature = "fast-runtime")]
	pub const SESSIONS_PER_ERA: u32 = 2;
	/// Eras before unbonded funds can be withdrawn: one day (160 s with `fast-runtime`).
	#[cfg(not(feature = "fast-runtime"))]
	pub const BONDING_DURATION: u32 = 24;
	/// Eras before unbonded funds can be withdrawn: one day (160 s with `fast-runtime`).
	#[cfg(feature = "fast-runtime")]
	pub const BONDING_DURATION: u32 = 2;
	/// Eras before a reported slash is applied (root can cancel it meanwhile).
	#[cfg(not(feature = "fast-runtime"))]
	pub const SLASH_DEFER_DURATION: u32 = 12;
	/// Eras before a reported slash is applied (root can cancel it meanwhile).
	#[cfg(feature = "fast-runtime")]
	pub const SLASH_DEFER_DURATION: u32 = 1;
}

parameter_types! {
	pub const SessionsPerEra: u32 = staking_params::SESSIONS_PER_ERA;
	pub const BondingDuration: u32 = staking_params::BONDING_DURATION;
	pub const SlashDeferDuration: u32 = staking_params::SLASH_DEFER_DURATION;
	pub const StakingPalletId: frame_support::PalletId = frame_support::PalletId(*b"zg/stake");
	/// Equivocation reports are valid this many blocks: the bonding duration.
	pub const ReportLongevity: u64 = BondingDuration::get() as u64
		* SessionsPerEra::get() as u64
		* EpochDuration::get();
	/// The treasury's account (pallet-treasury's): slashed funds and a share of fees go here.
	pub TreasuryAccount: AccountId =
		sp_runtime::traits::AccountIdConversion::into_account_truncating(
			&governance::TreasuryPalletId::get(),
		);
}

impl pallet_zg_staking::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type SessionsPerEra = SessionsPerEra;
	type BondingDuration = BondingDuration;
	type SlashDeferDuration = SlashDeferDuration;
	type HistoryDepth = ConstU32<84>;
	type MaxValidators = MaxAuthorities;
	// Four candidates per elected place.
	type MaxCandidates = ConstU32<400>;
	type MaxDelegationTargets = ConstU32<16>;
	type MaxBackersPerValidator = MaxNominators;
	type MaxExposurePageSize = ConstU32<64>;
	type MaxUnlockingChunks = ConstU32<32>;
	// A slash of a validator with 256 backers, each a delegator spread over 16 validators,
	// weighs about 0.21 s of the 2 s block (benchmarked): four leave half the block.
	type MaxSlashesPerBlock = ConstU32<4>;
	type MinimumValidatorCount = ConstU32<1>;
	// Every minimum bond governance sets is at least 1 0G.
	type MinBondFloor = ConstU128<ZG>;
	// Governed at run time (governance::params): 5 %, 10 % and 10 % by default.
	type YearlyInflation = dynamic_params::staking::YearlyInflation;
	type OffenceSlashFraction = dynamic_params::staking::OffenceSlashFraction;
	type ReporterShare = dynamic_params::staking::ReporterShare;
	type PalletId = StakingPalletId;
	type Treasury = TreasuryAccount;
	type SessionInterface = Session;
	type Obligations = (Storage, Compute, Da);
	type AdminOrigin = governance::StakingAdminOrigin;
	type SlashCancelOrigin = governance::SlashCancelOrigin;
	type WeightInfo = pallet_zg_staking::weights::SubstrateWeight<Runtime>;
}

/// Storage parameters. Every region of every stored shard is challenged once a day (every two
/// minutes with `fast-runtime`), and a challenge is answered within 10 minutes (20 s).
pub mod storage_params {
	use super::{time::*, BlockNumber};
	use zg_primitives::{currency::MILLI_ZG, Balance};

	/// Blocks a provider has to answer a challenge.
	#[cfg(not(feature = "fast-runtime"))]
	pub const CHALLENGE_WINDOW: BlockNumber = 10 * MINUTES;
	/// Blocks a provider has to answer a challenge.
	#[cfg(feature = "fast-runtime")]
	pub const CHALLENGE_WINDOW: BlockNumber = 10;
	/// Blocks within which every region of every stored shard is challenged.
	#[cfg(not(feature = "fast-runtime"))]
	pub const SWEEP_PERIOD: BlockNumber = DAYS;
	/// Blocks within which every region of every stored shard is challenged.
	#[cfg(feature = "fast-runtime")]
	pub const SWEEP_PERIOD: BlockNumber = 2 * MINUTES;
	/// Blocks within which every shard of a new file must be confirmed.
	#[cfg(not(feature = "fast-runtime"))]
	pub const CONFIRMATION_PERIOD: BlockNumber = 30 * MINUTES;
	/// Blocks within which every shard of a new file must be confirmed.
	#[cfg(feature = "fast-runtime")]
	pub const CONFIRMATION_PERIOD: BlockNumber = 60;
	/// Blocks within which a provider handed a shard must rebuild and confirm it.
	#[cfg(not(feature = "fast-runtime"))]
	pub const HANDOVER_PERIOD: BlockNumber = 30 * MINUTES;
	/// Blocks within which a provider handed a shard must rebuild and confirm it.
	#[cfg(feature = "fast-runtime")]
	pub const HANDOVER_PERIOD: BlockNumber = 30;
	/// Shortest lifetime of a file: one hour (four minutes with `fast-runtime`).
	#[cfg(not(feature = "fast-runtime"))]
	pub const MIN_LIFETIME: BlockNumber = HOURS;
	/// Shortest lifetime of a file: one hour (four minutes with `fast-runtime`).
	#[cfg(feature = "fast-runtime")]
	pub const MIN_LIFETIME: BlockNumber = 4 * MINUTES;
	/// Longest lifetime (and the furthest a renewal reaches): five years of blocks.
	pub const MAX_LIFETIME: BlockNumber = 5 * 365 * DAYS;
	/// Largest file: 64 GiB.
	pub const MAX_FILE_SIZE: u64 = 64 << 30;
	/// A shard is charged for at least 64 KiB.
	pub const MIN_SHARD_SIZE: u64 = 64 << 10;
	/// Chunks in a challenge region: 16 MiB of a shard.
	pub const CHALLENGE_REGION: u32 = 16 * 1024;
	/// Paid to the treasury with every submission: 0.01 0G.
	pub const SUBMISSION_FEE: Balance = 10 * MILLI_ZG;
	/// Default price: 1 000 plancks per charged byte and block, about 5.6 0G per GiB and year
	/// with 6-second blocks.
	pub const DEFAULT_PRICE: Balance = 1_000;
}

parameter_types! {
	pub const StoragePalletId: frame_support::PalletId = frame_support::PalletId(*b"zg/store");
	/// Whoever proves a file inconsistent earns 10 % of what the file still holds.
	pub const InconsistencyReward: Perbill = Perbill::from_percent(10);
	/// What each service pallet may spend on due deadlines in a block: 10 % of the block.
	pub DeadlineWeight: Weight = Perbill::from_percent(10) * MAXIMUM_BLOCK_WEIGHT;
}

/// BABE's VRF output of the parent block, mixed with the subject: unknown before the parent
/// block is authored. The beacon records one a block; the service pallets draw from the beacon.
pub struct BabeRandomness;
impl frame_support::traits::Randomness<Hash, BlockNumber> for BabeRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		let (seed, block) =
			<pallet_babe::ParentBlockRandomness<Runtime> as frame_support::traits::Randomness<
				Option<Hash>,
				BlockNumber,
			>>::random(subject);
		// Before the first VRF output (genesis and block 1), the parent hash stands in.
		let seed = seed.unwrap_or_else(|| {
			let parent = System::parent_hash();
			sp_io::hashing::blake2_256(&codec::Encode::encode(&(parent, subject))).into()
		});
		(seed, block)
	}
}

impl pallet_zg_beacon::Config for Runtime {
	type Source = BabeRandomness;
	type History = ConstU32<1024>;
	type Depth = ConstU32<2>;
	type WeightInfo = pallet_zg_beacon::weights::SubstrateWeight<Runtime>;
}

impl pallet_zg_storage::Config for Runtime {
	type AuthorityId = zg_offchain::crypto::ProviderAuthId;
	type Currency = Balances;
	type Staking = Staking;
	type Beacon = Beacon;
	type Treasury = TreasuryAccount;
	type PalletId = StoragePalletId;
	type MaxFileSize = ConstU64<{ storage_params::MAX_FILE_SIZE }>;
	type MinDataShards = ConstU32<2>;
	type MaxDataShards = ConstU32<16>;
	type MinParityShards = ConstU32<1>;
	type MaxParityShards = ConstU32<16>;
	type MinShardSize = ConstU64<{ storage_params::MIN_SHARD_SIZE }>;
	// Governed at run time (governance::params), as is the fault slash.
	type SubmissionFee = dynamic_params::storage::SubmissionFee;
	type MinLifetime = ConstU32<{ storage_params::MIN_LIFETIME }>;
	type MaxLifetime = ConstU32<{ storage_params::MAX_LIFETIME }>;
	type ConfirmationPeriod = ConstU32<{ storage_params::CONFIRMATION_PERIOD }>;
	type HandoverPeriod = ConstU32<{ storage_params::HANDOVER_PERIOD }>;
	type ChallengeWindow = ConstU32<{ storage_params::CHALLENGE_WINDOW }>;
	type SweepPeriod = ConstU32<{ storage_params::SWEEP_PERIOD }>;
	type ChallengeRegion = ConstU32<{ storage_params::CHALLENGE_REGION }>;
	type MaxChallengesPerBlock = ConstU32<32>;
	type FaultSlash = dynamic_params::storage::FaultSlash;
	type InconsistencyReward = InconsistencyReward;
	type MaxProviders = ConstU32<256>;
	type MaxEndpointLen = ConstU32<256>;
	type MaxBatch = ConstU32<16>;
	type HandoverPage = ConstU32<16>;
	type DeadlineWeight = DeadlineWeight;
	type AdminOrigin = governance::ParamsAdminOrigin;
	type WeightInfo = pallet_zg_storage::weights::SubstrateWeight<Runtime>;
}

/// DA parameters. A committee serves an hour (40 s with `fast-runtime`); a blob must reach its
/// quorum within 2 minutes (20 s) and is kept and challengeable for a day (5 minutes).
pub mod da_params {
	use super::{time::*, BlockNumber};
	use zg_primitives::{
		currency::{MILLI_ZG, ZG},
		Balance,
	};

	/// Blocks of a DA epoch: each has its own committee.
	#[cfg(not(feature = "fast-runtime"))]
	pub const EPOCH_LENGTH: BlockNumber = HOURS;
	/// Blocks of a DA epoch: each has its own committee.
	#[cfg(feature = "fast-runtime")]
	pub const EPOCH_LENGTH: BlockNumber = 20;
	/// Blocks before an epoch at which its candidates are fixed (the beacon's seed after them
	/// exists 3 blocks later).
	pub const SNAPSHOT_LEAD: BlockNumber = 10;
	/// Blocks after submission within which a blob must reach its quorum.
	#[cfg(not(feature = "fast-runtime"))]
	pub const ATTESTATION_PERIOD: BlockNumber = 2 * MINUTES;
	/// Blocks after submission within which a blob must reach its quorum.
	#[cfg(feature = "fast-runtime")]
	pub const ATTESTATION_PERIOD: BlockNumber = 30;
	/// Blocks an available blob is kept and challenged before its attesters are paid.
	#[cfg(not(feature = "fast-runtime"))]
	pub const RETENTION: BlockNumber = DAYS;
	/// Blocks an available blob is kept and challenged before its attesters are paid.
	#[cfg(feature = "fast-runtime")]
	pub const RETENTION: BlockNumber = 5 * MINUTES;
	/// Blocks a member has to answer a challenge.
	#[cfg(not(feature = "fast-runtime"))]
	pub const CHALLENGE_WINDOW: BlockNumber = 2 * MINUTES;
	/// Blocks a member has to answer a challenge.
	#[cfg(feature = "fast-runtime")]
	pub const CHALLENGE_WINDOW: BlockNumber = 10;
	/// Paid to the treasury with every blob: 0.001 0G.
	pub const SUBMISSION_FEE: Balance = MILLI_ZG;
	/// Held from a disperser while its blob is on chain: 1 0G.
	pub const DISPERSER_DEPOSIT: Balance = ZG;
	/// Held from whoever raises a challenge: 1 0G.
	pub const CHALLENGE_DEPOSIT: Balance = ZG;
	/// Default price: 10⁷ plancks per byte of the extended square, 0.0014 0G for a 32 MiB blob
	/// (136 MB extended) kept a day.
	pub const DEFAULT_PRICE: Balance = 10_000_000;
}

parameter_types! {
	pub const DaPalletId: frame_support::PalletId = frame_support::PalletId(*b"zg/dablb");
	/// No signer takes more than a quarter of a committee's seats.
	pub const DaMaxSeatShare: Perbill = Perbill::from_percent(25);
	/// Half of a bad disperser's deposit pays whoever proves the bad encoding.
	pub const DaReporterShare: Perbill = Perbill::from_percent(50);
}

impl pallet_zg_da::Config for Runtime {
	type AuthorityId = zg_offchain::crypto::ProviderAuthId;
	type AttestationSignature = Signature;
	type Currency = Balances;
	type Staking = Staking;
	type Beacon = Beacon;
	type Treasury = TreasuryAccount;
	type PalletId = DaPalletId;
	type MaxBlobSize = ConstU64<{ zg_primitives::da::MAX_BLOB_SIZE }>;
	type EpochLength = ConstU32<{ da_params::EPOCH_LENGTH }>;
	type SnapshotLead = ConstU32<{ da_params::SNAPSHOT_LEAD }>;
	type MaxSigners = ConstU32<128>;
	type MaxSeats = ConstU32<64>;
	type MaxSeatShare = DaMaxSeatShare;
	// Governed at run time (governance::params), as are the challenge window and slashes.
	type SubmissionFee = dynamic_params::da::SubmissionFee;
	type DisperserDeposit = ConstU128<{ da_params::DISPERSER_DEPOSIT }>;
	type ChallengeDeposit = ConstU128<{ da_params::CHALLENGE_DEPOSIT }>;
	type AttestationPeriod = ConstU32<{ da_params::ATTESTATION_PERIOD }>;
	type Retention = ConstU32<{ da_params::RETENTION }>;
	type ChallengeWindow = dynamic_params::da::ChallengeWindow;
	type RandomChallenges = ConstU32<1>;
	type WithholdingSlash = dynamic_params::da::WithholdingSlash;
	type BadLineSlash = dynamic_params::da::BadLineSlash;
	type ReporterShare = DaReporterShare;
	type MaxEndpointLen = ConstU32<256>;
	type DeadlineWeight = DeadlineWeight;
	type AdminOrigin = governance::ParamsAdminOrigin;
	type WeightInfo = pallet_zg_da::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = DaBenchmarkHelper;
}

/// Benchmarks sign attestations with sr25519 keys of the benchmark keystore, one per signer.
#[cfg(feature = "runtime-benchmarks")]
pub struct DaBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_zg_da::BenchmarkHelper<AccountId, Signature> for DaBenchmarkHelper {
	fn signer(i: u32) -> AccountId {
		let seed = alloc::format!("//zg-da-benchmark-{i}").into_bytes();
		let public = sp_io::crypto::sr25519_generate(ComputeBenchmarkHelper::KEY, Some(seed));
		sp_runtime::traits::IdentifyAccount::into_account(sp_runtime::MultiSigner::from(public))
	}
	fn sign(signer: &AccountId, payload: &[u8]) -> Signature {
		let public = sp_core::sr25519::Public::from_raw(*signer.as_ref());
		// Without the key in the keystore the signature is empty, and the benchmark's
		// attestation fails its check instead of the runtime panicking.
		let signature = sp_io::crypto::sr25519_sign(ComputeBenchmarkHelper::KEY, &public, payload)
			.unwrap_or_else(|| sp_core::sr25519::Signature::from_raw([0; 64]));
		Signature::Sr25519(signature)
	}
}

/// Compute parameters. A job must be answered within 2 minutes and can be challenged for
/// 10 minutes after its answer (20 s and 1 minute with `fast-runtime`).
pub mod compute_params {
	use super::{time::*, BlockNumber};
	use zg_primitives::{
		currency::{MICRO_ZG, MILLI_ZG, ZG},
		Balance,
	};

	/// Blocks a provider has to answer a job.
	#[cfg(not(feature = "fast-runtime"))]
	pub const JOB_TIMEOUT: BlockNumber = 2 * MINUTES;
	/// Blocks a provider has to answer a job.
	#[cfg(feature = "fast-runtime")]
	pub const JOB_TIMEOUT: BlockNumber = 10;
	/// Blocks after an answer during which it can be challenged.
	#[cfg(not(feature = "fast-runtime"))]
	pub const CHALLENGE_WINDOW: BlockNumber = 10 * MINUTES;
	/// Blocks after an answer during which it can be challenged.
	#[cfg(feature = "fast-runtime")]
	pub const CHALLENGE_WINDOW: BlockNumber = 10;
	/// Blocks the verifiers of a dispute have to vote.
	#[cfg(not(feature = "fast-runtime"))]
	pub const DISPUTE_PERIOD: BlockNumber = 5 * MINUTES;
	/// Blocks the verifiers of a dispute have to vote.
	#[cfg(feature = "fast-runtime")]
	pub const DISPUTE_PERIOD: BlockNumber = 10;
	/// Blocks a refund stays locked: one day (one minute with `fast-runtime`).
	#[cfg(not(feature = "fast-runtime"))]
	pub const REFUND_LOCK: BlockNumber = DAYS;
	/// Blocks a refund stays locked: one day (one minute with `fast-runtime`).
	#[cfg(feature = "fast-runtime")]
	pub const REFUND_LOCK: BlockNumber = MINUTES;
	/// The longest a spending capability may run: 30 days.
	pub const MAX_CAPABILITY_LIFETIME: BlockNumber = 30 * DAYS;
	/// Paid to the treasury with every job: 0.001 0G.
	pub const JOB_SUBMISSION_FEE: Balance = MILLI_ZG;
	/// Paid for a deterministic refusal: 0.000001 0G (at most the job's max fee).
	pub const REFUSAL_FEE: Balance = MICRO_ZG;
	/// The smallest dispute deposit: 1 0G (or ten times the disputed fee, if more).
	pub const MIN_DISPUTE_DEPOSIT: Balance = ZG;
}

parameter_types! {
	pub const ComputePalletId: frame_support::PalletId = frame_support::PalletId(*b"zg/cmpte");
	/// Half of a dispute's reward pot goes to the majority verifiers.
	pub const VerifierShare: Perbill = Perbill::from_percent(50);
}

impl pallet_zg_compute::Config for Runtime {
	type AuthorityId = zg_offchain::crypto::ProviderAuthId;
	type CapabilitySignature = Signature;
	type Currency = Balances;
	type Staking = Staking;
	type Beacon = Beacon;
	type Files = Storage;
	type Treasury = TreasuryAccount;
	type PalletId = ComputePalletId;
	type MaxModelLen = ConstU32<128>;
	type MaxUrlLen = ConstU32<256>;
	type MaxInputLen = ConstU32<{ 16 * 1024 }>;
	type MaxStoredInput = ConstU64<{ 16 << 20 }>;
	type MaxTokens = ConstU32<8192>;
	type MaxServicesPerProvider = ConstU32<16>;
	type MaxConcurrency = ConstU32<4>;
	type MaxOpenJobsPerProvider = ConstU32<16>;
	type MaxBatch = ConstU32<16>;
	// Governed at run time (governance::params), as are the fees, deposit and slashes below.
	type JobTimeout = dynamic_params::compute::JobTimeout;
	type ChallengeWindow = ConstU32<{ compute_params::CHALLENGE_WINDOW }>;
	type DisputePeriod = ConstU32<{ compute_params::DISPUTE_PERIOD }>;
	type RefundLock = ConstU32<{ compute_params::REFUND_LOCK }>;
	type MaxCapabilityLifetime = ConstU32<{ compute_params::MAX_CAPABILITY_LIFETIME }>;
	type JobSubmissionFee = dynamic_params::compute::JobSubmissionFee;
	type RefusalFee = ConstU128<{ compute_params::REFUSAL_FEE }>;
	type MinDisputeDeposit = dynamic_params::compute::MinDisputeDeposit;
	type DisputeDepositFactor = ConstU32<10>;
	type VerifiersPerDispute = ConstU32<3>;
	type VerifierShare = VerifierShare;
	type MissedJobSlash = dynamic_params::compute::MissedJobSlash;
	type WrongResultSlash = dynamic_params::compute::WrongResultSlash;
	type VerifierSlash = dynamic_params::compute::VerifierSlash;
	type DeadlineWeight = DeadlineWeight;
	type WeightInfo = pallet_zg_compute::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ComputeBenchmarkHelper;
}

/// Benchmarks sign spending capabilities with an sr25519 key of the benchmark keystore.
#[cfg(feature = "runtime-benchmarks")]
pub struct ComputeBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl ComputeBenchmarkHelper {
	pub(crate) const KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"zgbn");
	fn public() -> sp_core::sr25519::Public {
		sp_io::crypto::sr25519_generate(Self::KEY, Some(b"//zg-benchmark".to_vec()))
	}
}
#[cfg(feature = "runtime-benchmarks")]
impl pallet_zg_compute::BenchmarkHelper<AccountId, Signature> for ComputeBenchmarkHelper {
	fn signer() -> AccountId {
		sp_runtime::traits::IdentifyAccount::into_account(sp_runtime::MultiSigner::from(
			Self::public(),
		))
	}
	fn sign(payload: &[u8]) -> Signature {
		// Without the key in the keystore the signature is empty, and the benchmark's
		// settlement fails its check instead of the runtime panicking.
		let signature = sp_io::crypto::sr25519_sign(Self::KEY, &Self::public(), payload)
			.unwrap_or_else(|| sp_core::sr25519::Signature::from_raw([0; 64]));
		Signature::Sr25519(signature)
	}
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session_historical::IdentificationTuple<Self>;
	type OnOffenceHandler = Staking;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Offchain workers sign with sr25519/ed25519/ecdsa keys and MultiSignature, like users.
impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as sp_runtime::traits::Verify>::Signer;
	type Signature = Signature;
}

/// Signed transactions built by offchain workers (storage challenge answers and
/// confirmations), with the same extensions as a user's transaction: mortal for a few minutes,
/// no tip.
impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: Self::Public,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		use sp_runtime::traits::StaticLookup;
		let period = BlockHashCount::get().checked_next_power_of_two().map_or(2, |p| p / 2) as u64;
		let current = u64::from(System::block_number()).saturating_sub(1);
		let extension: TxExtension = (
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckMortality::from(generic::Era::mortal(period, current)),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::default(),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		);
		let payload = SignedPayload::new(call, extension)
			.map_err(
				|e| log::warn!(target: "runtime", "cannot sign an offchain transaction: {e:?}"),
			)
			.ok()?;
		let signature = codec::Encode::using_encoded(&payload, |bytes| A::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		let address = <Runtime as frame_system::Config>::Lookup::unlookup(account);
		Some(generic::UncheckedExtrinsic::new_signed(call, address, signature, extension).into())
	}
}

/// Unsigned transactions built by the runtime itself (equivocation reports).
impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		generic::UncheckedExtrinsic::new_bare(call).into()
	}
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = weights::pallet_utility::WeightInfo<Runtime>;
}

parameter_types! {
	pub const DepositPerItem: Balance = deposit(1, 0);
	pub const DepositPerChildTrieItem: Balance = deposit(1, 0) / 100;
	pub const DepositPerByte: Balance = deposit(0, 1);
	pub CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
}

/// The EVM chain id of the 0G devnet (`eth_chainId`).
pub const EVM_CHAIN_ID: u64 = 16_699;

#[derive_impl(pallet_revive::config_preludes::TestDefaultConfig)]
impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Self>;
	// The 0G pallets in reach of Solidity, at fixed addresses (precompiles/*.sol).
	type Precompiles = precompiles::Precompiles;
	type FindAuthor = <Runtime as pallet_authorship::Config>::FindAuthor;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = AccountId32Mapper<Self>;
	// Run EVM bytecode (solc output) as well as PolkaVM.
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<Self::AccountId>;
	type InstantiateOrigin = EnsureSigned<Self::AccountId>;
	type ChainId = ConstU64<EVM_CHAIN_ID>;
	// 18 decimals on both sides: one plank is one wei.
	type NativeToEthRatio = ConstU32<1>;
	type FeeInfo = FeeInfo<Address, Signature, EthExtraImpl>;
	type DebugEnabled = ConstBool<false>;
	type AutoMap = ConstBool<true>;
	type GasScale = ConstU32<GAS_SCALE>;
}

/// The address format of extrinsics.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// A block of this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A header hash.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, checked in this order on every signed extrinsic.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	// Turns the origin of an Ethereum transaction into its mapped account; encodes nothing.
	pallet_revive::evm::tx_extension::SetOrigin<Runtime>,
	// The signer's proof of the metadata it showed (RFC-0078: hardware wallets and offline
	// signers). A mode byte in the extrinsic; the runtime is not yet built with its metadata
	// hash, so signers send mode 0 (disabled).
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	// Last, so that it sees the refunds of every extension before it.
	frame_system::WeightReclaim<Runtime>,
);

/// How pallet-revive wraps a signed Ethereum transaction into an extrinsic of this runtime.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EthExtraImpl;

impl EthExtra for EthExtraImpl {
	type Config = Runtime;
	type ExtensionV0 = TxExtension;
	type ExtensionOtherVersions = sp_runtime::traits::InvalidVersion;

	fn get_eth_extension(nonce: u32, tip: Balance) -> Self::ExtensionV0 {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckMortality::from(generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
			pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::new_from_eth_transaction(),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

/// An extrinsic: a Substrate extrinsic, or an Ethereum transaction wrapped by pallet-revive.
pub type UncheckedExtrinsic =
	pallet_revive::evm::runtime::UncheckedExtrinsic<Address, Signature, EthExtraImpl>;
/// The payload that a Substrate extrinsic's signature covers.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Executes blocks: dispatches extrinsics to the pallets in order.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	migrations::SingleBlock,
>;

#[frame_support::runtime]
mod runtime {
	/// The runtime: every pallet's `Config` is implemented for it.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(3)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	// Genesis and hooks run in index order: Staking's genesis sets up the validators that
	// Session's genesis asks it for, so Staking comes first.
	#[runtime::pallet_index(6)]
	pub type Staking = pallet_zg_staking;
	#[runtime::pallet_index(7)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(8)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(9)]
	pub type Historical = pallet_session_historical;
	#[runtime::pallet_index(10)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(11)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(12)]
	pub type Utility = pallet_utility;
	// Hooks run in index order: the beacon records the parent block's randomness before
	// Storage and Compute draw from it in their own `on_initialize`.
	#[runtime::pallet_index(13)]
	pub type Beacon = pallet_zg_beacon;
	#[runtime::pallet_index(14)]
	pub type Storage = pallet_zg_storage;
	#[runtime::pallet_index(15)]
	pub type Compute = pallet_zg_compute;
	#[runtime::pallet_index(16)]
	pub type Da = pallet_zg_da;
	#[runtime::pallet_index(17)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(18)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(20)]
	pub type Revive = pallet_revive;
	#[runtime::pallet_index(21)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(22)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(23)]
	pub type Origins = governance::origins;
	#[runtime::pallet_index(24)]
	pub type Whitelist = pallet_whitelist;
	#[runtime::pallet_index(25)]
	pub type TechnicalCommittee = pallet_collective<Instance1>;
	#[runtime::pallet_index(26)]
	pub type TechnicalMembership = pallet_membership<Instance1>;
	#[runtime::pallet_index(27)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(28)]
	pub type Parameters = pallet_parameters;
	#[runtime::pallet_index(29)]
	pub type Params = governance::params::pallet_bounded_params;
	#[runtime::pallet_index(30)]
	pub type MultiBlockMigrations = pallet_migrations;
}

use pallet_grandpa::AuthorityId as GrandpaId;

#[cfg(feature = "runtime-benchmarks")]
mod benches {
	frame_benchmarking::define_benchmarks!(
		[frame_system, SystemBench::<Runtime>]
		[frame_system_extensions, SystemExtensionsBench::<Runtime>]
		[pallet_balances, Balances]
		[pallet_transaction_payment, TransactionPayment]
		[pallet_timestamp, Timestamp]
		[pallet_sudo, Sudo]
		[pallet_utility, Utility]
		[pallet_zg_staking, Staking]
		[pallet_zg_storage, Storage]
		[pallet_zg_compute, Compute]
		[pallet_zg_da, Da]
		[pallet_zg_beacon, Beacon]
		[pallet_migrations, MultiBlockMigrations]
	);
	// pallet-revive keeps its upstream weights: its benchmarks need solc and the PolkaVM
	// toolchain at build time (pallet-revive-fixtures).
}

pallet_revive::impl_runtime_apis_plus_revive_traits!(
	Runtime,
	Revive,
	Executive,
	EthExtraImpl,

	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(
			data: sp_inherents::InherentData,
		) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_babe::BabeApi<Block> for Runtime {
		fn configuration() -> sp_consensus_babe::BabeConfiguration {
			let epoch_config = Babe::epoch_config().unwrap_or(BABE_GENESIS_EPOCH_CONFIG);
			sp_consensus_babe::BabeConfiguration {
				slot_duration: Babe::slot_duration(),
				epoch_length: EpochDuration::get(),
				c: epoch_config.c,
				authorities: Babe::authorities().to_vec(),
				randomness: Babe::randomness(),
				allowed_slots: epoch_config.allowed_slots,
			}
		}

		fn current_epoch_start() -> sp_consensus_babe::Slot {
			Babe::current_epoch_start()
		}

		fn current_epoch() -> sp_consensus_babe::Epoch {
			Babe::current_epoch()
		}

		fn next_epoch() -> sp_consensus_babe::Epoch {
			Babe::next_epoch()
		}

		fn generate_key_ownership_proof(
			_slot: sp_consensus_babe::Slot,
			authority_id: sp_consensus_babe::AuthorityId,
		) -> Option<sp_consensus_babe::OpaqueKeyOwnershipProof> {
			use codec::Encode;

			Historical::prove((sp_consensus_babe::KEY_TYPE, authority_id))
				.map(|p| p.encode())
				.map(sp_consensus_babe::OpaqueKeyOwnershipProof::new)
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_babe::EquivocationProof<<Block as BlockT>::Header>,
			key_owner_proof: sp_consensus_babe::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;

			Babe::submit_unsigned_equivocation_report(
				equivocation_proof,
				key_owner_proof,
			)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			pallet_grandpa::CurrentSetId::<Runtime>::get()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;

			Grandpa::submit_unsigned_equivocation_report(
				equivocation_proof,
				key_owner_proof,
			)
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			use codec::Encode;

			Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
				.map(|p| p.encode())
				.map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(
			encoded: Vec<u8>,
		) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_zg_da::runtime_api::DaApi<Block, AccountId, BlockNumber> for Runtime {
		fn blob(
			root: sp_core::H256,
		) -> Option<pallet_zg_da::runtime_api::BlobView<AccountId, BlockNumber>> {
			Da::blob_view(root)
		}
		fn is_available(root: sp_core::H256) -> bool {
			Da::is_available(root)
		}
		fn committee(
			epoch: Option<pallet_zg_da::Epoch>,
		) -> Option<(pallet_zg_da::Epoch, Vec<pallet_zg_da::runtime_api::MemberView<AccountId>>)> {
			Da::committee_view(epoch)
		}
	}

	impl pallet_zg_compute::runtime_api::ComputeApi<Block, AccountId> for Runtime {
		fn services(
			model: Option<Vec<u8>>,
			max_input_price: Option<Balance>,
			max_output_price: Option<Balance>,
			start_after: Option<u64>,
			limit: u32,
		) -> pallet_zg_compute::runtime_api::ServicePage<AccountId> {
			Compute::services_view(model, max_input_price, max_output_price, start_after, limit)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance>
		for Runtime
	{
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::{
				extensions::Pallet as SystemExtensionsBench, Pallet as SystemBench,
			};

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);

			let storage_info = AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{BenchmarkBatch, BenchmarkError};
			use frame_support::traits::TrackedStorageKey;
			use frame_system_benchmarking::{
				extensions::Pallet as SystemExtensionsBench, Pallet as SystemBench,
			};

			// Fees go to the treasury and the staking reward pot: nothing to set up.
			impl pallet_transaction_payment::BenchmarkConfig for Runtime {}

			impl frame_system_benchmarking::Config for Runtime {
				fn setup_set_code_requirements(code: &Vec<u8>) -> Result<(), BenchmarkError> {
					frame_system::Pallet::<Runtime>::update_code_in_storage(code);
					Ok(())
				}
			}

			let whitelist: Vec<TrackedStorageKey> =
				<AllPalletsWithSystem as frame_support::traits::WhitelistedStorageKeys>::whitelisted_storage_keys();

			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);

			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(
			checks: frame_try_runtime::UpgradeCheckSelect,
		) -> (Weight, Weight) {
			// A failed migration check is reported as a weight no block can hold, which
			// try-runtime rejects; the runtime itself never panics.
			let weight = Executive::try_runtime_upgrade(checks).unwrap_or_else(|e| {
				log::error!(target: "runtime", "try-runtime upgrade checks failed: {e:?}");
				Weight::MAX
			});
			(weight, RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.unwrap_or_else(|e| {
					log::error!(target: "runtime", "try-runtime block execution failed: {e:?}");
					Weight::MAX
				})
		}
	}
);
