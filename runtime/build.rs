//! Builds the runtime to WebAssembly twice: the default runtime (6 s blocks) and the
//! `fast-runtime` variant (2 s blocks, 40 s epochs) that the tests run. `build_wasm.rs` says how
//! the blobs are kept independent of where the repository was cloned.

#[cfg(feature = "std")]
#[path = "build_wasm.rs"]
mod build_wasm;

/// The wasm builder writes every build of this crate into one folder, naming the blobs after
/// `set_file_name`: the benchmarking runtime (`scripts/benchmark.sh`) gets names of its own, so
/// that a normal build after it cannot embed it. `src/lib.rs` includes `wasm_binary.rs` and
/// `fast_wasm_binary.rs`, which [`main`] then copies from the renamed ones.
#[cfg(feature = "runtime-benchmarks")]
const VARIANT: &str = "benchmarks_";
#[cfg(not(feature = "runtime-benchmarks"))]
const VARIANT: &str = "";

fn main() {
	#[cfg(feature = "std")]
	{
		build_wasm::build("runtime", |builder| {
			if VARIANT.is_empty() {
				builder
			} else {
				builder.set_file_name(format!("{VARIANT}wasm_binary.rs"))
			}
		});
		build_wasm::build("runtime", |builder| {
			builder
				.enable_feature("fast-runtime")
				.set_file_name(format!("{VARIANT}fast_wasm_binary.rs"))
		});
		if !VARIANT.is_empty() {
			let Some(out) = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from) else {
				return;
			};
			for name in ["wasm_binary.rs", "fast_wasm_binary.rs"] {
				if let Err(e) = std::fs::copy(out.join(format!("{VARIANT}{name}")), out.join(name))
				{
					println!("cargo::error=copying {VARIANT}{name}: {e}");
				}
			}
		}
	}
}
