//! 0G parameters governed at run time: fees, slash fractions, periods and inflation.
//!
//! The values live in pallet-parameters (`Parameters`, one storage map, an `Updated` event per
//! change) and reach the pallets through `Get` types ([`dynamic_params`]): the pallets read the
//! current value each time. They are set through [`pallet_bounded_params`] (`Params.set`),
//! which admits the origin of each key's track and refuses a value outside its bounds
//! ([`ZgBounds`]) with `BelowMinimum` or `AboveMaximum`, changing nothing; `Parameters` itself
//! admits only root. Setting a key to `None` restores its default.
//!
//! | pallet | parameter | default | bounds | set by |
//! |---|---|---|---|---|
//! | staking | `YearlyInflation` | 5 % | 0 – 10 % | `root` (stakers, who are paid it, cannot raise it on their own track) |
//! | staking | `OffenceSlashFraction` | 10 % | 1 – 100 % | `staking_admin` |
//! | staking | `ReporterShare` | 10 % | 0 – 20 % | `staking_admin` |
//! | storage | `SubmissionFee` | 0.01 0G | 0 – 10 0G | `params_admin` |
//! | storage | `FaultSlash` | 10 % | 1 – 100 % | `params_admin` |
//! | compute | `JobSubmissionFee` | 0.001 0G | 0 – 10 0G | `params_admin` |
//! | compute | `JobTimeout` | 2 min (fast: 10 blocks) | 5 blocks – 1 h | `params_admin` |
//! | compute | `MinDisputeDeposit` | 1 0G | 0.001 – 10 000 0G | `params_admin` |
//! | compute | `MissedJobSlash`, `WrongResultSlash`, `VerifierSlash` | 1 %, 10 %, 1 % | 0.1 – 100 % | `params_admin` |
//! | DA | `SubmissionFee` | 0.001 0G | 0 – 10 0G | `params_admin` |
//! | DA | `ChallengeWindow` | 2 min (fast: 10 blocks) | 2 min (fast: 5 blocks) – half the retention | `params_admin` |
//! | DA | `WithholdingSlash`, `BadLineSlash` | 10 %, 20 % | 1 – 100 % | `params_admin` |
//!
//! A period applies to what starts after the change: deadlines already set keep theirs (a job's
//! answer deadline and the time its input is kept are fixed when it is submitted; a DA challenge
//! is due a window after it is raised). The storage and compute challenge windows stay runtime
//! constants: a storage file's closing challenges and a job's settlement are derived from the
//! window when they fall due, so changing it would move deadlines already set. The upper bounds
//! keep the pallets' own checks true (a blob is challengeable during its retention, a provider
//! can answer its open jobs in time); the least DA window leaves an honest signer time to answer.

use super::{ParamsAdminOrigin, StakingAdminOrigin};
use crate::{
	compute_params, da_params, storage_params, time::*, AccountId, Balance, BlockNumber, Runtime,
	RuntimeOrigin, MILLI_ZG, ZG,
};
use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	traits::{EnsureOrigin, EnsureOriginWithArg},
};
use sp_runtime::Perbill;

pub use pallet_bounded_params::OutOfBounds;

#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Staking: inflation and the validator-offence slash.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod staking {
		/// Inflation per year, paid to validators and delegators.
		#[codec(index = 0)]
		pub static YearlyInflation: Perbill = Perbill::from_percent(5);
		/// The least fraction of its exposure an equivocating validator loses.
		#[codec(index = 1)]
		pub static OffenceSlashFraction: Perbill = Perbill::from_percent(10);
		/// The reporter's part of a slash.
		#[codec(index = 2)]
		pub static ReporterShare: Perbill = Perbill::from_percent(10);
	}

	/// 0G Storage.
	#[dynamic_pallet_params]
	#[codec(index = 1)]
	pub mod storage {
		/// Paid to the treasury with every submission.
		#[codec(index = 0)]
		pub static SubmissionFee: Balance = storage_params::SUBMISSION_FEE;
		/// The part of the role bond a missed or wrong proof, or a missed handover, costs.
		#[codec(index = 1)]
		pub static FaultSlash: Perbill = Perbill::from_percent(10);
	}

	/// 0G Compute.
	#[dynamic_pallet_params]
	#[codec(index = 2)]
	pub mod compute {
		/// Paid to the treasury with every job.
		#[codec(index = 0)]
		pub static JobSubmissionFee: Balance = compute_params::JOB_SUBMISSION_FEE;
		/// Blocks a provider has to answer a job.
		#[codec(index = 1)]
		pub static JobTimeout: BlockNumber = compute_params::JOB_TIMEOUT;
		/// The smallest dispute deposit (or ten times the disputed fee, if more).
		#[codec(index = 2)]
		pub static MinDisputeDeposit: Balance = compute_params::MIN_DISPUTE_DEPOSIT;
		/// What a job left unanswered costs of the provider's role bond.
		#[codec(index = 3)]
		pub static MissedJobSlash: Perbill = Perbill::from_percent(1);
		/// What a result that loses a dispute costs of the provider's role bond.
		#[codec(index = 4)]
		pub static WrongResultSlash: Perbill = Perbill::from_percent(10);
		/// What a verifier that does not vote, or votes against a decisive majority, loses.
		#[codec(index = 5)]
		pub static VerifierSlash: Perbill = Perbill::from_percent(1);
	}

	/// 0G DA.
	#[dynamic_pallet_params]
	#[codec(index = 3)]
	pub mod da {
		/// Paid to the treasury with every blob.
		#[codec(index = 0)]
		pub static SubmissionFee: Balance = da_params::SUBMISSION_FEE;
		/// Blocks a member has to answer a challenge.
		#[codec(index = 1)]
		pub static ChallengeWindow: BlockNumber = da_params::CHALLENGE_WINDOW;
		/// What an unanswered availability challenge costs of the role bond.
		#[codec(index = 2)]
		pub static WithholdingSlash: Perbill = Perbill::from_percent(10);
		/// What attesting while holding a line that is no codeword costs of the role bond.
		#[codec(index = 3)]
		pub static BadLineSlash: Perbill = Perbill::from_percent(20);
	}
}

/// The shortest job timeout: five blocks (30 s; 10 s with `fast-runtime`).
const MIN_TIMEOUT: BlockNumber = 5;

/// The shortest DA challenge window: 2 minutes, time for an honest signer to answer (10 s with
/// `fast-runtime`).
#[cfg(not(feature = "fast-runtime"))]
const MIN_DA_WINDOW: BlockNumber = 2 * MINUTES;
#[cfg(feature = "fast-runtime")]
const MIN_DA_WINDOW: BlockNumber = 5;

/// The bounds of every parameter.
pub struct ZgBounds;

fn within<V: PartialOrd>(value: V, min: V, max: V) -> Result<(), OutOfBounds> {
	if value < min {
		Err(OutOfBounds::BelowMinimum)
	} else if value > max {
		Err(OutOfBounds::AboveMaximum)
	} else {
		Ok(())
	}
}

impl pallet_bounded_params::Bounds<RuntimeParameters> for ZgBounds {
	/// Every key is listed (no wildcard): a new parameter does not compile without its bounds.
	/// `None` (back to the default) is always allowed.
	fn check(parameter: &RuntimeParameters) -> Result<(), OutOfBounds> {
		use dynamic_params::{compute, da, staking, storage};
		let percent = Perbill::from_percent;
		let fee = |v: &Option<Balance>| v.map_or(Ok(()), |v| within(v, 0, 10 * ZG));
		let slash =
			|v: &Option<Perbill>, min: Perbill| v.map_or(Ok(()), |v| within(v, min, percent(100)));
		match parameter {
			RuntimeParameters::Staking(p) => match p {
				staking::Parameters::YearlyInflation(_, v) => {
					v.map_or(Ok(()), |v| within(v, Perbill::zero(), percent(10)))
				},
				staking::Parameters::OffenceSlashFraction(_, v) => slash(v, percent(1)),
				staking::Parameters::ReporterShare(_, v) => {
					v.map_or(Ok(()), |v| within(v, Perbill::zero(), percent(20)))
				},
			},
			RuntimeParameters::Storage(p) => match p {
				storage::Parameters::SubmissionFee(_, v) => fee(v),
				storage::Parameters::FaultSlash(_, v) => slash(v, percent(1)),
			},
			RuntimeParameters::Compute(p) => match p {
				compute::Parameters::JobSubmissionFee(_, v) => fee(v),
				compute::Parameters::JobTimeout(_, v) => {
					v.map_or(Ok(()), |v| within(v, MIN_TIMEOUT, HOURS))
				},
				compute::Parameters::MinDisputeDeposit(_, v) => {
					v.map_or(Ok(()), |v| within(v, MILLI_ZG, 10_000 * ZG))
				},
				compute::Parameters::MissedJobSlash(_, v)
				| compute::Parameters::WrongResultSlash(_, v)
				| compute::Parameters::VerifierSlash(_, v) => slash(v, Perbill::from_parts(1_000_000)),
			},
			RuntimeParameters::Da(p) => match p {
				da::Parameters::SubmissionFee(_, v) => fee(v),
				da::Parameters::ChallengeWindow(_, v) => {
					v.map_or(Ok(()), |v| within(v, MIN_DA_WINDOW, da_params::RETENTION / 2))
				},
				da::Parameters::WithholdingSlash(_, v) | da::Parameters::BadLineSlash(_, v) => {
					slash(v, percent(1))
				},
			},
		}
	}
}

/// Inflation is set by root only (a `root` referendum: stakers, who are paid it, would otherwise
/// vote it up on their own track); staking's other parameters on the `staking_admin` track, the
/// others on `params_admin`; root sets any.
pub struct ParamsOrigin;

impl EnsureOriginWithArg<RuntimeOrigin, RuntimeParametersKey> for ParamsOrigin {
	type Success = ();

	fn try_origin(
		origin: RuntimeOrigin,
		key: &RuntimeParametersKey,
	) -> Result<Self::Success, RuntimeOrigin> {
		use dynamic_params::staking::ParametersKey as StakingKey;
		match key {
			RuntimeParametersKey::Staking(StakingKey::YearlyInflation(_)) => {
				<frame_system::EnsureRoot<AccountId> as EnsureOrigin<_>>::try_origin(origin)
			},
			RuntimeParametersKey::Staking(_) => StakingAdminOrigin::try_origin(origin),
			_ => ParamsAdminOrigin::try_origin(origin),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin(_key: &RuntimeParametersKey) -> Result<RuntimeOrigin, ()> {
		Ok(RuntimeOrigin::root())
	}
}

impl Default for RuntimeParameters {
	/// The variant benchmarks use: all values have the same size class.
	fn default() -> Self {
		RuntimeParameters::Storage(dynamic_params::storage::Parameters::SubmissionFee(
			dynamic_params::storage::SubmissionFee,
			Some(storage_params::SUBMISSION_FEE),
		))
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	// Only root writes directly; the tracks go through `Params.set`, which checks the bounds.
	type AdminOrigin =
		frame_support::traits::AsEnsureOriginWithArg<frame_system::EnsureRoot<AccountId>>;
	type WeightInfo = ();
}

impl pallet_bounded_params::Config for Runtime {
	type Bounds = ZgBounds;
	type AdminOrigin = ParamsOrigin;
}

/// `Params.set`: pallet-parameters' `set_parameter`, for the origin of the key's track and only
/// within the key's bounds.
#[frame_support::pallet]
pub mod pallet_bounded_params {
	use frame_support::{
		pallet_prelude::*,
		traits::{dynamic_params::AggregatedKeyValue, EnsureOriginWithArg},
	};
	use frame_system::pallet_prelude::*;
	use pallet_parameters::WeightInfo;

	/// Why a value was refused.
	#[derive(Clone, Copy, PartialEq, Eq, Debug)]
	pub enum OutOfBounds {
		/// Below the parameter's least value.
		BelowMinimum,
		/// Above the parameter's greatest value.
		AboveMaximum,
	}

	/// The bounds of the runtime's parameters.
	pub trait Bounds<P> {
		/// `Ok` when `parameter`'s value (or its removal) is allowed.
		fn check(parameter: &P) -> Result<(), OutOfBounds>;
	}

	/// The key of a parameter.
	pub type KeyOf<T> =
		<<T as pallet_parameters::Config>::RuntimeParameters as AggregatedKeyValue>::Key;

	#[pallet::config]
	pub trait Config: frame_system::Config + pallet_parameters::Config {
		/// The bounds of each parameter.
		type Bounds: Bounds<Self::RuntimeParameters>;
		/// Who may set each key.
		type AdminOrigin: EnsureOriginWithArg<Self::RuntimeOrigin, KeyOf<Self>>;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::error]
	pub enum Error<T> {
		/// The value is below the parameter's least value.
		BelowMinimum,
		/// The value is above the parameter's greatest value.
		AboveMaximum,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets a parameter (`None` restores its default): for the origin of its key's track,
		/// within its bounds. Emits pallet-parameters' `Updated`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as pallet_parameters::Config>::WeightInfo::set_parameter())]
		pub fn set(origin: OriginFor<T>, key_value: T::RuntimeParameters) -> DispatchResult {
			let (key, _) = key_value.clone().into_parts();
			<T as Config>::AdminOrigin::ensure_origin(origin, &key)?;
			T::Bounds::check(&key_value).map_err(|e| match e {
				OutOfBounds::BelowMinimum => Error::<T>::BelowMinimum,
				OutOfBounds::AboveMaximum => Error::<T>::AboveMaximum,
			})?;
			pallet_parameters::Pallet::<T>::set_parameter(
				frame_system::RawOrigin::Root.into(),
				key_value,
			)
		}
	}
}
