#!/usr/bin/env bash
# Generates the weights of our pallets: builds zg-node with `runtime-benchmarks` and runs
# `zg-node benchmark pallet` for each pallet, writing `pallets/<name>/src/weights.rs` through
# `scripts/frame-weight-template.hbs`.
#
# Usage: scripts/benchmark.sh [pallet_name ...]   (default: every pallet of ours)
# STEPS and REPEAT (default 50 and 20) set the precision.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

log "Building zg-node with runtime-benchmarks"
# frame-benchmarking-cli builds a test runtime of its own, which is not in this workspace's
# default metadata: it must not get our workspace hint (runtime/build.rs sets ours itself).
WASM_BUILD_WORKSPACE_HINT=/nonexistent timed cargo build --release --locked -p zg-node --features runtime-benchmarks

declare -A folder=([pallet_zg_staking]=staking [pallet_zg_storage]=storage [pallet_zg_compute]=compute [pallet_zg_da]=da [pallet_zg_beacon]=beacon)
pallets=("$@")
[ ${#pallets[@]} -eq 0 ] && pallets=("${!folder[@]}")
for pallet in "${pallets[@]}"; do
	out="$ROOT/pallets/${folder[$pallet]}/src/weights.rs"
	log "Benchmarking $pallet -> $out"
	timed "$ZG_NODE" benchmark pallet \
		--chain dev \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "${STEPS:-50}" \
		--repeat "${REPEAT:-20}" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--header "$ROOT/scripts/license-header.txt" \
		--template "$ROOT/scripts/frame-weight-template.hbs" \
		--output "$out"
done
