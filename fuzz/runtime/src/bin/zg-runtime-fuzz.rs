//! The AFL++ entry point of the runtime harness: `zg-runtime-fuzz` runs each input AFL++ gives
//! it through the runtime from the local testnet's genesis (`zg_runtime_fuzz::run_input`), a
//! broken invariant being a crash. Built with `cargo afl build --features afl` and run by
//! `scripts/fuzz.sh SECONDS runtime`; `zg-runtime-fuzz seeds DIR [COUNT] [SEED]` writes seeds.

fn main() {
	let args: Vec<String> = std::env::args().collect();
	if args.get(1).map(String::as_str) == Some("seeds") {
		let Some(dir) = args.get(2) else {
			eprintln!("usage: zg-runtime-fuzz seeds DIR [COUNT, default 16] [SEED, default 1]");
			std::process::exit(2);
		};
		let count = args.get(3).and_then(|c| c.parse().ok()).unwrap_or(16);
		let seed = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
		zg_runtime_fuzz::generate::write_seeds(std::path::Path::new(dir), count, seed)
			.unwrap_or_else(|e| panic!("cannot write seeds to {dir}: {e}"));
		return;
	}
	// Built once, before the loop: AFL++ runs many inputs in this process (persistent mode),
	// and what is built lazily would count as coverage of the first input only.
	let genesis = zg_runtime_fuzz::genesis();
	zg_runtime_fuzz::providers::files();
	zg_runtime_fuzz::signers::blobs();
	afl::fuzz!(|data: &[u8]| {
		zg_runtime_fuzz::run_input(&genesis, data);
	});
}
