#!/usr/bin/env bash
# Runs every test: formatting, the workspace's cargo tests (runtime, node, chain spec check),
# the e2e tests against a dev node (polkadot.js; ethers, Hardhat and the precompiles through
# eth-rpc), a network of two validators from `zg-node new-network`'s spec, and the zombienet tests:
# validators and staking (a runtime upgrade by referendum, a paused validator, joining, rewards,
# a cancelled slash, validators paused and killed), governance, storage and DA (workers, CLIs, slashing,
# handover, workers and a node killed mid-transfer) and compute
# (OpenAI SDK, jobs, disputes). Installs what is missing and builds first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
total_start=$SECONDS
"$ROOT/scripts/setup.sh"
cd "$ROOT"
log "cargo fmt --check (before building: a formatting slip fails in seconds)"
cargo fmt --all -- --check
"$ROOT/scripts/build.sh"

log "cargo build of the tests and benchmarks (release profile, sharing the node build)"
timed cargo build --release --locked --workspace --all-targets

log "cargo test"
# The built-in engines are also checked against references on real models: all-MiniLM-L6-v2's
# vectors, SmolLM2-135M-Instruct's tokens, template, logits and answers (scripts/fetch-models.sh).
ZG_MINILM_DIR="$(minilm_dir)"
ZG_SMOLLM_PATH="$(smollm_path)"
export ZG_MINILM_DIR ZG_SMOLLM_PATH
timed cargo test --release --locked --workspace

log "e2e tests (dev node, fast runtime: polkadot.js; ethers, Hardhat and the precompiles through eth-rpc)"
(cd "$ROOT/e2e" && timed node --test --test-concurrency=1 tests/)

log "own network (docs/own-network.md: two validators from a generated chain spec)"
timed "$ROOT/scripts/test-own-network.sh"

log "throughput (docs/performance.md): 12 000 transfers from 8 accounts to a dev node, every one included"
TPS_TRANSFERS=12000 TPS_ACCOUNTS=8 TPS_MIN="${TPS_MIN:-250}" timed node "$ROOT/scripts/tps.js"

work="$(mktemp -d)"
# The networks' directories go at the end; on a failure their nodes' logs are copied out first,
# for whoever reads CI's output.
keep_logs() {
	local status=$?
	# The work beside the tests (below) stops with them.
	if [ -n "$beside" ] && jobs -rp | grep -qx "$beside"; then kill -- "-$beside" 2>/dev/null || true; fi
	if [ "$status" -ne 0 ]; then
		local kept="$HOME/.cache/zg-chain/failed-runs/$(date -u +%Y%m%dT%H%M%SZ)"
		mkdir -p "$kept"
		(cd "$work" && find . -name '*.log' -exec cp --parents {} "$kept" \;)
		log "failed (exit $status); the nodes' logs are kept in $kept"
	fi
	rm -rf "$work"
}
beside=
trap keep_logs EXIT
# ZG_TEST_BESIDE: a command to run beside the zombienet tests, niced (CPU and disk; CI
# compiles its later steps there: the networks leave most of the two cores idle). It starts
# after the last cargo build above; the run waits for it at the end, prints its output and
# fails if it failed, or kills it if a test fails first.
if [ -n "${ZG_TEST_BESIDE:-}" ]; then
	log "Beside the zombienet tests, niced: $ZG_TEST_BESIDE (its output at the end)"
	setsid nice -n 19 ionice -c 3 bash -c "$ZG_TEST_BESIDE" >"$work/beside.log" 2>&1 &
	beside=$!
fi
"$ZG_NODE" build-spec --chain local-fast --disable-default-bootnode --raw >"$work/local-fast-raw.json" 2>/dev/null
export ZG_CHAIN_SPEC="$work/local-fast-raw.json"

log "zombienet validators and staking test (4 validators: a runtime upgrade by referendum, one validator paused, then two, one killed and restarted; a fifth validator joins, a delegator is paid, a deferred slash cancelled)"
timed "$ROOT/e2e/node_modules/.bin/zombienet" -p native -c 1 -d "$work/zombienet-staking" test "$ROOT/zombienet/staking.zndsl"

rm -f "$ZG_STATE_SNAPSHOT"
log "zombienet storage and DA test (5 providers with workers, a faulty provider slashed, a handover, workers killed mid-upload and mid-push, a node killed after its offchain worker sent a transaction; 5 DA signers, a 16 MiB blob, a withholding signer slashed)"
timed "$ROOT/e2e/node_modules/.bin/zombienet" -p native -c 1 -d "$work/zombienet-storage" test "$ROOT/zombienet/storage.zndsl"

log "zombienet compute test (4 providers serve the tiny model: API keys, jobs, refusals, disputes)"
timed "$ROOT/e2e/node_modules/.bin/zombienet" -p native -c 1 -d "$work/zombienet-compute" test "$ROOT/zombienet/compute.zndsl"

if [ -n "$beside" ]; then
	log "Waiting for the work beside the tests ($ZG_TEST_BESIDE)"
	beside_status=0
	wait "$beside" || beside_status=$?
	beside=
	cat "$work/beside.log"
	[ "$beside_status" = 0 ] || die "$ZG_TEST_BESIDE failed (exit $beside_status)"
fi
log "All tests passed in $((SECONDS - total_start)) s"
