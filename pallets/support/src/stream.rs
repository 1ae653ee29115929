//! Escrow released linearly over a lifetime, and only for proven time.
//!
//! A storage shard (and later a DA blob) holds its share of a fee for the time from its last
//! payment to the end of its lifetime. When the provider proves, at block `t`, that it still
//! holds the data, it is paid [`accrued`] for the time since its last proof: `escrow ×
//! (t − paid_until) / (end − paid_until)`. Time that is not followed by a proof is never paid:
//! when the provider fails, or the lifetime ends, the part that accrued since the last proof
//! goes elsewhere (to the provider that repairs the data, or back to the owner).

use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding, traits::Saturating, Rounding,
};

/// The part of `escrow` (all that is still held for the time from `paid_until` to `end`) that
/// accrued from `paid_until` to `now`, released linearly; `now` is capped at `end`, so at `end`
/// it is the whole escrow. Rounds down: the remainder stays in escrow.
pub fn accrued<B>(escrow: u128, paid_until: B, now: B, end: B) -> u128
where
	B: Copy + Ord + Saturating + TryInto<u128>,
{
	let now = if now > end { end } else { now };
	if now <= paid_until {
		return 0;
	}
	let elapsed: u128 = now.saturating_sub(paid_until).try_into().unwrap_or(0);
	let remaining: u128 = end.saturating_sub(paid_until).try_into().unwrap_or(u128::MAX);
	if elapsed >= remaining {
		return escrow;
	}
	multiply_by_rational_with_rounding(escrow, elapsed, remaining, Rounding::Down)
		.unwrap_or(0)
		.min(escrow)
}
