//! Where transaction fees go: a share to the treasury, the rest (and every tip) to stakers.
//!
//! **Why 20 %.** Stakers are paid mostly by inflation (5 % a year); fees are the part of their
//! income that grows with use, and 80 % of them stays theirs, so securing a busy chain still
//! pays more than securing an idle one. The treasury needs an income that does not depend on
//! validators misbehaving (today its only other income is slashes), because it pays the
//! reporters of equivocations and whatever token holders vote to fund. 20 % of fees gives it
//! one that grows with the chain, while a validator's loss from it (a fifth of fees) stays
//! small next to its inflation reward. The share is a constant of the runtime: changing it
//! takes a runtime upgrade, i.e. a `root` referendum.

use crate::{AccountId, Balances, Runtime, TreasuryAccount};
use frame_support::traits::{
	fungible::Credit,
	tokens::imbalance::{Imbalance, ResolveTo},
	OnUnbalanced,
};
use pallet_zg_staking::FeesToRewardPot;

/// The percentage of every transaction fee (tips excluded) paid to the treasury.
pub const TREASURY_FEE_SHARE: u32 = 20;

/// Splits what pallet-transaction-payment collects: the fee first, then the tip.
pub struct DealWithFees;

impl OnUnbalanced<Credit<AccountId, Balances>> for DealWithFees {
	fn on_unbalanceds(mut amounts: impl Iterator<Item = Credit<AccountId, Balances>>) {
		if let Some(fee) = amounts.next() {
			Self::on_unbalanced(fee);
		}
		for tip in amounts {
			FeesToRewardPot::<Runtime>::on_unbalanced(tip);
		}
	}

	/// A fee on its own: split.
	fn on_nonzero_unbalanced(fee: Credit<AccountId, Balances>) {
		let (treasury, stakers) =
			fee.ration(TREASURY_FEE_SHARE, 100u32.saturating_sub(TREASURY_FEE_SHARE));
		ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(treasury);
		FeesToRewardPot::<Runtime>::on_unbalanced(stakers);
	}
}
