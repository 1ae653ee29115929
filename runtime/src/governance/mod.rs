//! # Governance: $0G holders decide, a technical committee acts fast, a treasury pays
//!
//! - **Referenda** (pallet-referenda, pallet-conviction-voting): anyone submits a proposal on
//!   one of the [`tracks`]; token holders vote with conviction, locking their 0G for longer to
//!   count more. Bonded 0G votes too: a voting lock overlaps staking's holds, so a validator or
//!   provider governs with the stake it already has at work. A proposal passes when its
//!   approval and support stay above the track's curves for the confirm period, and is then
//!   scheduled (pallet-scheduler) with the track's [`origins`].
//! - **Preimages** (pallet-preimage): a proposal's call is noted once, against a deposit.
//! - **The technical committee** (pallet-collective, its members managed by
//!   pallet-membership): its members can whitelist a call (pallet-whitelist), which then goes to
//!   the short `whitelisted_caller` track, and cancel a waiting slash within the slash defer
//!   window, shorter than a referendum with ordinary support takes. It cannot cancel referenda
//!   by itself, so it cannot block the `root` referenda that add and remove its members. At genesis of a `local` chain
//!   the validators are the committee: a majority of validators can then cancel a validator's
//!   slash, so a network with outside stake should vote in members who do not validate.
//! - **The treasury** (pallet-treasury): owns the account that slashes pay into and receives
//!   [`TREASURY_FEE_SHARE`] of every transaction fee ([`fees::DealWithFees`]). It spends through
//!   the `treasurer` track (at most [`origins::MaxTreasurerSpend`] a referendum) or `root`.
//!
//! - **Parameters** ([`params`]): fees, slash fractions, periods and inflation are read from
//!   pallet-parameters at run time; `Params.set` changes one for its track's origin, within its
//!   bounds.
//!
//! Sudo exists only in the `development` preset; every other preset starts without a sudo key.

pub mod fees;
pub mod origins;
pub mod params;
pub mod tracks;
pub mod treasury;

#[cfg(test)]
mod tests;

use crate::{
	deposit, time::*, AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Runtime,
	RuntimeBlockWeights, RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler,
	System, TechnicalCommittee, ZG,
};
use crate::{Referenda, Treasury};
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, tokens::UnityAssetBalanceConversion, ConstU32, EitherOf,
		EqualPrivilegeOnly, LinearStoragePrice,
	},
	weights::Weight,
	PalletId,
};
use frame_system::{EnsureRoot, EnsureRootWithSuccess, EnsureSigned, EnsureWithSuccess};
use sp_runtime::{traits::IdentityLookup, Perbill, Permill};

pub use fees::TREASURY_FEE_SHARE;

/// Root, or more than half of the technical committee.
pub type RootOrHalfCommittee = EitherOf<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionMoreThan<AccountId, TechnicalCollective, 1, 2>,
>;

/// The instance of pallet-collective and pallet-membership that is the technical committee.
pub type TechnicalCollective = pallet_collective::Instance1;

/// Governance periods, in blocks.
mod periods {
	use super::*;

	/// How long a conviction-1 vote stays locked after its referendum ends (doubled per
	/// conviction step).
	#[cfg(not(feature = "fast-runtime"))]
	pub const VOTE_LOCKING: BlockNumber = 7 * DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const VOTE_LOCKING: BlockNumber = 10;

	/// How long a referendum may wait for its decision deposit before it times out.
	#[cfg(not(feature = "fast-runtime"))]
	pub const UNDECIDING_TIMEOUT: BlockNumber = 14 * DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const UNDECIDING_TIMEOUT: BlockNumber = 100;

	/// How long a committee motion is open.
	#[cfg(not(feature = "fast-runtime"))]
	pub const MOTION: BlockNumber = 3 * DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const MOTION: BlockNumber = 20;

	/// How long an approved treasury spend can be claimed.
	#[cfg(not(feature = "fast-runtime"))]
	pub const PAYOUT: BlockNumber = 30 * DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const PAYOUT: BlockNumber = 100;

	/// How often the treasury pays approved (legacy) proposals.
	#[cfg(not(feature = "fast-runtime"))]
	pub const SPEND: BlockNumber = 6 * DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const SPEND: BlockNumber = 20;

	/// How long a deferred whitelisted dispatch waits to be executed.
	#[cfg(not(feature = "fast-runtime"))]
	pub const DEFERRED_DISPATCH: BlockNumber = DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const DEFERRED_DISPATCH: BlockNumber = 50;
}

parameter_types! {
	/// Scheduled calls (enacted referenda) may take 80 % of a block.
	pub MaximumSchedulerWeight: Weight =
		Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// A preimage holds 1 0G plus 100 µ0G per byte (about 130 0G for a runtime upgrade):
	/// state kept until the preimage is unnoted costs what the chain's state costs elsewhere.
	pub const PreimageBaseDeposit: Balance = ZG;
	pub const PreimageByteDeposit: Balance = deposit(0, 100);
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	// Only referenda schedule (through their own interface); root may too.
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	pub const VoteLockingPeriod: BlockNumber = periods::VOTE_LOCKING;
}

impl pallet_conviction_voting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type Polls = Referenda;
	// Support is measured against every 0G in existence.
	type MaxTurnout =
		frame_support::traits::tokens::currency::ActiveIssuanceOf<Balances, AccountId>;
	type MaxVotes = ConstU32<512>;
	type VoteLockingPeriod = VoteLockingPeriod;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

parameter_types! {
	/// Held from whoever submits a referendum, returned when it ends (unless killed).
	pub const SubmissionDeposit: Balance = 10 * ZG;
	pub const UndecidingTimeout: BlockNumber = periods::UNDECIDING_TIMEOUT;
}

impl pallet_referenda::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = frame_support::traits::AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	// Token holders cancel (deposits returned) or kill (deposits to the treasury) a referendum
	// on tracks of their own, with room for many at once, so that junk referenda holding the
	// deciding places of a track can be removed without that track. The committee cannot: it
	// could otherwise block every referendum that would replace it.
	type CancelOrigin = EitherOf<EnsureRoot<AccountId>, origins::ReferendumCanceller>;
	type KillOrigin = EitherOf<EnsureRoot<AccountId>, origins::ReferendumKiller>;
	type Slash = Treasury;
	type Votes = Balance;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = ConstU32<1>;
	type Tracks = tracks::TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl origins::Config for Runtime {}

parameter_types! {
	pub const DeferredDispatchExpiration: BlockNumber = periods::DEFERRED_DISPATCH;
}

impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = RootOrHalfCommittee;
	// A whitelisted call is dispatched as root by a `whitelisted_caller` referendum.
	type DispatchWhitelistedOrigin = EitherOf<EnsureRoot<AccountId>, origins::WhitelistedCaller>;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const MotionDuration: BlockNumber = periods::MOTION;
	/// A committee motion may take half a block.
	pub MaxCollectiveProposalWeight: Weight =
		Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

/// The most members the technical committee can have.
pub const MAX_COMMITTEE_MEMBERS: u32 = 50;

impl pallet_collective::Config<TechnicalCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<MAX_COMMITTEE_MEMBERS>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	// Members change through pallet-membership only.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxCollectiveProposalWeight;
	// A majority of the committee can throw out motions that one member keeps filling it with.
	type DisapproveOrigin = RootOrHalfCommittee;
	type KillOrigin = RootOrHalfCommittee;
	type Consideration = ();
}

impl pallet_membership::Config<TechnicalCollective> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// Token holders (a `root` referendum) choose the committee.
	type AddOrigin = EnsureRoot<AccountId>;
	type RemoveOrigin = EnsureRoot<AccountId>;
	type SwapOrigin = EnsureRoot<AccountId>;
	type ResetOrigin = EnsureRoot<AccountId>;
	type PrimeOrigin = EnsureRoot<AccountId>;
	type MembershipInitialized = TechnicalCommittee;
	type MembershipChanged = TechnicalCommittee;
	type MaxMembers = ConstU32<MAX_COMMITTEE_MEMBERS>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The treasury's account: the one slashes have always been paid into.
	pub const TreasuryPalletId: PalletId = PalletId(*b"zg/trsry");
	pub const SpendPeriod: BlockNumber = periods::SPEND;
	/// Nothing of the treasury is burnt.
	pub const Burn: Permill = Permill::zero();
	pub const PayoutPeriod: BlockNumber = periods::PAYOUT;
	/// What root may spend at once: everything.
	pub const MaxBalance: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	// Only root voids a spend: a `treasurer` referendum cannot undo what root approved.
	type RejectOrigin = EnsureRoot<AccountId>;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = Burn;
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	type SpendOrigin = EitherOf<
		EnsureRootWithSuccess<AccountId, MaxBalance>,
		EnsureWithSuccess<origins::Treasurer, AccountId, origins::MaxTreasurerSpend>,
	>;
	// Spends are in 0G only, paid from the treasury's account.
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = treasury::PayFromTreasury;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type BlockNumberProvider = System;
}

/// The committee's origin for cancelling slashes, with root and the `staking_admin` track.
pub type SlashCancelOrigin = EitherOf<RootOrHalfCommittee, origins::StakingAdmin>;
/// Staking administration: root or the `staking_admin` track.
pub type StakingAdminOrigin = EitherOf<EnsureRoot<AccountId>, origins::StakingAdmin>;
/// Prices and parameters: root or the `params_admin` track.
pub type ParamsAdminOrigin = EitherOf<EnsureRoot<AccountId>, origins::ParamsAdmin>;
