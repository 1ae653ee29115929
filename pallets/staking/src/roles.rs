//! Service-role bonds as the storage, DA and compute pallets see them.

use super::*;

impl<T: Config> RoleStaking<T::AccountId, Balance> for Pallet<T> {
	fn is_eligible(who: &T::AccountId, role: Role) -> bool {
		RoleBonds::<T>::get(who, role)
			.is_some_and(|b| b.unbonding_era.is_none() && b.amount >= MinRoleBond::<T>::get(role))
	}

	fn role_stake(who: &T::AccountId, role: Role) -> Balance {
		RoleBonds::<T>::get(who, role).map(|b| b.amount).unwrap_or(0)
	}

	fn slash_role(
		who: &T::AccountId,
		role: Role,
		fraction: Perbill,
		reason: SlashReason,
		reporter: Option<&T::AccountId>,
	) -> Balance {
		let Some(mut bond) = RoleBonds::<T>::get(who, role) else { return 0 };
		let amount = fraction * bond.amount;
		if amount.is_zero() {
			return 0;
		}
		let reason_hold: T::RuntimeHoldReason = HoldReason::RoleBond.into();
		let move_to = |dest: &T::AccountId, value: Balance| {
			if value.is_zero() {
				return 0;
			}
			T::Currency::transfer_on_hold(
				&reason_hold,
				who,
				dest,
				value,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)
			.unwrap_or(0)
		};
		let reporter_reward = match reporter {
			Some(r) if r != who => move_to(r, T::ReporterShare::get() * amount),
			_ => 0,
		};
		let to_treasury = move_to(&T::Treasury::get(), amount.saturating_sub(reporter_reward));
		let slashed = reporter_reward.saturating_add(to_treasury);
		bond.amount = bond.amount.saturating_sub(slashed);
		if bond.amount.is_zero() {
			RoleBonds::<T>::remove(who, role);
		} else {
			RoleBonds::<T>::insert(who, role, bond);
		}
		TotalRoleBonded::<T>::mutate(|t| *t = t.saturating_sub(slashed));
		Self::deposit_event(Event::RoleSlashed {
			who: who.clone(),
			role,
			reason,
			amount: slashed,
			reporter_reward,
		});
		slashed
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn bench_make_eligible(who: &T::AccountId, role: Role) -> Result<(), &'static str> {
		let bond = MinRoleBond::<T>::get(role).max(T::Currency::minimum_balance()).max(1);
		let funds = bond.saturating_mul(10).saturating_add(T::Currency::minimum_balance());
		T::Currency::set_balance(who, funds);
		Pallet::<T>::register_role(frame_system::RawOrigin::Signed(who.clone()).into(), role, bond)
			.map_err(|_| "register_role failed")
	}
}
