//! The invariants every block must keep, checked after each block of an input.

use frame_support::{
	dispatch::DispatchClass,
	traits::{Get, TryDecodeEntireStorage, TryState, TryStateSelect},
};
use sp_runtime::Perbill;
use zg_runtime::{AccountId, AllPalletsWithSystem, Balances, Runtime, RuntimeEvent, System};

use crate::{Counts, COUNTS};

/// What a block's checks compare with: the state its hooks start from.
#[derive(Clone, Copy)]
struct Before {
	issuance: u128,
	/// The active era's index and start (Unix milliseconds), as `end_era` reads them.
	active_era: Option<(u32, Option<u64>)>,
	/// The time the hooks see: the previous block's timestamp (the block's own is set after
	/// them).
	now_ms: u64,
	/// The yearly inflation the hooks see (a referendum may change it within the block).
	yearly: Perbill,
}

thread_local! {
	static BEFORE: std::cell::Cell<Before> = const {
		std::cell::Cell::new(Before {
			issuance: 0,
			active_era: None,
			now_ms: 0,
			yearly: Perbill::from_parts(0),
		})
	};
}

/// Records what the block's checks compare with; called before the block's hooks.
pub fn before_block() {
	let before = Before {
		issuance: Balances::total_issuance(),
		active_era: pallet_zg_staking::ActiveEra::<Runtime>::get().map(|a| (a.index, a.start)),
		now_ms: pallet_timestamp::Now::<Runtime>::get(),
		yearly: <Runtime as pallet_zg_staking::Config>::YearlyInflation::get(),
	};
	BEFORE.with(|b| b.set(before));
}

/// Every check of block `number`, after its `on_finalize` (and [`before_block`] before its
/// hooks); panics on the first one broken.
pub fn after_block(number: u32) {
	let before = BEFORE.with(|b| b.get());
	let (minted, burned) = mints_and_burns(number, before);
	{
		// As try-runtime's `execute_block` does: the checks must not write, and every stored
		// value must decode.
		let _guard = frame_support::StorageNoopGuard::default();
		AllPalletsWithSystem::try_state(number, TryStateSelect::All)
			.unwrap_or_else(|e| panic!("try_state after block {number}: {e:?}"));
		AllPalletsWithSystem::try_decode_entire_state()
			.unwrap_or_else(|e| panic!("undecodable storage after block {number}: {e:?}"));
	}
	let issuance = Balances::total_issuance();
	let held: u128 = frame_system::Account::<Runtime>::iter()
		.map(|(_, a)| a.data.free.saturating_add(a.data.reserved))
		.fold(0u128, |sum, b| sum.saturating_add(b));
	assert_eq!(issuance, held, "block {number}: total issuance is not what the accounts hold");
	Counts::add(&COUNTS.minting, u32::from(minted > 0));
	Counts::add(&COUNTS.burning, u32::from(burned > 0));
	assert_eq!(
		issuance as i128 - before.issuance as i128,
		minted as i128 - burned as i128,
		"block {number}: the issuance went {} -> {issuance}, the events say {minted} minted and \
		 {burned} burned",
		before.issuance
	);
	holds_within_reserves(number);
	weights(number);
}

/// Each account's holds and named reserves within its reserved balance: a pallet that
/// released or burned more than it held would break it. (Equality cannot be asked: some FRAME
/// pallets still reserve without a name, referenda's deposits among them.)
fn holds_within_reserves(number: u32) {
	let mut accounts: std::collections::BTreeMap<AccountId, u128> = Default::default();
	for (who, holds) in pallet_balances::Holds::<Runtime>::iter() {
		let sum = holds.iter().fold(0u128, |sum, h| sum.saturating_add(h.amount));
		*accounts.entry(who).or_default() += sum;
	}
	for (who, reserves) in pallet_balances::Reserves::<Runtime>::iter() {
		let sum = reserves.iter().fold(0u128, |sum, r| sum.saturating_add(r.amount));
		*accounts.entry(who).or_default() += sum;
	}
	for (who, named) in accounts {
		let reserved = System::account(&who).data.reserved;
		assert!(
			named <= reserved,
			"block {number}: {who} has {named} held or reserved by name, but only {reserved} \
			 reserved"
		);
	}
}

/// What the block's balance events say was minted and burned, each mint checked against who
/// may receive it:
///
/// - the staking reward pot, only in a block where an era ends, at most what `end_era` may mint
///   (the yearly inflation on the issuance, for the era's duration up to a year), and exactly
///   what the era's `EraPaid` announces;
/// - a contract's account, the existential deposit pallet-revive gives it when it is
///   instantiated in the block.
///
/// Counts the storage events of the run's report.
fn mints_and_burns(number: u32, before: Before) -> (u128, u128) {
	use pallet_balances::Event as B;
	use pallet_revive::AddressMapper;
	use pallet_zg_staking::MILLISECONDS_PER_YEAR;
	let pot = pallet_zg_staking::Pallet::<Runtime>::reward_pot();
	let active = pallet_zg_staking::ActiveEra::<Runtime>::get().map(|a| a.index);
	let era_ended = active != before.active_era.map(|(index, _)| index);
	let duration = before
		.active_era
		.and_then(|(_, start)| start)
		.map_or(0, |start| before.now_ms.saturating_sub(start))
		.min(MILLISECONDS_PER_YEAR);
	// The issuance `end_era` multiplies lies between the two; one unit for its rounding.
	let base = before.issuance.max(Balances::total_issuance());
	let inflation_cap = (before.yearly * base).saturating_mul(u128::from(duration))
		/ u128::from(MILLISECONDS_PER_YEAR)
		+ 1;
	let events = System::events();
	let contracts: Vec<AccountId> = events
		.iter()
		.filter_map(|record| match &record.event {
			RuntimeEvent::Revive(pallet_revive::Event::Instantiated { contract, .. }) => {
				Some(<Runtime as pallet_revive::Config>::AddressMapper::to_account_id(contract))
			},
			_ => None,
		})
		.collect();
	let (mut minted, mut burned, mut inflation, mut announced) = (0u128, 0u128, 0u128, 0u128);
	for record in events {
		match record.event {
			RuntimeEvent::Balances(B::Minted { who, amount }) => {
				let allowed = if who == pot {
					inflation = inflation.saturating_add(amount);
					era_ended && inflation <= inflation_cap
				} else {
					amount == zg_runtime::fees::EXISTENTIAL_DEPOSIT && contracts.contains(&who)
				};
				assert!(
					allowed,
					"block {number}: {amount} minted into {who} (era ended: {era_ended}, the \
					 era's inflation at most {inflation_cap})"
				);
				minted = minted.saturating_add(amount);
			},
			RuntimeEvent::Staking(pallet_zg_staking::Event::EraPaid { inflation, .. }) => {
				announced = announced.saturating_add(inflation);
			},
			// Issuance with no account named: nothing in this runtime makes it.
			RuntimeEvent::Balances(B::MintedCredit { amount } | B::Issued { amount }) => {
				panic!("block {number}: {amount} issued without a recipient")
			},
			// A reaped account's dust (`DustLost`) is dropped as a credit (`DustRemoval = ()`),
			// which lowers the issuance and says so with `BurnedDebt`: not counted twice.
			// `TotalIssuanceForced` and shelving need Root or no caller here: not reached.
			RuntimeEvent::Balances(
				B::Burned { amount, .. }
				| B::BurnedDebt { amount }
				| B::BurnedHeld { amount, .. }
				| B::Rescinded { amount },
			) => burned = burned.saturating_add(amount),
			RuntimeEvent::Storage(pallet_zg_storage::Event::FileDropped { .. }) => {
				Counts::add(&COUNTS.dropped, 1);
			},
			RuntimeEvent::Storage(pallet_zg_storage::Event::ShardAssigned { .. }) => {
				Counts::add(&COUNTS.assigned, 1);
			},
			_ => {},
		}
	}
	assert_eq!(
		inflation, announced,
		"block {number}: {inflation} minted into the reward pot, the era's payout says {announced}"
	);
	(minted, burned)
}

/// Each dispatch class within its limit, and the transactions within the block's maximum.
fn weights(number: u32) {
	let limits = <Runtime as frame_system::Config>::BlockWeights::get();
	let weight = System::block_weight();
	for class in [DispatchClass::Normal, DispatchClass::Operational, DispatchClass::Mandatory] {
		if let Some(max) = limits.get(class).max_total {
			assert!(
				weight.get(class).all_lte(max),
				"block {number}: {class:?} weight {:?} over {max:?}",
				weight.get(class)
			);
		}
	}
	// Mandatory weight (hooks, inherents) is not bounded by the block: pallet-session charges a
	// whole block when it rotates. What transactions may use is.
	let transactions =
		weight.get(DispatchClass::Normal).saturating_add(*weight.get(DispatchClass::Operational));
	assert!(
		transactions.all_lte(limits.max_block),
		"block {number}: transactions' weight {transactions:?} over the block's {:?}",
		limits.max_block
	);
}
