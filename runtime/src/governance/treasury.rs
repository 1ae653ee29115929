//! How the treasury pays an approved spend: from its account, never below the existential
//! deposit. FRAME's `PayFromAccount` may empty the account, and an account that no longer exists
//! cannot take a slash or a fee share below the existential deposit (they would be lost).

use crate::{AccountId, Balance, Balances, TreasuryAccount};
use frame_support::traits::{
	fungible::Mutate,
	tokens::{Pay, PaymentStatus, Preservation},
};
use sp_runtime::DispatchError;

/// Pays spends from [`TreasuryAccount`], keeping it alive.
pub struct PayFromTreasury;

impl Pay for PayFromTreasury {
	type Balance = Balance;
	type Beneficiary = AccountId;
	type AssetKind = ();
	type Id = ();
	type Error = DispatchError;

	fn pay(who: &AccountId, _: (), amount: Balance) -> Result<(), DispatchError> {
		<Balances as Mutate<AccountId>>::transfer(
			&TreasuryAccount::get(),
			who,
			amount,
			Preservation::Preserve,
		)?;
		Ok(())
	}

	fn check_payment(_: ()) -> PaymentStatus {
		PaymentStatus::Success
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_successful(_: &AccountId, _: (), amount: Balance) {
		let _ = <Balances as Mutate<AccountId>>::mint_into(
			&TreasuryAccount::get(),
			amount.saturating_add(crate::EXISTENTIAL_DEPOSIT),
		);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_concluded(_: ()) {}
}
