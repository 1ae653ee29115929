//! The origins of the governance tracks: what a referendum on each track dispatches as.
//!
//! A referendum on the `root` track dispatches as root. Every other track has an origin of
//! its own, defined here, and each pallet admits exactly the origins it names in its config:
//!
//! | origin | may |
//! |---|---|
//! | [`Origin::StakingAdmin`] | set the validator count and minimum bonds, cancel waiting slashes |
//! | [`Origin::ParamsAdmin`] | set the prices and parameters of storage and DA |
//! | [`Origin::Treasurer`] | spend from the treasury, up to [`MaxTreasurerSpend`] at a time |
//! | [`Origin::WhitelistedCaller`] | dispatch a call the technical committee whitelisted, as root |
//! | [`Origin::ReferendumCanceller`] | cancel a referendum (its deposits returned) |
//! | [`Origin::ReferendumKiller`] | kill a referendum (its deposits to the treasury) |

pub use pallet_origins::*;

#[frame_support::pallet]
pub mod pallet_origins {
	use crate::{Balance, ZG};
	use frame_support::{pallet_prelude::*, parameter_types};

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origin of a referendum on a track other than `root`.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Validator count, minimum bonds, slash cancellation.
		StakingAdmin,
		/// Prices and parameters of the service pallets.
		ParamsAdmin,
		/// Treasury spends.
		Treasurer,
		/// Calls whitelisted by the technical committee, dispatched as root.
		WhitelistedCaller,
		/// Cancelling a referendum.
		ReferendumCanceller,
		/// Killing a referendum.
		ReferendumKiller,
	}

	/// Accepts one variant of [`Origin`] and nothing else.
	macro_rules! ensure_origin {
		($($(#[$doc:meta])* $name:ident => $variant:ident),* $(,)?) => {$(
			$(#[$doc])*
			pub struct $name;
			impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for $name
			where
				for<'a> &'a O::PalletsOrigin: TryInto<&'a Origin>,
			{
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					let accepted = matches!(o.caller().try_into(), Ok(Origin::$variant));
					if accepted { Ok(()) } else { Err(o) }
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$variant))
				}
			}
		)*};
	}

	ensure_origin! {
		/// A referendum of the `staking_admin` track.
		StakingAdmin => StakingAdmin,
		/// A referendum of the `params_admin` track.
		ParamsAdmin => ParamsAdmin,
		/// A referendum of the `treasurer` track.
		Treasurer => Treasurer,
		/// A referendum of the `whitelisted_caller` track.
		WhitelistedCaller => WhitelistedCaller,
		/// A referendum of the `referendum_canceller` track.
		ReferendumCanceller => ReferendumCanceller,
		/// A referendum of the `referendum_killer` track.
		ReferendumKiller => ReferendumKiller,
	}

	parameter_types! {
		/// The most one `treasurer` referendum can spend: 100 000 0G. Larger spends need the
		/// `root` track.
		pub const MaxTreasurerSpend: Balance = 100_000 * ZG;
	}
}
