//! Numeric kernels shared by the built-in engines (`zg-engine-det`'s GPT, `zg-engine-bert`): a dot
//! product and a softmax with a fixed summation order, so that every run of a model on the
//! same backend gives the same bits. Hot loops are compiled twice from the same source
//! (baseline SSE2 and AVX, chosen at run time; `ZG_NO_AVX` forces the baseline), and both
//! give the same bits: [`dot`], [`matvec`] (each row summed as `dot` sums one), [`softmax`];
//! and [`f16_to_f32`], the exact conversion of the half-precision weights of model files.

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

/// Four rows at once (each summed exactly as [`dot`] sums one), so that `x` is loaded
/// once per four rows and there are enough independent accumulators to hide latency.
#[inline(always)]
fn dot4_body(r0: &[f32], r1: &[f32], r2: &[f32], r3: &[f32], x: &[f32]) -> [f32; 4] {
	let n = x.len();
	let (r0, r1, r2, r3) = (&r0[..n], &r1[..n], &r2[..n], &r3[..n]);
	let mut a0 = [0f32; 8];
	let mut a1 = [0f32; 8];
	let mut a2 = [0f32; 8];
	let mut a3 = [0f32; 8];
	let it = x
		.chunks_exact(8)
		.zip(r0.chunks_exact(8))
		.zip(r1.chunks_exact(8))
		.zip(r2.chunks_exact(8))
		.zip(r3.chunks_exact(8));
	for ((((x8, w0), w1), w2), w3) in it {
		for k in 0..8 {
			a0[k] += w0[k] * x8[k];
			a1[k] += w1[k] * x8[k];
			a2[k] += w2[k] * x8[k];
			a3[k] += w3[k] * x8[k];
		}
	}
	let start = n - n % 8;
	let mut t = [0f32; 4];
	for i in start..n {
		t[0] += r0[i] * x[i];
		t[1] += r1[i] * x[i];
		t[2] += r2[i] * x[i];
		t[3] += r3[i] * x[i];
	}
	[fold(&a0, t[0]), fold(&a1, t[1]), fold(&a2, t[2]), fold(&a3, t[3])]
}

/// `y[o] = dot(w[o], x) + b[o]` for a row-major `w` of `y.len()` rows of `x.len()`.
#[inline(always)]
fn matvec_body(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
	let n = x.len();
	let rows = y.len();
	let bias = |o: usize| b.map_or(0.0, |b| b[o]);
	let mut o = 0;
	while o + 4 <= rows {
		let r = &w[o * n..(o + 4) * n];
		let d = dot4_body(&r[..n], &r[n..2 * n], &r[2 * n..3 * n], &r[3 * n..], x);
		for k in 0..4 {
			y[o + k] = d[k] + bias(o + k);
		}
		o += 4;
	}
	while o < rows {
		y[o] = dot_body(&w[o * n..(o + 1) * n], x) + bias(o);
		o += 1;
	}
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn matvec_avx(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
	matvec_body(w, b, x, y)
}

/// `y = W x (+ b)`; `w` is row-major with `y.len()` rows of `x.len()` columns. The caller
/// guarantees the lengths.
pub fn matvec(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
	debug_assert_eq!(w.len(), x.len() * y.len());
	#[cfg(target_arch = "x86_64")]
	if has_avx() {
		// Safety: the CPU supports AVX (checked at run time).
		return unsafe { matvec_avx(w, b, x, y) };
	}
	matvec_body(w, b, x, y)
}

/// The baseline (no AVX) matvec, for the tests that both paths agree bit for bit.
#[doc(hidden)]
pub fn matvec_baseline(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
	matvec_body(w, b, x, y)
}

/// An IEEE half-precision number as `f32` (exact).
pub fn f16_to_f32(h: u16) -> f32 {
	let sign = ((h >> 15) as u32) << 31;
	let exp = ((h >> 10) & 0x1f) as u32;
	let man = (h & 0x3ff) as u32;
	let bits = match (exp, man) {
		(0, 0) => sign,
		(0, _) => {
			// Subnormal: man · 2^-24.
			let v = man as f32 * (1.0 / (1u32 << 24) as f32);
			return if sign != 0 { -v } else { v };
		},
		(0x1f, _) => sign | 0x7f80_0000 | (man << 13),
		_ => sign | ((exp + 112) << 23) | (man << 13),
	};
	f32::from_bits(bits)
}
