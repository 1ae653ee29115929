//! The AFL++ entry point: `zg-fuzz <target>` (targets: `zg_fuzz::TARGETS`), built with
//! `cargo afl build --features afl` and run by `scripts/fuzz.sh`.

fn main() {
	let name = std::env::args().nth(1).unwrap_or_default();
	let Some(target) = zg_fuzz::target(&name) else {
		let names: Vec<&str> = zg_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
		eprintln!("usage: zg-fuzz <target>; targets: {}", names.join(", "));
		std::process::exit(2);
	};
	afl::fuzz!(|data: &[u8]| target(data));
}
