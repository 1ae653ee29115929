// This file is part of Substrate.

// Copyright (C) Parity Technologies (UK) Ltd.
// SPDX-License-Identifier: Apache-2.0

// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// 	http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// Changed for 0G Chain (see VENDORED.md): the metadata subxt generates its client from is the
// 0G runtime's own (the file the worker uses, kept equal to the runtime's by the runtime's test
// `worker_metadata_is_the_runtimes`) instead of one taken from `revive-dev-runtime` built as a
// build dependency; the revision is the vendored release instead of one read with git2.
use std::{fs, path::Path, process::Command};

const METADATA: &str = "../../worker/chain/metadata/zg-runtime.scale";

fn main() {
	generate_git_revision();
	copy_metadata_file();
}

fn generate_git_revision() {
	let output = Command::new("rustc")
		.arg("--version")
		.output()
		.expect("cannot get the current rustc version");
	// Exports the default rustc --version output:
	// e.g. rustc 1.83.0 (90b35a623 2024-11-26)
	// into the usual Ethereum web3_clientVersion format
	// e.g. rustc1.83.0
	let rustc_version = String::from_utf8_lossy(&output.stdout)
		.split_whitespace()
		.take(2)
		.collect::<Vec<_>>()
		.join("");
	let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());

	println!("cargo:rustc-env=RUSTC_VERSION={rustc_version}");
	println!("cargo:rustc-env=TARGET={target}");
	println!("cargo:rustc-env=GIT_REVISION=zg-vendored-0.24.0");
}

fn copy_metadata_file() {
	println!("cargo:rerun-if-changed={METADATA}");
	let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR not set");
	let out_path = Path::new(&out_dir).join("revive_chain.scale");
	fs::copy(METADATA, out_path).expect("copies the 0G runtime's metadata");
}
