//! Disk space: what the store holds, counted as it changes (one walk when it opens), and room
//! reserved for what is being written. A write reserves its bytes before the first one
//! arrives, so writers running at once never together pass the declared capacity, and asking
//! how much is used costs a lock, not a walk of the store.

use crate::Error;
use std::sync::{Arc, Mutex, MutexGuard};

/// Bytes of shards and trees held, and bytes reserved by writes in progress.
#[derive(Debug, Default)]
struct Counts {
	held: u64,
	reserved: u64,
}

/// The store's count of its bytes, shared by its clones.
#[derive(Clone, Debug, Default)]
pub(crate) struct Usage(Arc<Mutex<Counts>>);

/// The bytes a shard of `bytes` takes with its tree (1/256 of it more).
pub(crate) fn with_tree(bytes: u64) -> u64 {
	bytes.saturating_add(bytes / 256)
}

impl Usage {
	fn counts(&self) -> MutexGuard<'_, Counts> {
		// The counts are plain numbers: one left by a panicking holder is still whole.
		self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Starts the count at what a walk of the store found.
	pub(crate) fn new(held: u64) -> Self {
		Self(Arc::new(Mutex::new(Counts { held, reserved: 0 })))
	}

	/// Held plus reserved.
	pub(crate) fn used(&self) -> u64 {
		let counts = self.counts();
		counts.held.saturating_add(counts.reserved)
	}

	/// Reserves `bytes` of `capacity`, or fails with [`Error::NoRoom`] leaving nothing
	/// reserved.
	pub(crate) fn reserve(&self, bytes: u64, capacity: u64) -> Result<Room, Error> {
		let mut counts = self.counts();
		let free = capacity.saturating_sub(counts.held.saturating_add(counts.reserved));
		if bytes > free {
			return Err(Error::NoRoom { needed: bytes, free });
		}
		counts.reserved = counts.reserved.saturating_add(bytes);
		Ok(Room { usage: self.clone(), bytes })
	}

	/// Counts `added` bytes more held and `removed` fewer.
	pub(crate) fn change(&self, added: u64, removed: u64) {
		let mut counts = self.counts();
		counts.held = counts.held.saturating_add(added).saturating_sub(removed);
	}
}

/// Room reserved in the store, given back when dropped (by then what it was for is counted
/// as held, or was never kept).
#[derive(Debug)]
#[must_use = "the room is given back when this is dropped"]
pub struct Room {
	usage: Usage,
	bytes: u64,
}

impl Room {
	/// The bytes reserved.
	pub fn bytes(&self) -> u64 {
		self.bytes
	}
}

impl Drop for Room {
	fn drop(&mut self) {
		let mut counts = self.usage.counts();
		counts.reserved = counts.reserved.saturating_sub(self.bytes);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reservations_never_pass_the_capacity_and_are_given_back() {
		let usage = Usage::new(40);
		let a = usage.reserve(50, 100).unwrap();
		assert_eq!(usage.used(), 90);
		assert!(matches!(usage.reserve(11, 100), Err(Error::NoRoom { needed: 11, free: 10 })));
		assert_eq!(usage.used(), 90, "a refused reservation keeps nothing");
		// What the reservation was for is kept: counted held, then the room given back.
		usage.change(50, 0);
		drop(a);
		assert_eq!(usage.used(), 90);
		usage.change(0, 90);
		assert_eq!(usage.used(), 0);
		assert!(usage.reserve(100, 100).is_ok());
		assert_eq!(usage.used(), 0, "a dropped room is given back");
	}
}
