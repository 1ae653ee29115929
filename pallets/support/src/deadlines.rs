//! A deadline queue that never refuses an item and is worked off by a hook with a weight
//! budget.
//!
//! Storage (confirmation deadlines, expiries, challenge deadlines, handovers), compute (answer
//! deadlines, settlement, verifier draws, dispute decisions) and later DA all keep "do this at
//! block `b`" lists. A list with a fixed room per block can be filled by anybody for a few
//! transaction fees, after which honest calls fail; this queue has no such room:
//!
//! - an item is a key of a storage double map `block → item → ()` declared by the pallet that
//!   owns it ([`DeadlineQueue::schedule`] inserts it, [`DeadlineQueue::cancel`] removes it,
//!   both in O(1)); any number of items can be due in one block, each paid for by the call that
//!   scheduled it;
//! - a hook calls [`DeadlineQueue::service`] once per block with a [`WeightMeter`]: it works
//!   off the items of the oldest block not yet done, then the next, up to the current block,
//!   and stops before an item whose worst-case weight no longer fits. What does not fit is
//!   carried over: a cursor (a storage value of the pallet) remembers the oldest block that may
//!   still hold items, and the next block goes on from there.
//!
//! So an item is processed at its block or, when more is due than a block's budget allows,
//! some blocks later, but it is never dropped, and a schedule never fails. Whoever acts on an
//! item must therefore compare with the deadline recorded in its own state rather than with
//! the block in which the item is processed (a late expiry must not let a late answer in).
//!
//! Within a block, items are processed in the order of their hashed keys: deterministic, and
//! not chosen by whoever schedules them.

use codec::FullCodec;
use core::marker::PhantomData;
use frame_support::{
	storage::{IterableStorageDoubleMap, StorageValue},
	weights::{Weight, WeightMeter},
};
use sp_runtime::traits::{AtLeast32BitUnsigned, One};

/// The queue of items `I` due at blocks `B`, over the pallet's storage: `Items` (a double map
/// `block → item → ()`, the second hasher reversible, e.g. `Twox64Concat`) and `Cursor` (a
/// `ValueQuery` storage value holding the oldest block that may still have items).
pub struct DeadlineQueue<B, I, Items, Cursor>(PhantomData<(B, I, Items, Cursor)>);

/// What [`DeadlineQueue::service`] did in one call.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Serviced {
	/// Items handed to the handler.
	pub processed: u32,
	/// Whether items due at or before the current block are left for a later block.
	pub carried_over: bool,
}

impl<B, I, Items, Cursor> DeadlineQueue<B, I, Items, Cursor>
where
	B: AtLeast32BitUnsigned + FullCodec + Copy,
	I: FullCodec,
	Items: IterableStorageDoubleMap<B, I, ()>,
	Cursor: StorageValue<B, Query = B>,
{
	/// Schedules `item` at block `at`, or at `now + 1` if `at` is not later than `now` (the
	/// queue of `now` may already have been worked off). Returns the block it was put at.
	/// Scheduling the same item at the same block twice keeps one entry.
	pub fn schedule(now: B, at: B, item: I) -> B {
		let at = at.max(now.saturating_add(One::one()));
		Items::insert(at, item, ());
		at
	}

	/// Removes `item` from block `at` (nothing happens if it is not there).
	pub fn cancel(at: B, item: I) {
		Items::remove(at, item);
	}

	/// Whether `item` is scheduled at `at`.
	pub fn is_scheduled(at: B, item: I) -> bool {
		Items::contains_key(at, item)
	}

	/// The oldest block that may still have items.
	pub fn cursor() -> B {
		Cursor::get()
	}

	/// Works off the items due up to `now`, oldest block first. For each item, `weight_of`
	/// gives its worst-case weight; the item is handed to `handle` (which returns the weight it
	/// really used, at most that) only if `meter` still has room for it and for one `step`
	/// (reading and removing one key), and otherwise stays queued for the next call. Every
	/// step and every item is charged to `meter`.
	pub fn service(
		now: B,
		meter: &mut WeightMeter,
		step: Weight,
		weight_of: impl Fn(&I) -> Weight,
		mut handle: impl FnMut(B, I) -> Weight,
	) -> Serviced {
		let mut block = Cursor::get();
		let mut done = Serviced::default();
		while block <= now {
			if !meter.can_consume(step) {
				done.carried_over = true;
				break;
			}
			match Items::iter_key_prefix(block).next() {
				None => {
					meter.consume(step);
					block = block.saturating_add(One::one());
				},
				Some(item) => {
					let worst = weight_of(&item);
					if !meter.can_consume(step.saturating_add(worst)) {
						done.carried_over = true;
						break;
					}
					meter.consume(step);
					Items::remove(block, &item);
					let used = handle(block, item);
					meter.consume(used.min(worst));
					done.processed = done.processed.saturating_add(1);
				},
			}
		}
		Cursor::put(block);
		done
	}
}
