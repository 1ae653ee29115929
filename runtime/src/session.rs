//! The validator set of each session, until the staking pallet elects it.
//!
//! The genesis validators stay in place; each new session confirms them, so that every session
//! has a root in `Historical` and key-ownership proofs can be made for any of them.

use crate::{AccountId, Runtime};
use alloc::vec::Vec;
use sp_staking::SessionIndex;

/// A session manager that keeps the genesis validator set.
pub struct GenesisValidators;

impl GenesisValidators {
	/// The accounts that registered session keys at genesis, in a deterministic order.
	///
	/// Only called while the genesis state is built, when the number of keys is the number of
	/// validators in the chain spec.
	fn genesis_set() -> Vec<AccountId> {
		let mut validators: Vec<AccountId> =
			pallet_session::NextKeys::<Runtime>::iter_keys().collect();
		validators.sort();
		validators
	}
}

impl pallet_session::SessionManager<AccountId> for GenesisValidators {
	fn new_session(_new_index: SessionIndex) -> Option<Vec<AccountId>> {
		None
	}

	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<AccountId>> {
		Some(Self::genesis_set())
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}

impl pallet_session::historical::SessionManager<AccountId, ()> for GenesisValidators {
	fn new_session(_new_index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		None
	}

	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		Some(Self::genesis_set().into_iter().map(|v| (v, ())).collect())
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}

/// Every validator is identified by `()` until staking provides its exposure.
pub struct UnitIdentification;

impl sp_runtime::traits::Convert<AccountId, Option<()>> for UnitIdentification {
	fn convert(_validator: AccountId) -> Option<()> {
		Some(())
	}
}
