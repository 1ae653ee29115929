//! # $0G staking
//!
//! Delegated proof of stake for the 0G chain, and collateral for every service role.
//!
//! ## Bonds
//! An account *bonds* $0G with [`Pallet::bond`]: the amount is put on hold
//! ([`HoldReason::Staking`]) and recorded in its [`StakingLedger`]. [`Pallet::unbond`] moves part
//! of the active bond into an unlocking chunk that [`Pallet::withdraw_unbonded`] releases
//! [`Config::BondingDuration`] eras later; until then [`Pallet::rebond`] can take it back.
//!
//! ## Validators and delegators
//! A bonded account either *validates* ([`Pallet::validate`], with a commission and at least
//! [`MinValidatorBond`] of its own) or *delegates* its active bond to up to
//! [`Config::MaxDelegationTargets`] validators ([`Pallet::delegate`]); the bond is split evenly
//! among the targets. [`Pallet::chill`] stops either.
//!
//! ## Eras
//! An era is [`Config::SessionsPerEra`] sessions. One session before an era starts, the pallet
//! elects the [`ValidatorCount`] candidates with the most backing (own active bond plus the
//! delegated shares), snapshots their exposure (who backs them with how much) and hands them
//! to pallet-session as the next validator set.
//!
//! ## Rewards
//! When an era ends, its reward is the inflation ([`Config::YearlyInflation`] of the total
//! issuance, pro rata of the era's duration, minted) plus the transaction fees collected in the
//! reward pot ([`FeesToRewardPot`]). Block authors earn era points; each elected validator's
//! part of the reward is proportional to its points. [`Pallet::payout_stakers`] pays one page
//! of a validator's exposure at a time: the commission and the validator's own share with page
//! 0, and every delegator of the page its share of the rest, pro rata of stake.
//!
//! ## Slashing
//! BABE and GRANDPA equivocations reach the pallet through pallet-offences
//! ([`sp_staking::offence::OnOffenceHandler`]). The offender is chilled at once, disabled until
//! the validator set changes, at the next era (pallet-session's disabling strategy,
//! [`Config::SessionInterface`]; only for an offence of the active era)
//! and slashed the larger of pallet-offences' fraction (which grows with the number of
//! offenders) and [`Config::OffenceSlashFraction`] of its exposure in the offence's era (its own
//! stake and every backer's). A later report of the same era with a larger fraction tops the
//! slash up. The slash is applied at the start of the era [`Config::SlashDeferDuration`] eras
//! after the offence (or the next era, for a late report), unless root cancels it with
//! [`Pallet::cancel_deferred_slash`]; when that era's queue is full, it waits for the next, at
//! the latest until the offence era's unbonded funds unlock. Offences at least
//! [`Config::BondingDuration`] eras old are refused, and the historical sessions that their
//! reports would be checked against are pruned. Slashed funds go to the [`Config::Treasury`].
//! A validator that authored no block during a whole era it was elected for is chilled.
//!
//! ## Service roles
//! [`Pallet::register_role`] bonds $0G for a [`Role`] (storage provider, DA signer, compute
//! provider) on hold ([`HoldReason::RoleBond`]); [`Pallet::unregister_role`] starts its
//! unbonding. The storage, DA and compute pallets use [`RoleStaking`] to check eligibility,
//! read the bond and slash it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod delegation;
mod era;
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
mod rewards;
mod roles;
mod slashing;
#[cfg(feature = "std")]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod weights;

pub use pallet::*;
pub use weights::WeightInfo;
pub use zg_primitives::staking::{Role, RoleObligations, RoleStaking, SlashReason};

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{
		fungible::{self, Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		Get, OnUnbalanced, UnixTime,
	},
	weights::Weight,
	BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_session::SessionInterface as _;
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AccountIdConversion, Saturating, Zero},
	Perbill, Rounding, SaturatedConversion,
};
use sp_staking::{
	offence::{OffenceDetails, OffenceSeverity},
	SessionIndex,
};
use zg_primitives::Balance;

/// Index of an era.
pub type EraIndex = u32;

/// A validator as elected: its account, own stake, total stake, commission and backers.
pub type Elected<T> =
	(<T as frame_system::Config>::AccountId, Balance, Balance, Perbill, Backing<T>);

/// Era points that the author of a block earns.
pub const POINTS_PER_BLOCK: u32 = 20;

/// Milliseconds in a year of 365.25 days: the period of [`Config::YearlyInflation`].
pub const MILLISECONDS_PER_YEAR: u64 = 31_557_600_000;

/// Part of the bond that unlocks at the end of `era`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default)]
pub struct UnlockChunk {
	/// The amount that unlocks.
	pub value: Balance,
	/// The era at whose start it can be withdrawn.
	pub era: EraIndex,
}

/// The bond of an account.
#[derive(
	Encode,
	Decode,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
	DefaultNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct StakingLedger<T: Config> {
	/// Everything on hold for staking: the active bond plus the unlocking chunks.
	pub total: Balance,
	/// The part that backs validators and earns rewards.
	pub active: Balance,
	/// Parts being unbonded, oldest first.
	pub unlocking: BoundedVec<UnlockChunk, T::MaxUnlockingChunks>,
}

impl<T: Config> StakingLedger<T> {
	/// Takes up to `value` out of the unlocking chunks, newest first, dropping emptied chunks.
	/// Returns the amount taken; `total` and `active` are the caller's to adjust.
	fn take_unlocking(&mut self, value: Balance) -> Balance {
		let mut left = value;
		for chunk in self.unlocking.iter_mut().rev() {
			if left.is_zero() {
				break;
			}
			let take = left.min(chunk.value);
			chunk.value = chunk.value.saturating_sub(take);
			left = left.saturating_sub(take);
		}
		self.unlocking.retain(|c| !c.value.is_zero());
		value.saturating_sub(left)
	}
}

/// What a validator asks for its work.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Default,
)]
pub struct ValidatorPrefs {
	/// The part of the validator's reward that it keeps before sharing with its backers.
	pub commission: Perbill,
}

/// The delegators backing a validator, with the share of each one's bond.
#[derive(
	Encode,
	Decode,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
	DefaultNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Backing<T: Config> {
	/// Sum of the shares.
	pub total: Balance,
	/// Each delegator and its share.
	pub backers: BoundedVec<(T::AccountId, Balance), T::MaxBackersPerValidator>,
}

/// A validator's stake as elected for an era.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default)]
pub struct ExposureOverview {
	/// Own stake plus every backer's share.
	pub total: Balance,
	/// The validator's own active bond.
	pub own: Balance,
	/// Number of backers.
	pub backer_count: u32,
	/// Number of exposure pages (at least one).
	pub page_count: u32,
	/// The commission in force for the era.
	pub commission: Perbill,
}

/// The era in progress.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct ActiveEraInfo {
	/// Its index.
	pub index: EraIndex,
	/// When its first block was finalized (Unix milliseconds); `None` until then.
	pub start: Option<u64>,
}

/// A service bond.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default)]
pub struct RoleBond {
	/// The amount on hold.
	pub amount: Balance,
	/// When the bond is being unbonded: the era from which it can be withdrawn.
	pub unbonding_era: Option<EraIndex>,
}

/// A validator offence waiting to be applied, kept in [`UnappliedSlashes`] under the era it is
/// due at, the offender and the offence era.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct UnappliedSlash<AccountId> {
	/// The part of every stake exposed behind the offender in the offence era that is slashed.
	pub fraction: Perbill,
	/// Who reported the offence first (never the offender): it is paid
	/// [`Config::ReporterShare`] of what the offender's own stake loses.
	pub reporter: Option<AccountId>,
}

/// The largest fraction reported for a validator's offences in an era, and the era at whose
/// start its last queued slash is (or was) due.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct OffenceRecord {
	/// The part of the era's exposure slashed in all (queued, applied or cancelled).
	pub fraction: Perbill,
	/// Where the last slash for it was queued.
	pub apply_era: EraIndex,
}

/// Why a validator stopped validating.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum ChillReason {
	/// It asked to.
	Requested,
	/// It was elected for a whole era and authored no block.
	Idle,
	/// It committed an offence (equivocation).
	Offence,
	/// Its own active bond fell below [`MinValidatorBond`] (found at an election).
	BelowMinimum,
	/// Larger delegations took its place among the backers of each of its validators.
	Evicted,
}

/// How an account takes part in staking at genesis.
#[derive(
	Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, serde::Serialize, serde::Deserialize,
)]
pub enum StakerStatus<AccountId> {
	/// Bonded only.
	Idle,
	/// A validator with this commission.
	Validator(Perbill),
	/// A delegator to these validators.
	Delegator(Vec<AccountId>),
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The reasons for which this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A staking bond: validator or delegator.
		#[codec(index = 0)]
		Staking,
		/// A service-role bond.
		#[codec(index = 1)]
		RoleBond,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The native currency. Bonds are holds on it.
		type Currency: fungible::Inspect<Self::AccountId, Balance = Balance>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::InspectHold<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::Balanced<Self::AccountId>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Wall-clock time, to pay inflation pro rata of an era's duration.
		type UnixTime: UnixTime;
		/// Sessions per era.
		#[pallet::constant]
		type SessionsPerEra: Get<SessionIndex>;
		/// Eras before unbonded funds (and unregistered role bonds) can be withdrawn.
		#[pallet::constant]
		type BondingDuration: Get<EraIndex>;
		/// Eras between an offence and its slash being applied (less than
		/// [`Config::BondingDuration`], so that funds unbonded after the offence are still held
		/// when it is).
		#[pallet::constant]
		type SlashDeferDuration: Get<EraIndex>;
		/// Eras for which exposures, points and rewards are kept (and rewards can be claimed).
		#[pallet::constant]
		type HistoryDepth: Get<u32>;
		/// Maximum number of elected validators.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// Maximum number of validator candidates (at least [`Config::MaxValidators`]).
		#[pallet::constant]
		type MaxCandidates: Get<u32>;
		/// Maximum number of validators one delegator backs.
		#[pallet::constant]
		type MaxDelegationTargets: Get<u32>;
		/// Maximum number of delegators backing one validator.
		#[pallet::constant]
		type MaxBackersPerValidator: Get<u32>;
		/// Number of backers paid by one [`Pallet::payout_stakers`] call.
		#[pallet::constant]
		type MaxExposurePageSize: Get<u32>;
		/// Maximum number of unlocking chunks of a ledger.
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;
		/// Maximum number of slashes applied in one block: the slashes due at an era start
		/// beyond it are applied in the next blocks.
		#[pallet::constant]
		type MaxSlashesPerBlock: Get<u32>;
		/// The fewest validators ever elected: with fewer candidates, the current set stays in
		/// place. The election also needs two thirds of the target or of the set in place
		/// ([`Pallet::minimum_validator_count`]).
		#[pallet::constant]
		type MinimumValidatorCount: Get<u32>;
		/// The least that [`Pallet::set_config`] and [`Pallet::set_min_role_bond`] accept for
		/// any minimum bond (validator, delegator, role): a zero minimum would let anyone
		/// take a role or fill a backer list with dust, at no stake.
		#[pallet::constant]
		type MinBondFloor: Get<Balance>;
		/// Inflation per year, as a part of the total issuance.
		#[pallet::constant]
		type YearlyInflation: Get<Perbill>;
		/// The part of an equivocating validator's exposure (own and backers') that is slashed.
		#[pallet::constant]
		type OffenceSlashFraction: Get<Perbill>;
		/// The part of a slash paid to the reporter, when there is one: of a role bond's slash,
		/// or of the offender's own part of a validator offence's slash (not its backers',
		/// which would let a validator with large backing profit from reporting itself).
		#[pallet::constant]
		type ReporterShare: Get<Perbill>;
		/// Identifier of the reward pot account.
		#[pallet::constant]
		type PalletId: Get<frame_support::PalletId>;
		/// Receives slashed funds.
		type Treasury: Get<Self::AccountId>;
		/// pallet-session: an offender is disabled through it, and the historical sessions
		/// that reports of too old offences would be checked against are pruned.
		type SessionInterface: pallet_session::SessionInterface<ValidatorId = Self::AccountId>;
		/// The service pallets: whether an account still owes work in a role. An unbonded role
		/// bond is not released while it does.
		type Obligations: RoleObligations<Self::AccountId>;
		/// Who sets the validator count and the minimum bonds (root or a governance track).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Who cancels a waiting slash (root, a governance track, or a committee that can act
		/// within the defer window).
		type SlashCancelOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights of the calls and the era transitions.
		type WeightInfo: WeightInfo;
	}

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The bond of each staking account.
	#[pallet::storage]
	pub type Ledger<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, StakingLedger<T>>;

	/// Sum of every ledger's `total`.
	#[pallet::storage]
	pub type TotalBonded<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Validator candidates and their preferences.
	#[pallet::storage]
	pub type Validators<T: Config> =
		CountedStorageMap<_, Twox64Concat, T::AccountId, ValidatorPrefs>;

	/// The validators that each delegator backs.
	#[pallet::storage]
	pub type Delegations<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<T::AccountId, T::MaxDelegationTargets>,
	>;

	/// Delegators that evicted others, and the era until whose start they cannot chill,
	/// re-delegate or unbond: the era after the one planned when they evicted, so that their
	/// stake is in at least one election's exposure (slashable, and earning). Evicting costs
	/// stake at work, not only fees.
	#[pallet::storage]
	pub type EvictorLockedUntil<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EraIndex>;

	/// The delegators backing each validator.
	#[pallet::storage]
	pub type Backers<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, Backing<T>, ValueQuery>;

	/// How many validators are elected each era.
	#[pallet::storage]
	pub type ValidatorCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Minimum own active bond of a validator.
	#[pallet::storage]
	pub type MinValidatorBond<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Minimum of any new bond, and of each share of a delegator's active bond (the bond is
	/// split evenly among its validators).
	#[pallet::storage]
	pub type MinDelegatorBond<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Minimum bond of each service role.
	#[pallet::storage]
	pub type MinRoleBond<T: Config> = StorageMap<_, Twox64Concat, Role, Balance, ValueQuery>;

	/// Service bonds.
	#[pallet::storage]
	pub type RoleBonds<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, Role, RoleBond>;

	/// Sum of every role bond.
	#[pallet::storage]
	pub type TotalRoleBonded<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// The latest planned era (elected; it may not have started yet).
	#[pallet::storage]
	pub type CurrentEra<T: Config> = StorageValue<_, EraIndex>;

	/// The era in progress.
	#[pallet::storage]
	pub type ActiveEra<T: Config> = StorageValue<_, ActiveEraInfo>;

	/// The session at which each kept era starts.
	#[pallet::storage]
	pub type ErasStartSessionIndex<T: Config> = StorageMap<_, Twox64Concat, EraIndex, SessionIndex>;

	/// The validators elected for each kept era.
	#[pallet::storage]
	pub type ErasElected<T: Config> = StorageMap<
		_,
		Twox64Concat,
		EraIndex,
		BoundedVec<T::AccountId, T::MaxValidators>,
		ValueQuery,
	>;

	/// Each elected validator's exposure in an era.
	#[pallet::storage]
	pub type ErasStakersOverview<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Twox64Concat, T::AccountId, ExposureOverview>;

	/// The backers of an elected validator in an era, page by page.
	#[pallet::storage]
	pub type ErasStakersPaged<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, EraIndex>,
			NMapKey<Twox64Concat, T::AccountId>,
			NMapKey<Twox64Concat, u32>,
		),
		BoundedVec<(T::AccountId, Balance), T::MaxExposurePageSize>,
	>;

	/// Era points of each validator.
	#[pallet::storage]
	pub type ErasRewardPoints<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Twox64Concat, T::AccountId, u32, ValueQuery>;

	/// Total era points of an era.
	#[pallet::storage]
	pub type ErasTotalPoints<T: Config> = StorageMap<_, Twox64Concat, EraIndex, u32, ValueQuery>;

	/// The reward of each ended era that is still kept.
	#[pallet::storage]
	pub type ErasValidatorReward<T: Config> = StorageMap<_, Twox64Concat, EraIndex, Balance>;

	/// How much of an era's reward has been paid.
	#[pallet::storage]
	pub type ErasRewardPaid<T: Config> = StorageMap<_, Twox64Concat, EraIndex, Balance, ValueQuery>;

	/// The exposure pages of a validator already paid for an era, as a bit set.
	#[pallet::storage]
	pub type ClaimedPages<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Twox64Concat, T::AccountId, u32, ValueQuery>;

	/// Rewards of kept eras not paid yet: the reward pot holds at least this much.
	#[pallet::storage]
	pub type UnclaimedRewards<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Slashes waiting to be applied, under the era at whose start they are due, then the
	/// offender and the offence era. One per offence; offences are recorded for elected
	/// validators only and refused once [`Config::BondingDuration`] eras old, so at most
	/// `MaxValidators × BondingDuration` wait.
	#[pallet::storage]
	pub type UnappliedSlashes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EraIndex,
		Twox64Concat,
		(T::AccountId, EraIndex),
		UnappliedSlash<T::AccountId>,
	>;

	/// The oldest started era whose slashes are not all applied yet. While it is set, up to
	/// [`Config::MaxSlashesPerBlock`] are applied each block and no unbonded funds are
	/// withdrawn.
	#[pallet::storage]
	pub type SlashesDue<T: Config> = StorageValue<_, EraIndex>;

	/// pallet-session's historical sessions before this one are pruned. Pruning catches up
	/// at most two eras of sessions per era, so that no era start prunes without bound.
	#[pallet::storage]
	pub type HistoryPrunedUpTo<T: Config> = StorageValue<_, SessionIndex, ValueQuery>;

	/// Validators reported for an offence in an era: the fraction slashed so far and where the
	/// slash was queued. One slash per era and validator, topped up by a larger report.
	#[pallet::storage]
	pub type OffenceSeen<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Twox64Concat, T::AccountId, OffenceRecord>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// How many validators are elected each era.
		pub validator_count: u32,
		/// Minimum own active bond of a validator.
		pub min_validator_bond: Balance,
		/// Minimum active bond of a delegator.
		pub min_delegator_bond: Balance,
		/// Minimum bond of each role.
		pub min_role_bonds: Vec<(Role, Balance)>,
		/// Initial stakers: account, bond, and what it does.
		pub stakers: Vec<(T::AccountId, Balance, StakerStatus<T::AccountId>)>,
		/// Initial service bonds.
		pub role_bonds: Vec<(T::AccountId, Role, Balance)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			ValidatorCount::<T>::put(self.validator_count);
			MinValidatorBond::<T>::put(self.min_validator_bond);
			MinDelegatorBond::<T>::put(self.min_delegator_bond);
			for (role, bond) in &self.min_role_bonds {
				MinRoleBond::<T>::insert(role, bond);
			}
			// The reward pot and the treasury exist from the start, so that any amount can be
			// moved to them.
			let ed = T::Currency::minimum_balance();
			for account in [Pallet::<T>::reward_pot(), T::Treasury::get()] {
				if T::Currency::balance(&account) < ed
					&& T::Currency::mint_into(&account, ed).is_err()
				{
					frame_support::defensive!("genesis: cannot endow the reward pot or treasury");
				}
			}
			// A staker or role bond that the calls reject is left out and reported, as the
			// calls would reject it on a live chain; nothing panics.
			let signed = |who: &T::AccountId| -> OriginFor<T> {
				frame_system::RawOrigin::Signed(who.clone()).into()
			};
			for (who, bond, status) in &self.stakers {
				// All or nothing, as a transaction would be.
				let result = frame_support::storage::with_storage_layer(|| {
					Pallet::<T>::bond(signed(who), *bond).and_then(|()| match status {
						StakerStatus::Idle => Ok(()),
						StakerStatus::Validator(commission) => {
							Pallet::<T>::validate(signed(who), *commission)
						},
						StakerStatus::Delegator(targets) => {
							Pallet::<T>::delegate(signed(who), targets.clone())
						},
					})
				});
				if let Err(e) = result {
					log::error!(target: "runtime::zg-staking", "genesis staker {who:?}: {e:?}");
					frame_support::defensive!("genesis: a staker was rejected");
				}
			}
			for (who, role, bond) in &self.role_bonds {
				if let Err(e) = Pallet::<T>::register_role(signed(who), *role, *bond) {
					log::error!(target: "runtime::zg-staking", "genesis role bond {who:?}: {e:?}");
					frame_support::defensive!("genesis: a role bond was rejected");
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `stash` put `amount` more on hold for staking.
		Bonded { stash: T::AccountId, amount: Balance },
		/// `stash` started unbonding `amount`, withdrawable from `unlock_era`.
		Unbonded { stash: T::AccountId, amount: Balance, unlock_era: EraIndex },
		/// `amount` of unbonding funds went back to the active bond of `stash`.
		Rebonded { stash: T::AccountId, amount: Balance },
		/// `amount` of unbonded funds (staking and role bonds) was released to `stash`.
		Withdrawn { stash: T::AccountId, amount: Balance },
		/// Larger delegations took the place of `delegator` among the backers of `validator`;
		/// its bond is re-split among its other validators.
		DelegationEvicted { delegator: T::AccountId, validator: T::AccountId },
		/// `validator` is a candidate with this commission.
		ValidatorPrefsSet { validator: T::AccountId, commission: Perbill },
		/// `delegator` now backs `targets`.
		Delegated { delegator: T::AccountId, targets: Vec<T::AccountId> },
		/// `stash` stopped validating or delegating.
		Chilled { stash: T::AccountId, reason: ChillReason },
		/// The validators of `era` were elected, to start at `start_session`.
		EraPlanned { era: EraIndex, start_session: SessionIndex, validators: u32 },
		/// `era` started.
		EraStarted { era: EraIndex },
		/// `era` ended with this reward: `inflation` minted plus `fees` collected.
		EraPaid { era: EraIndex, reward: Balance, inflation: Balance, fees: Balance },
		/// `stash` was paid `amount` for backing `validator` (or being it) in `era`.
		Rewarded { era: EraIndex, validator: T::AccountId, stash: T::AccountId, amount: Balance },
		/// `validator` equivocated in `offence_era`; `fraction` of its exposure will be slashed
		/// at the start of `apply_era` (for a re-report with a larger fraction: the queued
		/// slash, raised, or the top-up).
		SlashReported {
			validator: T::AccountId,
			offence_era: EraIndex,
			apply_era: EraIndex,
			fraction: Perbill,
		},
		/// `amount` of the stake of `stash` went to the treasury.
		Slashed { stash: T::AccountId, amount: Balance },
		/// An offence of `validator` in `offence_era` was reported at least
		/// [`Config::BondingDuration`] eras later: too late, ignored.
		OffenceTooOld { validator: T::AccountId, offence_era: EraIndex },
		/// `reporter` was paid `amount` for reporting the offence of `validator` in
		/// `offence_era`, out of its slash.
		ReporterRewarded {
			reporter: T::AccountId,
			validator: T::AccountId,
			offence_era: EraIndex,
			amount: Balance,
		},
		/// The waiting slash of `validator` for `offence_era` (`fraction` of its exposure) was
		/// cancelled. A later report of a larger fraction slashes only the excess.
		SlashCancelled { validator: T::AccountId, offence_era: EraIndex, fraction: Perbill },
		/// `who` bonded `bond` for `role`.
		RoleRegistered { who: T::AccountId, role: Role, bond: Balance },
		/// `who` left `role`; its bond is withdrawable from `unlock_era`.
		RoleUnregistered { who: T::AccountId, role: Role, unlock_era: EraIndex },
		/// `amount` of the `role` bond of `who` was slashed for `reason`: `reporter_reward` of
		/// it to the reporter, the rest to the treasury.
		RoleSlashed {
			who: T::AccountId,
			role: Role,
			reason: SlashReason,
			amount: Balance,
			reporter_reward: Balance,
		},
		/// Root changed the staking configuration.
		ConfigSet { validator_count: u32, min_validator_bond: Balance, min_delegator_bond: Balance },
		/// Root set the minimum bond of `role`.
		MinRoleBondSet { role: Role, bond: Balance },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account has no staking bond.
		NotBonded,
		/// The account is already bonded: use `bond_extra`.
		AlreadyBonded,
		/// The free balance (keeping the existential deposit) cannot cover the amount.
		InsufficientBalance,
		/// The amount is below the minimum bond.
		BondTooSmall,
		/// The amount is zero.
		ZeroAmount,
		/// The amount is more than the active bond.
		NotEnoughBonded,
		/// The active bond would drop below the minimum of a validator or delegator: chill
		/// first.
		InsufficientBond,
		/// Too many unlocking chunks: withdraw or wait an era.
		NoMoreChunks,
		/// Nothing is being unbonded.
		NoUnlockChunk,
		/// Nothing has finished unbonding yet.
		NothingToWithdraw,
		/// Nothing else has finished unbonding, and a role bond that has cannot be released
		/// while its service still has obligations (shards held, open jobs, owed votes): hand
		/// them over first (for storage, `deregister_provider`).
		RoleHasObligations,
		/// The target is not a validator candidate.
		NotValidator,
		/// The maximum number of validator candidates ([`Config::MaxCandidates`]) is reached.
		TooManyValidators,
		/// No targets given.
		EmptyTargets,
		/// More targets than `MaxDelegationTargets`.
		TooManyTargets,
		/// A target appears twice.
		DuplicateTarget,
		/// A target has the maximum number of backers, none with a smaller share than the
		/// caller's.
		TooManyBackers,
		/// Split among the targets, a share would be below [`MinDelegatorBond`]: bond more or
		/// choose fewer targets.
		ShareTooSmall,
		/// This delegation evicted other backers: it cannot be chilled, changed or unbonded
		/// before the era in [`EvictorLockedUntil`] starts.
		DelegationLocked,
		/// A validator cannot delegate: chill first.
		IsValidator,
		/// A delegator cannot validate: chill first.
		IsDelegator,
		/// The account neither validates nor delegates.
		NothingToChill,
		/// The account already has a bond for this role.
		RoleAlreadyRegistered,
		/// The account has no bond for this role.
		RoleNotRegistered,
		/// The role bond is already unbonding.
		RoleUnbonding,
		/// The era has not ended or is no longer kept.
		InvalidEra,
		/// The validator was not elected in that era.
		NotElected,
		/// The validator's exposure has no such page.
		InvalidPage,
		/// That page was already paid.
		AlreadyClaimed,
		/// No slash of that validator for that era is waiting: never reported, already
		/// applied or already cancelled.
		NoSuchSlash,
		/// Slashes that fell due at the last era start are still being applied (a few per
		/// block): withdraw in a few blocks.
		SlashesPending,
		/// The validator count is above `MaxValidators`.
		ValidatorCountTooHigh,
		/// The validator count is below [`Config::MinimumValidatorCount`].
		ValidatorCountTooLow,
		/// A minimum bond below [`Config::MinBondFloor`].
		MinimumBondTooLow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			// The weight of `on_finalize` and of looking for due slashes.
			let mut weight = T::DbWeight::get().reads(2);
			if SlashesDue::<T>::exists() {
				let applied = Self::apply_due_slashes(T::MaxSlashesPerBlock::get());
				weight.saturating_accrue(T::WeightInfo::apply_slashes(applied));
			}
			weight
		}

		fn on_finalize(_n: BlockNumberFor<T>) {
			if let Some(mut active) = ActiveEra::<T>::get() {
				if active.start.is_none() {
					active.start = Some(T::UnixTime::now().as_millis().saturated_into::<u64>());
					ActiveEra::<T>::put(active);
				}
			}
		}

		fn integrity_test() {
			assert!(T::SessionsPerEra::get() > 0, "SessionsPerEra must be positive");
			assert!(T::MaxValidators::get() > 0, "MaxValidators must be positive");
			assert!(
				T::MaxValidators::get() <= T::MaxCandidates::get(),
				"MaxCandidates must be at least MaxValidators"
			);
			assert!(T::MaxSlashesPerBlock::get() > 0, "MaxSlashesPerBlock must be positive");
			assert!(T::MaxExposurePageSize::get() > 0, "MaxExposurePageSize must be positive");
			assert!(T::MaxDelegationTargets::get() > 0, "MaxDelegationTargets must be positive");
			assert!(T::MaxUnlockingChunks::get() > 0, "MaxUnlockingChunks must be positive");
			assert!(
				Pallet::<T>::max_pages() <= 32,
				"MaxBackersPerValidator / MaxExposurePageSize must be at most 32 pages"
			);
			assert!(
				T::SlashDeferDuration::get() < T::BondingDuration::get(),
				"a slash must be applied before the funds unbonded after the offence unlock: \
				 SlashDeferDuration < BondingDuration"
			);
			assert!(
				T::BondingDuration::get() <= T::HistoryDepth::get(),
				"exposures must outlive the offences still accepted: BondingDuration <= HistoryDepth"
			);
			assert!(
				T::MinimumValidatorCount::get() <= T::MaxValidators::get(),
				"MinimumValidatorCount must not exceed MaxValidators"
			);
			assert!(T::MinBondFloor::get() > 0, "MinBondFloor must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Puts `value` of the caller's free balance on hold as its staking bond.
		///
		/// The caller must not be bonded yet, `value` must be at least [`MinDelegatorBond`]
		/// and the existential deposit, and the free balance must cover it with the existential
		/// deposit left over. Emits [`Event::Bonded`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(origin: OriginFor<T>, #[pallet::compact] value: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Ledger::<T>::contains_key(&who), Error::<T>::AlreadyBonded);
			ensure!(
				value >= MinDelegatorBond::<T>::get().max(T::Currency::minimum_balance()),
				Error::<T>::BondTooSmall
			);
			Self::hold(&who, value, HoldReason::Staking)?;
			Ledger::<T>::insert(
				&who,
				StakingLedger::<T> { total: value, active: value, unlocking: Default::default() },
			);
			TotalBonded::<T>::mutate(|t| *t = t.saturating_add(value));
			Self::deposit_event(Event::Bonded { stash: who, amount: value });
			Ok(())
		}

		/// Adds `value` of the caller's free balance to its active bond.
		///
		/// A delegator's new bond is split among its targets at once. Emits [`Event::Bonded`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] value: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
			Self::hold(&who, value, HoldReason::Staking)?;
			ledger.total = ledger.total.saturating_add(value);
			ledger.active = ledger.active.saturating_add(value);
			Self::update_ledger(&who, ledger);
			TotalBonded::<T>::mutate(|t| *t = t.saturating_add(value));
			Self::deposit_event(Event::Bonded { stash: who, amount: value });
			Ok(())
		}

		/// Starts unbonding `value` of the caller's active bond: it stays on hold (and can be
		/// slashed) for [`Config::BondingDuration`] eras, then [`Pallet::withdraw_unbonded`]
		/// releases it.
		///
		/// A validator must keep [`MinValidatorBond`] active, and a delegator
		/// [`MinDelegatorBond`] per validator it backs; to go lower, [`Pallet::chill`] first.
		/// Emits [`Event::Unbonded`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, #[pallet::compact] value: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
			ensure!(value <= ledger.active, Error::<T>::NotEnoughBonded);
			let remaining = ledger.active.saturating_sub(value);
			Self::ensure_not_locked(&who)?;
			if Validators::<T>::contains_key(&who) {
				ensure!(remaining >= MinValidatorBond::<T>::get(), Error::<T>::InsufficientBond);
			}
			if let Some(targets) = Delegations::<T>::get(&who) {
				ensure!(
					Self::smallest_share(remaining, targets.len()) >= MinDelegatorBond::<T>::get(),
					Error::<T>::InsufficientBond
				);
			}
			// From the planned era, not the active one: stake unbonded in an era's last session is
			// already exposed in the next era, whose slashes must reach it.
			let planned = Self::planned_era();
			let unlock_era = planned.saturating_add(T::BondingDuration::get());
			match ledger.unlocking.last_mut() {
				Some(chunk) if chunk.era == unlock_era => {
					chunk.value = chunk.value.saturating_add(value)
				},
				_ => ledger
					.unlocking
					.try_push(UnlockChunk { value, era: unlock_era })
					.map_err(|_| Error::<T>::NoMoreChunks)?,
			}
			ledger.active = remaining;
			Self::update_ledger(&who, ledger);
			Self::deposit_event(Event::Unbonded { stash: who, amount: value, unlock_era });
			Ok(())
		}

		/// Releases every unlocking chunk and every unregistered role bond of the caller whose
		/// unbonding period is over. A role bond whose service pallet reports open obligations
		/// ([`Config::Obligations`]) stays on hold, and slashable, until they are settled.
		///
		/// Fails with [`Error::NothingToWithdraw`] when nothing has finished unbonding (with
		/// [`Error::RoleHasObligations`] when only such a role bond has). A ledger left empty is
		/// removed. Emits [`Event::Withdrawn`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!SlashesDue::<T>::exists(), Error::<T>::SlashesPending);
			let era = Self::active_era();
			let mut released: Balance = 0;
			if let Some(mut ledger) = Ledger::<T>::get(&who) {
				let matured: Balance = ledger
					.unlocking
					.iter()
					.filter(|c| c.era <= era)
					.fold(0, |sum, c| sum.saturating_add(c.value));
				if !matured.is_zero() {
					ledger.unlocking.retain(|c| c.era > era);
					let amount = Self::release(&who, matured, HoldReason::Staking);
					ledger.total = ledger.total.saturating_sub(amount);
					TotalBonded::<T>::mutate(|t| *t = t.saturating_sub(amount));
					released = released.saturating_add(amount);
					Self::update_ledger(&who, ledger);
				}
			}
			let mut held_back = false;
			for role in Role::ALL {
				if let Some(bond) = RoleBonds::<T>::get(&who, role) {
					if bond.unbonding_era.is_some_and(|e| e <= era) {
						if T::Obligations::has_obligations(&who, role) {
							held_back = true;
							continue;
						}
						let amount = Self::release(&who, bond.amount, HoldReason::RoleBond);
						TotalRoleBonded::<T>::mutate(|t| *t = t.saturating_sub(amount));
						RoleBonds::<T>::remove(&who, role);
						released = released.saturating_add(amount);
					}
				}
			}
			if released.is_zero() {
				return Err(if held_back {
					Error::<T>::RoleHasObligations
				} else {
					Error::<T>::NothingToWithdraw
				}
				.into());
			}
			Self::deposit_event(Event::Withdrawn { stash: who, amount: released });
			Ok(())
		}

		/// Moves up to `value` of the caller's unlocking funds, newest first, back to its
		/// active bond. Emits [`Event::Rebonded`] with the amount moved.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::rebond())]
		pub fn rebond(origin: OriginFor<T>, #[pallet::compact] value: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
			ensure!(!ledger.unlocking.is_empty(), Error::<T>::NoUnlockChunk);
			let moved = ledger.take_unlocking(value);
			ledger.active = ledger.active.saturating_add(moved);
			Self::update_ledger(&who, ledger);
			Self::deposit_event(Event::Rebonded { stash: who, amount: moved });
			Ok(())
		}

		/// Declares the caller a validator candidate taking `commission` of its rewards, or
		/// updates its commission.
		///
		/// Needs an active bond of at least [`MinValidatorBond`], no delegation, and room among
		/// the [`Config::MaxCandidates`] candidates. A commission above 100 % cannot be
		/// encoded: `Perbill` refuses it when the transaction is decoded. Emits
		/// [`Event::ValidatorPrefsSet`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::validate())]
		pub fn validate(origin: OriginFor<T>, commission: Perbill) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			ensure!(ledger.active >= MinValidatorBond::<T>::get(), Error::<T>::InsufficientBond);
			ensure!(!Delegations::<T>::contains_key(&who), Error::<T>::IsDelegator);
			if !Validators::<T>::contains_key(&who) {
				ensure!(
					Validators::<T>::count() < T::MaxCandidates::get(),
					Error::<T>::TooManyValidators
				);
			}
			Validators::<T>::insert(&who, ValidatorPrefs { commission });
			Self::deposit_event(Event::ValidatorPrefsSet { validator: who, commission });
			Ok(())
		}

		/// Stops the caller validating or delegating. Its bond stays. Emits
		/// [`Event::Chilled`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::chill())]
		pub fn chill(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(
				Validators::<T>::contains_key(&who) || Delegations::<T>::contains_key(&who),
				Error::<T>::NothingToChill
			);
			Self::ensure_not_locked(&who)?;
			Self::do_chill(&who, ChillReason::Requested);
			Ok(())
		}

		/// Delegates the caller's active bond to `targets`, split evenly, replacing any
		/// previous delegation.
		///
		/// Each share must be at least [`MinDelegatorBond`]; the caller must not validate; the
		/// targets must be distinct validator candidates, at most
		/// [`Config::MaxDelegationTargets`] of them. A target with
		/// [`Config::MaxBackersPerValidator`] backers takes the caller only if its share is
		/// larger than the smallest backer's, which is evicted ([`Event::DelegationEvicted`]).
		/// Emits [`Event::Delegated`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::delegate(targets.len() as u32))]
		pub fn delegate(origin: OriginFor<T>, targets: Vec<T::AccountId>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
			ensure!(!Validators::<T>::contains_key(&who), Error::<T>::IsValidator);
			ensure!(!targets.is_empty(), Error::<T>::EmptyTargets);
			let targets: BoundedVec<T::AccountId, T::MaxDelegationTargets> =
				targets.try_into().map_err(|_| Error::<T>::TooManyTargets)?;
			ensure!(
				Self::smallest_share(ledger.active, targets.len()) >= MinDelegatorBond::<T>::get(),
				Error::<T>::ShareTooSmall
			);
			for (i, target) in targets.iter().enumerate() {
				ensure!(!targets[..i].contains(target), Error::<T>::DuplicateTarget);
				ensure!(Validators::<T>::contains_key(target), Error::<T>::NotValidator);
			}
			Self::ensure_not_locked(&who)?;
			if let Some(old) = Delegations::<T>::get(&who) {
				Self::remove_backing(&who, &old);
			}
			if Self::join_backers(&who, &targets, ledger.active)? {
				EvictorLockedUntil::<T>::insert(&who, Self::planned_era().saturating_add(1));
			}
			Delegations::<T>::insert(&who, &targets);
			Self::deposit_event(Event::Delegated { delegator: who, targets: targets.into_inner() });
			Ok(())
		}

		/// Bonds `bond` of the caller's free balance for `role`.
		///
		/// The bond must reach the role's [`MinRoleBond`]; an account holds one bond per role.
		/// Emits [`Event::RoleRegistered`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::register_role())]
		pub fn register_role(
			origin: OriginFor<T>,
			role: Role,
			#[pallet::compact] bond: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!RoleBonds::<T>::contains_key(&who, role), Error::<T>::RoleAlreadyRegistered);
			ensure!(
				bond >= MinRoleBond::<T>::get(role).max(T::Currency::minimum_balance()),
				Error::<T>::BondTooSmall
			);
			Self::hold(&who, bond, HoldReason::RoleBond)?;
			RoleBonds::<T>::insert(&who, role, RoleBond { amount: bond, unbonding_era: None });
			TotalRoleBonded::<T>::mutate(|t| *t = t.saturating_add(bond));
			Self::deposit_event(Event::RoleRegistered { who, role, bond });
			Ok(())
		}

		/// Leaves `role`: the caller stops being eligible at once, and its bond (still
		/// slashable) can be withdrawn with [`Pallet::withdraw_unbonded`] after
		/// [`Config::BondingDuration`] eras. Emits [`Event::RoleUnregistered`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::unregister_role())]
		pub fn unregister_role(origin: OriginFor<T>, role: Role) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut bond = RoleBonds::<T>::get(&who, role).ok_or(Error::<T>::RoleNotRegistered)?;
			ensure!(bond.unbonding_era.is_none(), Error::<T>::RoleUnbonding);
			let unlock_era = Self::active_era().saturating_add(T::BondingDuration::get());
			bond.unbonding_era = Some(unlock_era);
			RoleBonds::<T>::insert(&who, role, bond);
			Self::deposit_event(Event::RoleUnregistered { who, role, unlock_era });
			Ok(())
		}

		/// Pays page `page` of `validator`'s exposure for the ended `era`: the validator's
		/// commission and own share with page 0, each backer of the page its share.
		///
		/// Anyone may call it, for eras still kept ([`Config::HistoryDepth`]). Emits one
		/// [`Event::Rewarded`] per payee.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::payout_stakers(T::MaxExposurePageSize::get()))]
		pub fn payout_stakers(
			origin: OriginFor<T>,
			validator: T::AccountId,
			era: EraIndex,
			page: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let paid_backers = Self::do_payout(&validator, era, page)?;
			Ok(Some(T::WeightInfo::payout_stakers(paid_backers)).into())
		}

		/// [`Config::AdminOrigin`]: sets how many validators are elected and the minimum bonds.
		/// The count must lie between [`Config::MinimumValidatorCount`] and
		/// [`Config::MaxValidators`] (`ValidatorCountTooLow`, `ValidatorCountTooHigh`), each
		/// bond at least [`Config::MinBondFloor`] (`MinimumBondTooLow`). Emits
		/// [`Event::ConfigSet`].
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::set_config())]
		pub fn set_config(
			origin: OriginFor<T>,
			validator_count: u32,
			#[pallet::compact] min_validator_bond: Balance,
			#[pallet::compact] min_delegator_bond: Balance,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(validator_count <= T::MaxValidators::get(), Error::<T>::ValidatorCountTooHigh);
			ensure!(
				validator_count >= T::MinimumValidatorCount::get(),
				Error::<T>::ValidatorCountTooLow
			);
			ensure!(
				min_validator_bond >= T::MinBondFloor::get()
					&& min_delegator_bond >= T::MinBondFloor::get(),
				Error::<T>::MinimumBondTooLow
			);
			ValidatorCount::<T>::put(validator_count);
			MinValidatorBond::<T>::put(min_validator_bond);
			MinDelegatorBond::<T>::put(min_delegator_bond);
			Self::deposit_event(Event::ConfigSet {
				validator_count,
				min_validator_bond,
				min_delegator_bond,
			});
			Ok(())
		}

		/// [`Config::AdminOrigin`]: sets the minimum bond of `role`, at least
		/// [`Config::MinBondFloor`] (`MinimumBondTooLow`). Existing bonds below it stop being
		/// eligible. Emits [`Event::MinRoleBondSet`].
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::set_min_role_bond())]
		pub fn set_min_role_bond(
			origin: OriginFor<T>,
			role: Role,
			#[pallet::compact] bond: Balance,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(bond >= T::MinBondFloor::get(), Error::<T>::MinimumBondTooLow);
			MinRoleBond::<T>::insert(role, bond);
			Self::deposit_event(Event::MinRoleBondSet { role, bond });
			Ok(())
		}

		/// [`Config::SlashCancelOrigin`]: cancels the waiting slash of `validator` for its offences in `offence_era`
		/// (see [`OffenceSeen`] for the offences reported). The cancelled fraction stays
		/// cancelled: a later report of a larger fraction slashes only the excess. Fails with
		/// [`Error::NoSuchSlash`] when none waits. Emits [`Event::SlashCancelled`].
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::cancel_deferred_slash())]
		pub fn cancel_deferred_slash(
			origin: OriginFor<T>,
			validator: T::AccountId,
			offence_era: EraIndex,
		) -> DispatchResult {
			T::SlashCancelOrigin::ensure_origin(origin)?;
			let fraction = Self::do_cancel_slash(&validator, offence_era)?;
			Self::deposit_event(Event::SlashCancelled { validator, offence_era, fraction });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account that collects fees and inflation until they are paid out.
	pub fn reward_pot() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The latest era elected, started or not: stake changed now is first exposed in the era
	/// after it, or in it when it has not been elected yet.
	pub fn planned_era() -> EraIndex {
		CurrentEra::<T>::get().unwrap_or(0).max(Self::active_era())
	}

	/// The index of the active era (0 before the first).
	pub fn active_era() -> EraIndex {
		ActiveEra::<T>::get().map(|a| a.index).unwrap_or(0)
	}

	/// Charges the weight of an era transition to the current block. Session changes happen in
	/// pallet-session's hooks, which do not know what staking does. Genesis has no block to
	/// charge (and its state must not depend on the weights).
	fn charge_hook_weight(weight: Weight) {
		if !frame_system::Pallet::<T>::block_number().is_zero() {
			frame_system::Pallet::<T>::register_extra_weight_unchecked(
				weight,
				frame_support::dispatch::DispatchClass::Mandatory,
			);
		}
	}

	/// Most exposure pages of a validator.
	pub fn max_pages() -> u32 {
		T::MaxBackersPerValidator::get().div_ceil(T::MaxExposurePageSize::get()).max(1)
	}

	fn hold(who: &T::AccountId, value: Balance, reason: HoldReason) -> Result<(), Error<T>> {
		let free = T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite);
		if value > free {
			return Err(Error::<T>::InsufficientBalance);
		}
		T::Currency::hold(&reason.into(), who, value).map_err(|_| Error::<T>::InsufficientBalance)
	}

	fn release(who: &T::AccountId, value: Balance, reason: HoldReason) -> Balance {
		T::Currency::release(&reason.into(), who, value, Precision::BestEffort).unwrap_or(0)
	}

	/// Fails with [`Error::DelegationLocked`] while `who` may not withdraw a delegation that
	/// evicted others; forgets an expired lock.
	fn ensure_not_locked(who: &T::AccountId) -> Result<(), Error<T>> {
		if let Some(until) = EvictorLockedUntil::<T>::get(who) {
			if Self::active_era() < until {
				return Err(Error::<T>::DelegationLocked);
			}
			EvictorLockedUntil::<T>::remove(who);
		}
		Ok(())
	}

	/// Stores `ledger` (or removes it when empty) and re-splits a delegator's bond.
	fn update_ledger(who: &T::AccountId, ledger: StakingLedger<T>) {
		let active = ledger.active;
		if ledger.total.is_zero() {
			Ledger::<T>::remove(who);
			if Validators::<T>::contains_key(who) || Delegations::<T>::contains_key(who) {
				Self::do_chill(who, ChillReason::Requested);
			}
			return;
		}
		Ledger::<T>::insert(who, ledger);
		if let Some(targets) = Delegations::<T>::get(who) {
			Self::resplit(who, &targets, active);
		}
	}

	fn do_chill(who: &T::AccountId, reason: ChillReason) {
		let was_validator = Validators::<T>::take(who).is_some();
		let delegations = Delegations::<T>::take(who);
		if let Some(targets) = &delegations {
			Self::remove_backing(who, targets);
		}
		if was_validator || delegations.is_some() {
			Self::deposit_event(Event::Chilled { stash: who.clone(), reason });
		}
	}
}

/// `a × b / c`, rounded down; zero when `c` is zero.
fn mul_div(a: Balance, b: Balance, c: Balance) -> Balance {
	if c.is_zero() {
		return 0;
	}
	multiply_by_rational_with_rounding(a, b, c, Rounding::Down).unwrap_or(0)
}

/// Sends transaction fees to the reward pot, where the next era's reward collects them.
pub struct FeesToRewardPot<T>(core::marker::PhantomData<T>);

impl<T: Config> OnUnbalanced<fungible::Credit<T::AccountId, T::Currency>> for FeesToRewardPot<T> {
	fn on_nonzero_unbalanced(amount: fungible::Credit<T::AccountId, T::Currency>) {
		// If the pot cannot take it (it always exists from genesis), the credit is dropped,
		// which burns it.
		let _ = <T::Currency as fungible::Balanced<T::AccountId>>::resolve(
			&Pallet::<T>::reward_pot(),
			amount,
		);
	}
}
