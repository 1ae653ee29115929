//! The wasm builder as the runtime's build scripts use it (`runtime/build.rs` and
//! `runtime/upgrade-test/build.rs` include this file).
//!
//! The wasm blob is the chain's code: its hash is in every chain spec's genesis. So that it does
//! not depend on where the repository was cloned, the wasm builder reaches the checkout through a
//! link at a fixed place in the target directory (`<target>/<profile>/wasm-source`): cargo hashes
//! the absolute path of a path dependency into symbol names, and the wasm builder's projects, in
//! the target directory, take the runtime as a path dependency. The paths that end up in panic
//! messages are remapped to `/zg-chain` (those of crates.io's crates keep the cargo home's path).
//! Two checkouts built with the same target directory, cargo home, toolchain and `Cargo.lock`
//! therefore build the same bytes, which the chain-spec test compares in CI
//! (`ZG_EXACT_RUNTIME=1`).

use std::path::{Path, PathBuf};
use substrate_wasm_builder::WasmBuilder;

/// Builds the crate at `crate_dir` (relative to the workspace root) to wasm, reached through the
/// link, with the runtime's defaults (imported memory, exported heap base), the remap and what
/// `configure` adds. Build scripts that run at the same time take turns (a lock next to the link),
/// so that none moves the link while another builds through it.
pub fn build(crate_dir: &str, configure: impl FnOnce(WasmBuilder) -> WasmBuilder) {
	let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
	// The crate lies at `crate_dir` under the workspace root.
	let depth = Path::new(crate_dir).components().count();
	let workspace_root = manifest_dir.ancestors().nth(depth).unwrap_or(&manifest_dir).to_path_buf();
	let workspace_root = workspace_root.as_path();
	// The wasm builder asks cargo to watch the files it builds from under the link, which may
	// point at another checkout by the next build: watch this checkout's own files too.
	for watched in
		["runtime", "pallets", "primitives", "offchain-workers", "Cargo.toml", "Cargo.lock"]
	{
		println!("cargo:rerun-if-changed={}", workspace_root.join(watched).display());
	}
	let _turn = profile_dir().and_then(|dir| {
		let lock = std::fs::File::create(dir.join("wasm-source.lock")).ok()?;
		lock.lock().ok()?;
		Some(lock)
	});
	let mut source = stable_source_path(workspace_root);
	let builder = match WasmBuilder::new().with_project(source.join(crate_dir).join("Cargo.toml")) {
		Ok(builder) => builder,
		// The link cannot be followed: build from the checkout's own path (other bytes).
		Err(_) => {
			source = workspace_root.to_path_buf();
			WasmBuilder::new().with_current_project()
		},
	};
	// The target directory lives outside the checkout, where the wasm builder cannot find our
	// Cargo.lock on its own: point it at this workspace (only for this build script; see
	// scripts/benchmark.sh).
	std::env::set_var("WASM_BUILD_WORKSPACE_HINT", &source);
	let builder = builder
		.import_memory()
		.export_heap_base()
		.append_to_rust_flags(format!("--remap-path-prefix={}=/zg-chain", source.display()));
	configure(builder).build();
}

/// Points `<target>/<profile>/wasm-source` at this checkout and returns that path, the same for
/// every checkout built with this target directory. Where no link can be made (not a Unix
/// system, or an unexpected `OUT_DIR`), returns the checkout's own path.
fn stable_source_path(workspace_root: &Path) -> PathBuf {
	let fallback = workspace_root.to_path_buf();
	let Some(profile_dir) = profile_dir() else { return fallback };
	let link = profile_dir.join("wasm-source");

	#[cfg(unix)]
	{
		if std::fs::read_link(&link).ok().as_deref() == Some(workspace_root) {
			return link;
		}
		forget_our_crates(&profile_dir.join("wbuild"));
		// Replace the link atomically: another checkout may have pointed it elsewhere.
		let staged = profile_dir.join(format!("wasm-source.{}", std::process::id()));
		let _ = std::fs::remove_file(&staged);
		if std::os::unix::fs::symlink(workspace_root, &staged).is_ok()
			&& std::fs::rename(&staged, &link).is_ok()
		{
			return link;
		}
		let _ = std::fs::remove_file(&staged);
	}
	let _ = link;
	fallback
}

/// Deletes what the wasm projects' cargo knows about our crates (`zg-*`, `pallet-zg-*`), before
/// the link moves to another checkout. Cargo judges a path crate fresh by comparing its files'
/// modification times with its last build; through the link those times now come from another
/// checkout, whose older files with other contents would pass as built. Forgotten, our crates
/// are built again from this checkout; the dependencies from crates.io stay built.
fn forget_our_crates(wbuild: &Path) {
	fn visit(dir: &Path, depth: u32) {
		let Ok(entries) = std::fs::read_dir(dir) else { return };
		for entry in entries.flatten() {
			let path = entry.path();
			let name = entry.file_name();
			let name = name.to_string_lossy();
			if dir.file_name() == Some(".fingerprint".as_ref()) {
				if name.starts_with("zg-") || name.starts_with("pallet-zg-") {
					let _ = std::fs::remove_dir_all(&path);
				}
			} else if depth > 0 && path.is_dir() {
				visit(&path, depth - 1);
			}
		}
	}
	// wbuild/<project>/target/[<triple>/]<profile>/.fingerprint
	visit(wbuild, 5);
}

/// `<target>/<profile>`, where the wasm builder keeps its projects (`wbuild/`); `None` for an
/// unexpected `OUT_DIR`.
pub fn profile_dir() -> Option<PathBuf> {
	// OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
	let out_dir = PathBuf::from(std::env::var("OUT_DIR").ok()?);
	let build_dir = out_dir.ancestors().nth(2)?;
	(build_dir.file_name() == Some("build".as_ref()))
		.then(|| out_dir.ancestors().nth(3))?
		.map(PathBuf::from)
}
