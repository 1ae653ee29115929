//! Replays every input kept for the fuzz targets: the corpora (`fuzz/corpus/<target>/`, seeds
//! and what AFL++ found that reached new code) and the regressions (`fuzz/regressions/<target>/`,
//! each crash found, fixed). With `ZG_FUZZ_WRITE_SEEDS=1` it first writes the seeds.

use std::{fs, path::Path};

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
	let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
	let mut out: Vec<(String, Vec<u8>)> = entries
		.flatten()
		.filter(|e| e.path().is_file())
		.filter_map(|e| {
			Some((e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).ok()?))
		})
		.collect();
	out.sort();
	out
}

#[test]
fn every_kept_input_passes_its_target() {
	let root = Path::new(env!("CARGO_MANIFEST_DIR"));
	if std::env::var_os("ZG_FUZZ_WRITE_SEEDS").is_some() {
		zg_fuzz::seeds::write(&root.join("corpus")).expect("seeds written");
	}
	let mut replayed = 0;
	for (name, target) in zg_fuzz::TARGETS {
		let corpus = inputs(&root.join("corpus").join(name));
		assert!(
			!corpus.is_empty(),
			"fuzz/corpus/{name} has seeds (ZG_FUZZ_WRITE_SEEDS=1 writes them)"
		);
		for (file, data) in corpus.iter().chain(&inputs(&root.join("regressions").join(name))) {
			let outcome = std::panic::catch_unwind(|| target(data));
			assert!(outcome.is_ok(), "{name}: input {file} fails");
			replayed += 1;
		}
	}
	println!("replayed {replayed} inputs");
}
