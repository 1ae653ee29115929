//! Builds the runtime to WebAssembly twice: the default runtime (6 s blocks) and the
//! `fast-runtime` variant (2 s blocks, 40 s epochs) that the tests run.
//!
//! Paths inside the checkout are remapped to `/zg-chain`, so that the wasm blob (and with it the
//! genesis of the checked-in chain specs) does not depend on where the repository was cloned.

fn main() {
	#[cfg(feature = "std")]
	{
		use std::path::PathBuf;

		let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
		let workspace_root = manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir);
		let remap = format!("--remap-path-prefix={}=/zg-chain", workspace_root.display());
		// The target directory lives outside the checkout, where the wasm builder cannot find
		// our Cargo.lock on its own: point it at this workspace (only for this runtime; see
		// scripts/benchmark.sh).
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", &workspace_root);

		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.append_to_rust_flags(remap.clone())
			.build();

		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.append_to_rust_flags(remap)
			.enable_feature("fast-runtime")
			.set_file_name("fast_wasm_binary.rs")
			.build();
	}
}
