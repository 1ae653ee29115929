#!/usr/bin/env bash
# Generates weights on this machine: builds zg-node with `runtime-benchmarks` and runs
# - `zg-node benchmark pallet` for each pallet of ours, writing `pallets/<name>/src/weights.rs`
#   through `scripts/frame-weight-template.hbs`;
# - the same for the FRAME pallets whose weights the runtime takes from here (balances, system
#   and its transaction extensions, transaction payment, timestamp, utility), writing
#   `runtime/src/weights/<pallet>.rs`;
# - `zg-node benchmark overhead` (`overhead`): the base weights of a block and of an extrinsic,
#   `runtime/src/weights/{block,extrinsic}_weights.rs`.
#
# Usage: scripts/benchmark.sh [pallet_name | overhead ...]   (default: all of them)
# STEPS and REPEAT (default 50 and 20) set the precision.
#
# The benchmarking runtime's wasm has names of its own (runtime/build.rs), but the build replaces
# target/release/zg-node: `scripts/build.sh` builds the normal node again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

log "Building zg-node with runtime-benchmarks"
# frame-benchmarking-cli builds a test runtime of its own, which is not in this workspace's
# default metadata: it must not get our workspace hint (runtime/build.rs sets ours itself).
WASM_BUILD_WORKSPACE_HINT=/nonexistent timed cargo build --release --locked -p zg-node --features runtime-benchmarks

declare -A folder=([pallet_zg_staking]=staking [pallet_zg_storage]=storage [pallet_zg_compute]=compute [pallet_zg_da]=da [pallet_zg_beacon]=beacon)
runtime_pallets=(frame_system frame_system_extensions pallet_balances pallet_transaction_payment pallet_timestamp pallet_utility)
pallets=("$@")
[ ${#pallets[@]} -eq 0 ] && pallets=("${!folder[@]}" "${runtime_pallets[@]}" overhead)
for pallet in "${pallets[@]}"; do
	if [ "$pallet" = overhead ]; then
		log "Benchmarking the block and extrinsic base weights -> runtime/src/weights/"
		timed "$ZG_NODE" benchmark overhead --chain dev --weight-path "$ROOT/runtime/src/weights" \
			--header "$ROOT/scripts/license-header.txt"
		# The runtime reaches these crates through frame_support.
		sed -i -e 's/^use sp_core::parameter_types;/use frame_support::parameter_types;/' \
			-e 's/^use sp_weights::{constants::WEIGHT_REF_TIME_PER_NANOS, Weight};/use frame_support::weights::{constants::WEIGHT_REF_TIME_PER_NANOS, Weight};/' \
			-e 's/use sp_weights::constants;/use frame_support::weights::constants;/' \
			"$ROOT"/runtime/src/weights/{block,extrinsic}_weights.rs
		continue
	fi
	if [ -n "${folder[$pallet]:-}" ]; then
		out="$ROOT/pallets/${folder[$pallet]}/src/weights.rs"
		template=(--template "$ROOT/scripts/frame-weight-template.hbs")
	else
		out="$ROOT/runtime/src/weights/$pallet.rs"
		template=()
	fi
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
		"${template[@]}" \
		--output "$out"
done
log "Weights written; scripts/build.sh rebuilds the normal node"
