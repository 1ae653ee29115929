//! `IStaking` (`precompiles/IStaking.sol`): bond, unbond, withdraw, delegate and pay out, as the
//! caller's own account; read a bond, delegations, the era and its reward.

use super::{
	account_of, act, address_id, address_read, balance, caller_address, charge_reads, dispatch,
	emit, evm_amount, map_read, ZgPrecompile,
};
use crate::{AccountId, Runtime, RuntimeCall};
use alloc::vec::Vec;
use core::num::NonZero;
use frame_support::BoundedVec;
use pallet_revive::precompiles::{
	alloy::{primitives::FixedBytes, sol, sol_types::SolCall},
	Error, Ext,
};
use pallet_zg_staking as staking;

/// The delegations of one account, as stored.
type Targets = BoundedVec<AccountId, <Runtime as staking::Config>::MaxDelegationTargets>;

sol!("../precompiles/IStaking.sol");

use IStaking::IStakingCalls;

/// The staking precompile, at `0x000000000000000000000000000000000a010000`.
pub struct StakingPrecompile;

/// A 32-byte account id of the interface.
fn account(id: &FixedBytes<32>) -> AccountId {
	AccountId::from(id.0)
}

impl ZgPrecompile for StakingPrecompile {
	type Interface = IStakingCalls;
	const ID: NonZero<u16> = address_id(0x0A01);

	fn call(input: &Self::Interface, env: &mut impl Ext<T = Runtime>) -> Result<Vec<u8>, Error> {
		match input {
			IStakingCalls::bond(IStaking::bondCall { value }) => {
				let value = balance(*value)?;
				charge_reads(env, 1, map_read::<staking::StakingLedger<Runtime>>())?;
				let bonded = env
					.caller()
					.account_id()
					.map(|who| staking::Ledger::<Runtime>::contains_key(who))
					.unwrap_or(false);
				let call = if bonded {
					staking::Call::bond_extra { value }
				} else {
					staking::Call::bond { value }
				};
				act(env, RuntimeCall::Staking(call), |who| IStaking::Bonded {
					who,
					value: evm_amount(value),
				})
			},
			IStakingCalls::unbond(IStaking::unbondCall { value }) => {
				let value = balance(*value)?;
				act(env, RuntimeCall::Staking(staking::Call::unbond { value }), |who| {
					IStaking::Unbonded { who, value: evm_amount(value) }
				})
			},
			IStakingCalls::rebond(IStaking::rebondCall { value }) => {
				let value = balance(*value)?;
				act(env, RuntimeCall::Staking(staking::Call::rebond { value }), |who| {
					IStaking::Rebonded { who, value: evm_amount(value) }
				})
			},
			IStakingCalls::chill(_) => {
				act(env, RuntimeCall::Staking(staking::Call::chill {}), |who| IStaking::Chilled {
					who,
				})
			},
			IStakingCalls::withdrawUnbonded(_) => {
				charge_reads(env, 1, map_read::<staking::StakingLedger<Runtime>>())?;
				let held =
					|who: &AccountId| staking::Ledger::<Runtime>::get(who).map_or(0, |l| l.total);
				let before = env.caller().account_id().map(held).unwrap_or(0);
				let who = dispatch(env, RuntimeCall::Staking(staking::Call::withdraw_unbonded {}))?;
				let released = before.saturating_sub(held(&who));
				let address = caller_address(env);
				emit(env, &IStaking::Withdrawn { who: address, value: evm_amount(released) })?;
				Ok(Vec::new())
			},
			IStakingCalls::delegate(IStaking::delegateCall { targets }) => {
				let accounts = targets.iter().map(account).collect();
				act(
					env,
					RuntimeCall::Staking(staking::Call::delegate { targets: accounts }),
					|who| IStaking::Delegated { who, targets: targets.clone() },
				)
			},
			IStakingCalls::payoutStakers(IStaking::payoutStakersCall { validator, era, page }) => {
				let call = staking::Call::payout_stakers {
					validator: account(validator),
					era: *era,
					page: *page,
				};
				dispatch(env, RuntimeCall::Staking(call))?;
				emit(env, &IStaking::PaidOut { validator: *validator, era: *era, page: *page })?;
				Ok(Vec::new())
			},
			IStakingCalls::stakeOf(IStaking::stakeOfCall { who }) => {
				let ledger = map_read::<staking::StakingLedger<Runtime>>();
				charge_reads(env, 2, ledger + address_read())?;
				let who = account_of(env, who);
				let ledger = staking::Ledger::<Runtime>::get(&who);
				let (active, total) = ledger.as_ref().map_or((0, 0), |l| (l.active, l.total));
				let unlocking = ledger.as_ref().map_or(0, |l| {
					l.unlocking.iter().fold(0u128, |sum, c| sum.saturating_add(c.value))
				});
				Ok(IStaking::stakeOfCall::abi_encode_returns(&IStaking::stakeOfReturn {
					active: evm_amount(active),
					total: evm_amount(total),
					unlocking: evm_amount(unlocking),
				}))
			},
			IStakingCalls::delegationsOf(IStaking::delegationsOfCall { who }) => {
				charge_reads(env, 2, map_read::<Targets>() + address_read())?;
				let who = account_of(env, who);
				let targets: Vec<FixedBytes<32>> = staking::Delegations::<Runtime>::get(&who)
					.map(|t| t.iter().map(|a| FixedBytes(*a.as_ref())).collect())
					.unwrap_or_default();
				Ok(IStaking::delegationsOfCall::abi_encode_returns(&targets))
			},
			IStakingCalls::activeEra(_) => {
				charge_reads(env, 1, map_read::<staking::ActiveEraInfo>())?;
				Ok(IStaking::activeEraCall::abi_encode_returns(
					&staking::Pallet::<Runtime>::active_era(),
				))
			},
			IStakingCalls::eraReward(IStaking::eraRewardCall { era }) => {
				charge_reads(env, 2, 2 * map_read::<u128>())?;
				let reward = staking::ErasValidatorReward::<Runtime>::get(era).unwrap_or(0);
				let paid =
					if reward == 0 { 0 } else { staking::ErasRewardPaid::<Runtime>::get(era) };
				Ok(IStaking::eraRewardCall::abi_encode_returns(&IStaking::eraRewardReturn {
					reward: evm_amount(reward),
					paid: evm_amount(paid),
				}))
			},
		}
	}
}
