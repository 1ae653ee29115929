//! Tokens per second of greedy generation: the built-in `zg-tiny-gpt` engine against the same
//! forward pass in candle (CPU), on the same seeded weights (the tiny and small presets).
//!
//! `cd worker/compute/candle-bench && cargo bench --bench inference`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zg_candle_bench::{
	candle_gpt::CandleGpt,
	GenerateParams,
	gpt::{generate_model, GptConfig, GptModel},
	tokenizer::ByteTokenizer,
};

/// Tokens generated per iteration.
const TOKENS: usize = 64;

fn bench(c: &mut Criterion) {
	let prompt = ByteTokenizer.encode("The 0G chain ", true);
	for (name, config) in [("tiny", GptConfig::tiny()), ("small", GptConfig::small())] {
		let bytes = generate_model(42, &config).expect("model");
		let ours = GptModel::from_bytes(&bytes).expect("load");
		let theirs = CandleGpt::from_bytes(&bytes).expect("candle load");
		let params = GenerateParams { max_tokens: TOKENS as u32, ..Default::default() };
		// Both generate exactly TOKENS tokens (the untrained model never picks EOS here).
		let (ids, _) = ours.generate_ids(&prompt, &params, &mut |_| true).expect("generate");
		assert_eq!(ids.len(), TOKENS);
		assert_eq!(theirs.generate_greedy(&prompt, TOKENS).expect("candle generate"), ids);

		let mut g = c.benchmark_group(format!("generate_{name}"));
		g.throughput(Throughput::Elements(TOKENS as u64));
		g.sample_size(10);
		g.bench_function("zg", |b| {
			b.iter(|| ours.generate_ids(&prompt, &params, &mut |_| true).expect("generate"))
		});
		g.bench_function("candle", |b| {
			b.iter(|| theirs.generate_greedy(&prompt, TOKENS).expect("generate"))
		});
		g.finish();
	}
}

criterion_group!(benches, bench);
criterion_main!(benches);
