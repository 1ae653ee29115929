//! Service roles and the interface between the staking pallet and the service pallets.
//!
//! One staking pallet secures both the validator set and every service role. A storage
//! provider, a DA signer or a compute provider registers its role with a bond; the pallet that
//! runs the service checks eligibility, reads the stake and slashes it through
//! [`RoleStaking`], without depending on the staking pallet itself: the runtime wires the two
//! together, as FRAME pallets meet through `sp-staking`.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// A service that an account can provide in exchange for a bond.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Role {
	/// Stores erasure-coded shards of files and answers storage challenges.
	StorageProvider,
	/// Attests the availability of data-availability blobs.
	DaSigner,
	/// Serves inference, fine-tuning or agent jobs.
	ComputeProvider,
}

impl Role {
	/// Every role, in a fixed order.
	pub const ALL: [Role; 3] = [Role::StorageProvider, Role::DaSigner, Role::ComputeProvider];
}

/// Why a service bond was slashed. Recorded in the slashing event.
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
pub enum SlashReason {
	/// A storage challenge went unanswered before its deadline.
	MissedChallenge,
	/// A storage challenge was answered with a proof that does not verify.
	InvalidProof,
	/// A DA blob was attested but could not be served.
	UnavailableData,
	/// A compute job was not answered before its deadline.
	MissedDeadline,
	/// A compute result lost a dispute.
	WrongResult,
	/// A shard handed over to this provider was not confirmed before its deadline.
	MissedHandover,
	/// A verifier drawn for a dispute did not vote, or voted against the decisive majority.
	VerifierFault,
	/// A DA blob line was attested that is not a codeword of its committed root.
	BadEncoding,
}

/// What the service pallets need from staking: who may serve, with how much at stake, and a
/// way to make misbehaviour cost that stake.
pub trait RoleStaking<AccountId, Balance> {
	/// Whether `who` holds an active (registered, not unbonding) bond for `role` of at least
	/// the role's minimum.
	fn is_eligible(who: &AccountId, role: Role) -> bool;

	/// The bond that `who` has at stake for `role` (zero when not registered).
	fn role_stake(who: &AccountId, role: Role) -> Balance;

	/// Slashes `fraction` of the bond of `who` for `role` because of `reason`. The slashed funds
	/// go to the treasury, less the reporter's share when a `reporter` is given. Returns the
	/// amount slashed (zero when `who` has no bond for `role`).
	fn slash_role(
		who: &AccountId,
		role: Role,
		fraction: Perbill,
		reason: SlashReason,
		reporter: Option<&AccountId>,
	) -> Balance;

	/// Benchmarks only: funds `who` and gives it an active `role` bond of the role's minimum
	/// (or more), so that it is eligible.
	#[cfg(feature = "runtime-benchmarks")]
	fn bench_make_eligible(who: &AccountId, role: Role) -> Result<(), &'static str>;
}

/// What a service pallet tells staking about the work an account still owes in a role.
///
/// A role bond is collateral for work in progress: shards a storage provider holds and the
/// challenges it must answer, jobs a compute provider must answer or may still be disputed
/// over, votes a verifier owes. The staking pallet asks this before it releases an unbonded
/// role bond, so that nobody walks away from its obligations with its collateral. The runtime
/// wires the service pallets in as a tuple.
pub trait RoleObligations<AccountId> {
	/// Whether `who` still has obligations in `role`.
	fn has_obligations(who: &AccountId, role: Role) -> bool;
}

impl<AccountId> RoleObligations<AccountId> for () {
	fn has_obligations(_: &AccountId, _: Role) -> bool {
		false
	}
}

macro_rules! impl_obligations_for_tuple {
	($($name:ident),+) => {
		impl<AccountId, $($name: RoleObligations<AccountId>),+> RoleObligations<AccountId>
			for ($($name,)+)
		{
			fn has_obligations(who: &AccountId, role: Role) -> bool {
				false $(|| $name::has_obligations(who, role))+
			}
		}
	};
}
impl_obligations_for_tuple!(A);
impl_obligations_for_tuple!(A, B);
impl_obligations_for_tuple!(A, B, C);
impl_obligations_for_tuple!(A, B, C, D);

/// No staking: nobody is eligible and nothing is slashed. For tests of pallets that do not
/// exercise the service bonds.
impl<AccountId, Balance: Default> RoleStaking<AccountId, Balance> for () {
	fn is_eligible(_: &AccountId, _: Role) -> bool {
		false
	}
	fn role_stake(_: &AccountId, _: Role) -> Balance {
		Balance::default()
	}
	fn slash_role(
		_: &AccountId,
		_: Role,
		_: Perbill,
		_: SlashReason,
		_: Option<&AccountId>,
	) -> Balance {
		Balance::default()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn bench_make_eligible(_: &AccountId, _: Role) -> Result<(), &'static str> {
		Err("no staking")
	}
}
