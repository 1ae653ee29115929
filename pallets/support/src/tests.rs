//! Tests of the deadline queue (on storage declared with `storage_alias`) and of the escrow
//! stream.

use crate::{deadlines::DeadlineQueue, stream::accrued};
use frame_support::{
	storage_alias,
	weights::{Weight, WeightMeter},
	Twox64Concat,
};

#[storage_alias]
type Items = StorageDoubleMap<Test, Twox64Concat, u32, Twox64Concat, u64, ()>;
#[storage_alias]
type Cursor = StorageValue<Test, u32, frame_support::pallet_prelude::ValueQuery>;

type Queue = DeadlineQueue<u32, u64, Items, Cursor>;

const STEP: Weight = Weight::from_parts(10, 0);
const ITEM: Weight = Weight::from_parts(100, 0);

fn due(block: u32) -> Vec<u64> {
	let mut items: Vec<u64> = Items::iter_key_prefix(block).collect();
	items.sort();
	items
}

#[test]
fn items_are_never_refused_and_run_in_block_order() {
	sp_io::TestExternalities::default().execute_with(|| {
		// A thousand items in one block: no room is ever full.
		for i in 0..1_000 {
			assert_eq!(Queue::schedule(1, 5, i), 5);
		}
		assert_eq!(Queue::schedule(1, 3, 7_000), 3);
		// At or before `now`: moved to the next block.
		assert_eq!(Queue::schedule(4, 2, 8_000), 5);
		assert_eq!(due(5).len(), 1_001);
		// Scheduling twice keeps one entry; cancelling removes it.
		Queue::schedule(1, 9, 9_000);
		Queue::schedule(1, 9, 9_000);
		assert_eq!(due(9), vec![9_000]);
		Queue::cancel(9, 9_000);
		assert!(!Queue::is_scheduled(9, 9_000));

		// A budget of 1 100: block 3's item (110) and the step that finds block 3 empty (10),
		// the empty block 4 (10), then 8 of block 5's items (880); the ninth no longer fits,
		// the rest is carried over.
		Cursor::put(3);
		let mut seen = Vec::new();
		let mut meter = WeightMeter::with_limit(Weight::from_parts(10 * 110, 0));
		let done = Queue::service(
			5,
			&mut meter,
			STEP,
			|_| ITEM,
			|b, i| {
				seen.push((b, i));
				ITEM
			},
		);
		assert_eq!(done.processed, 9);
		assert_eq!(meter.consumed(), Weight::from_parts(110 + 10 + 10 + 8 * 110, 0));
		assert!(done.carried_over);
		assert_eq!(seen[0], (3, 7_000));
		assert!(seen[1..].iter().all(|(b, _)| *b == 5));
		assert_eq!(Queue::cursor(), 5);
		// Later blocks with a larger budget finish block 5 and move the cursor past `now`.
		let mut total = seen.len();
		for now in 6..20 {
			let mut meter = WeightMeter::with_limit(Weight::from_parts(200 * 110, 0));
			total += Queue::service(now, &mut meter, STEP, |_| ITEM, |_, _| Weight::zero())
				.processed as usize;
		}
		assert_eq!(total, 1_002);
		assert_eq!(Queue::cursor(), 20);
		assert_eq!(Items::iter().count(), 0);
	});
}

#[test]
fn a_budget_below_one_item_processes_nothing() {
	sp_io::TestExternalities::default().execute_with(|| {
		Queue::schedule(0, 1, 1);
		Cursor::put(1);
		let mut meter = WeightMeter::with_limit(Weight::from_parts(109, 0));
		let done = Queue::service(1, &mut meter, STEP, |_| ITEM, |_, _| ITEM);
		assert_eq!(done, crate::deadlines::Serviced { processed: 0, carried_over: true });
		assert_eq!(Cursor::get(), 1);
		assert_eq!(meter.consumed(), Weight::zero());
		assert!(Queue::is_scheduled(1, 1));
	});
}

#[test]
fn escrow_accrues_linearly_up_to_the_end() {
	assert_eq!(accrued(1_000u128, 10u32, 10, 110), 0);
	assert_eq!(accrued(1_000u128, 10u32, 60, 110), 500);
	assert_eq!(accrued(1_000u128, 10u32, 110, 110), 1_000);
	assert_eq!(accrued(1_000u128, 10u32, 500, 110), 1_000);
	assert_eq!(accrued(999u128, 0u32, 1, 2), 499);
	assert_eq!(accrued(u128::MAX, 0u32, 1, 3), u128::MAX / 3);
}
