//! Reading structured values out of the fuzzer's bytes.

/// A cursor over the fuzzer's input: each read takes the next bytes, and gives zeros once the
/// input is used up, so every input is a valid (if short) program for a target.
pub struct Input<'a> {
	data: &'a [u8],
}

impl<'a> Input<'a> {
	/// A cursor at the start of `data`.
	pub fn new(data: &'a [u8]) -> Self {
		Self { data }
	}

	/// The next `n` bytes, or fewer at the end.
	pub fn bytes(&mut self, n: usize) -> &'a [u8] {
		let (head, tail) = self.data.split_at(n.min(self.data.len()));
		self.data = tail;
		head
	}

	/// Everything not read yet.
	pub fn rest(&mut self) -> &'a [u8] {
		self.bytes(self.data.len())
	}

	/// Whether the input is used up.
	pub fn is_empty(&self) -> bool {
		self.data.is_empty()
	}

	/// The next byte.
	pub fn u8(&mut self) -> u8 {
		self.bytes(1).first().copied().unwrap_or(0)
	}

	/// The next 2 bytes, little-endian.
	pub fn u16(&mut self) -> u16 {
		u16::from_le_bytes(self.array())
	}

	/// The next 4 bytes, little-endian.
	pub fn u32(&mut self) -> u32 {
		u32::from_le_bytes(self.array())
	}

	/// The next 8 bytes, little-endian.
	pub fn u64(&mut self) -> u64 {
		u64::from_le_bytes(self.array())
	}

	/// A number in `0..bound` (0 when `bound` is 0).
	pub fn below(&mut self, bound: u32) -> u32 {
		self.u32().checked_rem(bound).unwrap_or(0)
	}

	/// The next `N` bytes, zero-padded.
	pub fn array<const N: usize>(&mut self) -> [u8; N] {
		let mut out = [0u8; N];
		let head = self.bytes(N);
		out[..head.len()].copy_from_slice(head);
		out
	}
}

#[cfg(test)]
mod tests {
	use super::Input;

	#[test]
	fn reads_in_order_and_pads_with_zeros() {
		let mut input = Input::new(&[1, 2, 0, 3, 4, 5]);
		assert_eq!(input.u8(), 1);
		assert_eq!(input.u16(), 2);
		assert_eq!(input.u32(), 0x0005_0403);
		assert!(input.is_empty());
		assert_eq!(input.u64(), 0);
		assert_eq!(input.below(0), 0);
	}
}
