//! Randomness that nobody could see when a request was made, and the draws made from it.
//!
//! Storage assigns shards and draws challenges, compute draws dispute verifiers, and DA will
//! select committees, all from chain randomness. A draw is only fair if nobody who profits
//! from its outcome knew the randomness when it committed to its request: an uploader that
//! sees the randomness before it submits can grind its file until its own providers are
//! drawn; a challenger that sees it can pick the moment at which its friends would be drawn
//! as verifiers. So every draw follows one pattern:
//!
//! 1. the request is recorded in block `n` (a file submitted, a result challenged);
//! 2. the draw is made from [`RandomnessBeacon::seed_after`]`(subject, n)`, which mixes the
//!    VRF outputs of the blocks *after* `n`, and which is `None` until they exist
//!    ([`RandomnessBeacon::ready_at`]).
//!
//! The beacon itself (the `pallet-zg-beacon` pallet) records each block's BABE VRF output and
//! serves them through this trait; the service pallets depend on the trait only.
//!
//! The draws ([`index`], [`sample_distinct`]) hash the seed with a nonce for every number they
//! need, so that every pallet, client and test derives the same numbers from the same seed.

use alloc::vec::Vec;
use codec::Encode;
use sp_core::H256;

/// BLAKE2b-256 of `data`.
fn blake2_256(data: &[u8]) -> [u8; 32] {
	let mut out = [0u8; 32];
	out.copy_from_slice(blake2b_simd::Params::new().hash_length(32).hash(data).as_bytes());
	out
}

/// Chain randomness that only exists after a given block.
pub trait RandomnessBeacon<BlockNumber> {
	/// A seed for `subject` made of the beacon outputs of the blocks after `after` (the block
	/// in which a request was included), or `None` while they do not all exist yet or once they
	/// are older than the beacon keeps them ([`RandomnessBeacon::retention`]).
	fn seed_after(subject: &[u8], after: BlockNumber) -> Option<H256>;

	/// The first block during whose execution `seed_after(_, after)` is available.
	fn ready_at(after: BlockNumber) -> BlockNumber;

	/// The newest `after` for which a seed is available in the current block: draws that
	/// answer no request (periodic challenges) use `seed_after(subject, latest())`.
	fn latest() -> BlockNumber;

	/// How many blocks after `ready_at(after)` the seed stays available.
	fn retention() -> BlockNumber;

	/// Benchmarks: makes every seed up to the current block available.
	#[cfg(feature = "runtime-benchmarks")]
	fn bench_fill();
}

/// A uniform number below `bound` (0 when `bound` is 0) for draw number `nonce` of `seed`.
///
/// `BLAKE2b-256(seed ‖ nonce)` read as a little-endian `u64`, reduced modulo `bound`: the
/// bias is below 2⁻³² for every `u32` bound.
pub fn index(seed: &H256, nonce: u32, bound: u32) -> u32 {
	if bound == 0 {
		return 0;
	}
	let hash = blake2_256(&(seed, nonce).encode());
	let mut word = [0u8; 8];
	word.copy_from_slice(&hash[..8]);
	(u64::from_le_bytes(word) % bound as u64) as u32
}

/// An index into `weights` drawn with probability proportional to its weight, for draw
/// number `nonce` of `seed`; `None` when every weight is zero. `BLAKE2b-256(seed ‖ nonce)`
/// read as a little-endian `u128`, reduced modulo the total: the bias is below 2⁻⁴⁸ for totals
/// below 2⁸⁰ (a billion $0G in plancks).
pub fn weighted_index(seed: &H256, nonce: u32, weights: &[u128]) -> Option<usize> {
	let total = weights.iter().fold(0u128, |sum, w| sum.saturating_add(*w));
	if total == 0 {
		return None;
	}
	let hash = blake2_256(&(seed, nonce).encode());
	let mut word = [0u8; 16];
	word.copy_from_slice(&hash[..16]);
	let mut point = u128::from_le_bytes(word) % total;
	for (i, w) in weights.iter().enumerate() {
		if point < *w {
			return Some(i);
		}
		point -= w;
	}
	None
}

/// A seed derived from `seed` for `subject`: `BLAKE2b-256(seed ‖ subject)`.
pub fn derive(seed: &H256, subject: &[u8]) -> H256 {
	let mut input = seed.as_bytes().to_vec();
	input.extend_from_slice(subject);
	blake2_256(&input).into()
}

/// Draws up to `count` distinct items of `pool` that `accept` admits, in a random order: a
/// partial Fisher-Yates shuffle of the indices, each step one [`index`] of `seed`. Items that
/// `accept` refuses are skipped (and do not count); the draw stops when `count` are taken or
/// the pool is exhausted. Takes O(pool) time and memory.
pub fn sample_distinct<T: Clone>(
	seed: &H256,
	pool: &[T],
	count: usize,
	mut accept: impl FnMut(&T) -> bool,
) -> Vec<T> {
	let mut order: Vec<u32> = (0..pool.len() as u32).collect();
	let mut taken = Vec::with_capacity(count.min(pool.len()));
	let mut i = 0usize;
	while taken.len() < count && i < order.len() {
		let span = (order.len() - i) as u32;
		let j = i + index(seed, i as u32, span) as usize;
		order.swap(i, j);
		let item = &pool[order[i] as usize];
		if accept(item) {
			taken.push(item.clone());
		}
		i += 1;
	}
	taken
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn index_is_bounded_and_spread() {
		let seed = H256::repeat_byte(7);
		assert_eq!(index(&seed, 0, 0), 0);
		let mut seen = [0u32; 10];
		for n in 0..10_000 {
			let i = index(&seed, n, 10);
			assert!(i < 10);
			seen[i as usize] += 1;
		}
		// Each value close to 1 000 (a loose bound: 5 standard deviations is about 150).
		assert!(seen.iter().all(|&c| (850..1150).contains(&c)), "{seen:?}");
		assert_ne!(index(&seed, 1, 1 << 30), index(&H256::repeat_byte(8), 1, 1 << 30));
	}

	#[test]
	fn weighted_draws_follow_the_weights() {
		let seed = H256::repeat_byte(3);
		assert_eq!(weighted_index(&seed, 0, &[]), None);
		assert_eq!(weighted_index(&seed, 0, &[0, 0]), None);
		assert_eq!(weighted_index(&seed, 5, &[0, 7, 0]), Some(1));
		let weights = [1u128 << 70, 3u128 << 70, 0];
		let mut seen = [0u32; 3];
		for n in 0..8_000 {
			seen[weighted_index(&seed, n, &weights).unwrap()] += 1;
		}
		// 2 000 and 6 000 expected; 5 standard deviations is about 200.
		assert_eq!(seen[2], 0);
		assert!((1800..2200).contains(&seen[0]), "{seen:?}");
	}

	#[test]
	fn samples_are_distinct_accepted_and_depend_on_the_seed() {
		let pool: Vec<u32> = (0..20).collect();
		let a = sample_distinct(&H256::repeat_byte(1), &pool, 5, |x| x % 2 == 0);
		assert_eq!(a.len(), 5);
		assert!(a.iter().all(|x| x % 2 == 0));
		let mut sorted = a.clone();
		sorted.sort();
		sorted.dedup();
		assert_eq!(sorted.len(), 5);
		let b = sample_distinct(&H256::repeat_byte(2), &pool, 5, |x| x % 2 == 0);
		assert_ne!(a, b);
		// Fewer accepted items than asked for: all of them.
		assert_eq!(sample_distinct(&H256::zero(), &pool, 50, |x| *x < 3).len(), 3);
		assert!(sample_distinct(&H256::zero(), &pool, 0, |_| true).is_empty());
	}
}
