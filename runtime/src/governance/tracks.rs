//! The referendum tracks: how long each kind of decision takes and how much of the token must
//! back it.
//!
//! | id | track | origin | max. deciding | decision deposit | prepare | confirm | min. enactment | support (start → end) |
//! |---|---|---|---|---|---|---|---|---|
//! | 0 | `root` | root | 1 | 100 000 0G | 2 h | 1 day | 1 day | 25 % → 1 % |
//! | 1 | `whitelisted_caller` | [`Origin::WhitelistedCaller`] | 10 | 10 000 0G | 30 min | 10 min | 10 min | 25 % → 1 % |
//! | 10 | `staking_admin` | [`Origin::StakingAdmin`] | 10 | 5 000 0G | 2 h | 3 h | 10 min | 10 % → 0.5 % |
//! | 11 | `params_admin` | [`Origin::ParamsAdmin`] | 10 | 5 000 0G | 2 h | 3 h | 10 min | 10 % → 0.5 % |
//! | 12 | `treasurer` | [`Origin::Treasurer`] | 10 | 1 000 0G | 2 h | 1 day | 1 day | 10 % → 0.5 % |
//! | 20 | `referendum_canceller` | [`Origin::ReferendumCanceller`] | 1 000 | 10 000 0G | 2 h | 3 h | 10 min | 10 % → 0.5 % |
//! | 21 | `referendum_killer` | [`Origin::ReferendumKiller`] | 1 000 | 50 000 0G | 2 h | 3 h | 10 min | 10 % → 0.5 % |
//!
//! Every track decides within 14 days and needs an approval (conviction-weighted ayes over
//! all votes) falling linearly from 100 % to 50 % over that time. Support is the share of the
//! total issuance voting aye, before conviction; it falls linearly too. A referendum that does
//! not pass keeps its track's deciding place until the decision period ends: junk placed on a
//! track (for its decision deposit) is removed by the canceller and killer tracks, which have
//! room for a thousand at once and so cannot be blocked that way themselves. The
//! `whitelisted_caller` track dispatches as root, so it needs as much support as `root`, only
//! sooner.
//!
//! With the `fast-runtime` feature (2-second blocks, for tests) the periods are a few blocks:
//! prepare 2, decision 100, confirm 5 (`root`) or 3, minimum enactment 2 (`root`) or 1.

use super::origins::Origin;
use crate::{time::*, Balance, BlockNumber, OriginCaller, ZG};
use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::{str_array as name, Perbill};

/// The periods of the tracks, in blocks.
mod periods {
	use super::*;

	#[cfg(not(feature = "fast-runtime"))]
	pub const DECISION: BlockNumber = 14 * DAYS;
	#[cfg(feature = "fast-runtime")]
	pub const DECISION: BlockNumber = 100;

	/// (prepare, confirm, minimum enactment) of the `root` track.
	#[cfg(not(feature = "fast-runtime"))]
	pub const ROOT: (BlockNumber, BlockNumber, BlockNumber) = (2 * HOURS, DAYS, DAYS);
	#[cfg(feature = "fast-runtime")]
	pub const ROOT: (BlockNumber, BlockNumber, BlockNumber) = (2, 5, 2);

	/// (prepare, confirm, minimum enactment) of the `whitelisted_caller` track.
	#[cfg(not(feature = "fast-runtime"))]
	pub const WHITELISTED: (BlockNumber, BlockNumber, BlockNumber) =
		(30 * MINUTES, 10 * MINUTES, 10 * MINUTES);
	#[cfg(feature = "fast-runtime")]
	pub const WHITELISTED: (BlockNumber, BlockNumber, BlockNumber) = (2, 3, 1);

	/// (prepare, confirm, minimum enactment) of the `staking_admin` and `params_admin` tracks.
	#[cfg(not(feature = "fast-runtime"))]
	pub const ADMIN: (BlockNumber, BlockNumber, BlockNumber) = (2 * HOURS, 3 * HOURS, 10 * MINUTES);
	#[cfg(feature = "fast-runtime")]
	pub const ADMIN: (BlockNumber, BlockNumber, BlockNumber) = (2, 3, 1);

	/// (prepare, confirm, minimum enactment) of the `treasurer` track.
	#[cfg(not(feature = "fast-runtime"))]
	pub const TREASURER: (BlockNumber, BlockNumber, BlockNumber) = (2 * HOURS, DAYS, DAYS);
	#[cfg(feature = "fast-runtime")]
	pub const TREASURER: (BlockNumber, BlockNumber, BlockNumber) = (2, 3, 1);
}

/// Ayes over all votes, from 100 % at the start of the decision period to 50 % at its end.
const APPROVAL: Curve = Curve::LinearDecreasing {
	length: Perbill::from_percent(100),
	floor: Perbill::from_percent(50),
	ceil: Perbill::from_percent(100),
};

/// Aye voters' share of the issuance, from `ceil` at the start to `floor` at the end.
const fn support(ceil: Perbill, floor: Perbill) -> Curve {
	Curve::LinearDecreasing { length: Perbill::from_percent(100), floor, ceil }
}

/// One track.
const fn track(
	id: u16,
	track_name: &'static str,
	max_deciding: u32,
	decision_deposit: Balance,
	(prepare_period, confirm_period, min_enactment_period): (BlockNumber, BlockNumber, BlockNumber),
	min_support: Curve,
) -> Track<u16, Balance, BlockNumber> {
	Track {
		id,
		info: TrackInfo {
			name: name(track_name),
			max_deciding,
			decision_deposit,
			prepare_period,
			decision_period: periods::DECISION,
			confirm_period,
			min_enactment_period,
			min_approval: APPROVAL,
			min_support,
		},
	}
}

/// The track ids.
pub mod ids {
	/// Runtime upgrades and anything else root may do.
	pub const ROOT: u16 = 0;
	/// Calls whitelisted by the technical committee.
	pub const WHITELISTED_CALLER: u16 = 1;
	/// Staking administration.
	pub const STAKING_ADMIN: u16 = 10;
	/// Prices and parameters.
	pub const PARAMS_ADMIN: u16 = 11;
	/// Treasury spends.
	pub const TREASURER: u16 = 12;
	/// Cancelling referenda.
	pub const REFERENDUM_CANCELLER: u16 = 20;
	/// Killing referenda.
	pub const REFERENDUM_KILLER: u16 = 21;
}

/// The tracks, sorted by id.
static TRACKS: [Track<u16, Balance, BlockNumber>; 7] = [
	track(
		ids::ROOT,
		"root",
		1,
		100_000 * ZG,
		periods::ROOT,
		support(Perbill::from_percent(25), Perbill::from_percent(1)),
	),
	track(
		ids::WHITELISTED_CALLER,
		"whitelisted_caller",
		10,
		10_000 * ZG,
		periods::WHITELISTED,
		support(Perbill::from_percent(25), Perbill::from_percent(1)),
	),
	track(
		ids::STAKING_ADMIN,
		"staking_admin",
		10,
		5_000 * ZG,
		periods::ADMIN,
		support(Perbill::from_percent(10), Perbill::from_parts(5_000_000)),
	),
	track(
		ids::PARAMS_ADMIN,
		"params_admin",
		10,
		5_000 * ZG,
		periods::ADMIN,
		support(Perbill::from_percent(10), Perbill::from_parts(5_000_000)),
	),
	track(
		ids::TREASURER,
		"treasurer",
		10,
		1_000 * ZG,
		periods::TREASURER,
		support(Perbill::from_percent(10), Perbill::from_parts(5_000_000)),
	),
	track(
		ids::REFERENDUM_CANCELLER,
		"referendum_canceller",
		1_000,
		10_000 * ZG,
		periods::ADMIN,
		support(Perbill::from_percent(10), Perbill::from_parts(5_000_000)),
	),
	track(
		ids::REFERENDUM_KILLER,
		"referendum_killer",
		1_000,
		50_000 * ZG,
		periods::ADMIN,
		support(Perbill::from_percent(10), Perbill::from_parts(5_000_000)),
	),
];

/// The tracks of pallet-referenda, and which origin each dispatches as.
pub struct TracksInfo;

impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin = OriginCaller;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		TRACKS.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ids::ROOT),
			OriginCaller::Origins(Origin::WhitelistedCaller) => Ok(ids::WHITELISTED_CALLER),
			OriginCaller::Origins(Origin::StakingAdmin) => Ok(ids::STAKING_ADMIN),
			OriginCaller::Origins(Origin::ParamsAdmin) => Ok(ids::PARAMS_ADMIN),
			OriginCaller::Origins(Origin::Treasurer) => Ok(ids::TREASURER),
			OriginCaller::Origins(Origin::ReferendumCanceller) => Ok(ids::REFERENDUM_CANCELLER),
			OriginCaller::Origins(Origin::ReferendumKiller) => Ok(ids::REFERENDUM_KILLER),
			_ => Err(()),
		}
	}
}
