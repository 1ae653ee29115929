//! Numeric kernels shared by the built-in engines (`zg-engine-det`'s GPT, `zg-engine-bert`): a dot
//! product and a softmax with a fixed summation order, so that every run of a model on the
//! same backend gives the same bits. Hot loops are compiled twice from the same source
//! (baseline SSE2 and AVX, chosen at run time; `ZG_NO_AVX` forces the baseline), and both
//! give the same bits. The engines' matrix kernels build on `fold` and `has_avx`.

/// Lane `i` of eight partial sums accumulates elements `i, i + 8, …`; the lanes are folded in
/// a fixed tree and the tail (`len % 8` elements, summed sequentially) is added last.
#[inline(always)]
pub fn fold(a: &[f32; 8], tail: f32) -> f32 {
	(((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) + tail
}

/// The dot product of `a` and `b` over the shorter length, summed as `fold` describes.
#[inline(always)]
pub fn dot_body(a: &[f32], b: &[f32]) -> f32 {
	let n = a.len().min(b.len());
	let (a, b) = (&a[..n], &b[..n]);
	let mut acc = [0f32; 8];
	let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
	let (ar, br) = (ac.remainder(), bc.remainder());
	for (a8, b8) in ac.zip(bc) {
		for k in 0..8 {
			acc[k] += a8[k] * b8[k];
		}
	}
	let mut tail = 0f32;
	for (x, y) in ar.iter().zip(br) {
		tail += x * y;
	}
	fold(&acc, tail)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn dot_avx(a: &[f32], b: &[f32]) -> f32 {
	dot_body(a, b)
}

/// Whether the AVX paths are used: the CPU has AVX and `ZG_NO_AVX` is not set (read once).
#[cfg(target_arch = "x86_64")]
pub fn has_avx() -> bool {
	use std::sync::OnceLock;
	static AVX: OnceLock<bool> = OnceLock::new();
	*AVX.get_or_init(|| {
		std::is_x86_feature_detected!("avx") && std::env::var_os("ZG_NO_AVX").is_none()
	})
}

/// The dot product of `a` and `b` (over the shorter length).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
	#[cfg(target_arch = "x86_64")]
	if has_avx() {
		// Safety: the CPU supports AVX (checked at run time).
		return unsafe { dot_avx(a, b) };
	}
	dot_body(a, b)
}

/// In-place softmax (max-subtracted, sequential sum); `-inf` entries get 0.
pub fn softmax(v: &mut [f32]) {
	let mut max = f32::NEG_INFINITY;
	for &x in v.iter() {
		if x > max {
			max = x;
		}
	}
	let mut sum = 0f32;
	for x in v.iter_mut() {
		*x = libm::expf(*x - max);
		sum += *x;
	}
	let inv = 1.0 / sum;
	for x in v.iter_mut() {
		*x *= inv;
	}
}
