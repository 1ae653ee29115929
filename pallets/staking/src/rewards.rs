//! Paying an era's reward to its validators and their backers.

use super::*;

impl<T: Config> Pallet<T> {
	/// Pays one page; returns the number of backers paid.
	pub(crate) fn do_payout(
		validator: &T::AccountId,
		era: EraIndex,
		page: u32,
	) -> Result<u32, sp_runtime::DispatchError> {
		let active = Self::active_era();
		frame_support::ensure!(
			era < active && era.saturating_add(T::HistoryDepth::get()) >= active,
			Error::<T>::InvalidEra
		);
		let reward = ErasValidatorReward::<T>::get(era).ok_or(Error::<T>::InvalidEra)?;
		let overview =
			ErasStakersOverview::<T>::get(era, validator).ok_or(Error::<T>::NotElected)?;
		frame_support::ensure!(page < overview.page_count, Error::<T>::InvalidPage);
		let claimed = ClaimedPages::<T>::get(era, validator);
		frame_support::ensure!(claimed & (1 << page) == 0, Error::<T>::AlreadyClaimed);
		ClaimedPages::<T>::insert(era, validator, claimed | (1 << page));

		let points = ErasRewardPoints::<T>::get(era, validator) as u128;
		let total_points = ErasTotalPoints::<T>::get(era) as u128;
		let validator_reward = mul_div(reward, points, total_points);
		let commission = overview.commission * validator_reward;
		let leftover = validator_reward.saturating_sub(commission);

		let mut payees: Vec<(T::AccountId, Balance)> = Vec::new();
		if page == 0 {
			let own = mul_div(leftover, overview.own, overview.total);
			payees.push((validator.clone(), commission.saturating_add(own)));
		}
		let backers = ErasStakersPaged::<T>::get((era, validator, page)).unwrap_or_default();
		let paid_backers = backers.len() as u32;
		for (backer, stake) in backers {
			payees.push((backer, mul_div(leftover, stake, overview.total)));
		}
		let pot = Self::reward_pot();
		let mut paid: Balance = 0;
		for (stash, amount) in payees {
			if amount.is_zero() {
				continue;
			}
			if T::Currency::transfer(&pot, &stash, amount, Preservation::Preserve).is_ok() {
				paid = paid.saturating_add(amount);
				Self::deposit_event(Event::Rewarded {
					era,
					validator: validator.clone(),
					stash,
					amount,
				});
			}
		}
		ErasRewardPaid::<T>::mutate(era, |p| *p = p.saturating_add(paid));
		UnclaimedRewards::<T>::mutate(|u| *u = u.saturating_sub(paid));
		Ok(paid_backers)
	}
}
