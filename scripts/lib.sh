# Shared settings of the project's scripts; sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One persistent cargo target directory outside the checkout, shared by every clone (and CI),
# so that a build after another is incremental. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zg-chain/target}"
ZG_NODE="${ZG_NODE:-$CARGO_TARGET_DIR/release/zg-node}"
export ZG_NODE
ZG_WORKER="${ZG_WORKER:-$CARGO_TARGET_DIR/release/zg-worker}"
ZG_STORAGE="${ZG_STORAGE:-$CARGO_TARGET_DIR/release/zg-storage}"
ZG_DA="${ZG_DA:-$CARGO_TARGET_DIR/release/zg-da}"
ZG_MODEL="${ZG_MODEL:-$CARGO_TARGET_DIR/release/zg-model}"
ZG_ETH_RPC="${ZG_ETH_RPC:-$CARGO_TARGET_DIR/release/eth-rpc}"
export ZG_WORKER ZG_STORAGE ZG_DA ZG_MODEL ZG_ETH_RPC
# The code that zombienet/upgrade.js votes in: the fast runtime one spec_version later, built by
# `cargo build --workspace --all-targets` (runtime/upgrade-test).
export ZG_UPGRADE_WASM="${ZG_UPGRADE_WASM:-$CARGO_TARGET_DIR/release/wbuild/zg-runtime-upgrade-test/zg_runtime_upgrade_test.compact.compressed.wasm}"
# Open-weight models fetched from package registries (scripts/fetch-models.sh).
export ZG_MODELS="${ZG_MODELS:-$HOME/.cache/zg-chain/models}"
# The state of the storage network at the end of its test (zombienet/snapshot.js), which
# .ci/run's try-runtime test upgrades and checks.
export ZG_STATE_SNAPSHOT="${ZG_STATE_SNAPSHOT:-$HOME/.cache/zg-chain/live-state.json}"
minilm_dir() { echo "$ZG_MODELS/all-minilm-l6-v2"; }
smollm_path() { echo "$ZG_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"; }

log() { printf '\n\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Whether something listens on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs "$@" and prints how long it took.
timed() {
	local start=$SECONDS
	"$@"
	log "$1 ${2:-} done in $((SECONDS - start)) s"
}
