//! For the mock runtimes of the pallets that run on staking without pallet-session (std only).

use super::*;

/// A [`Config::SessionInterface`] with no session behind it: no validators, offence reports
/// and pruning ignored, keys accepted. For mocks that never report validator offences.
pub struct NoSessions<AccountId>(core::marker::PhantomData<AccountId>);

impl<AccountId: Clone> pallet_session::SessionInterface for NoSessions<AccountId> {
	type ValidatorId = AccountId;
	type AccountId = AccountId;
	type Keys = sp_runtime::testing::UintAuthorityId;

	fn validators() -> Vec<AccountId> {
		Vec::new()
	}
	fn prune_up_to(_: SessionIndex) {}
	fn report_offence(_: AccountId, _: OffenceSeverity) {}
	fn set_keys(_: &AccountId, _: Self::Keys) -> frame_support::dispatch::DispatchResult {
		Ok(())
	}
	fn purge_keys(_: &AccountId) -> frame_support::dispatch::DispatchResult {
		Ok(())
	}
	fn set_keys_weight() -> Weight {
		Weight::zero()
	}
	fn purge_keys_weight() -> Weight {
		Weight::zero()
	}
}
