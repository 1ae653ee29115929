//! Session helpers: how historical sessions identify a validator.

use crate::AccountId;

/// Every validator is identified by its account alone: staking keeps the exposures.
pub struct UnitIdentification;

impl sp_runtime::traits::Convert<AccountId, Option<()>> for UnitIdentification {
	fn convert(_validator: AccountId) -> Option<()> {
		Some(())
	}
}
