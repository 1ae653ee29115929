#!/usr/bin/env bash
# Installs what is missing, builds zg-node and the worker, launches the 4-validator local testnet
# (Alice, Bob, Charlie, Dave) with zombienet and, beside each validator, a worker registered on
# chain as a storage provider and a compute provider serving the tiny model, the chat model
# SmolLM2-135M-Instruct and the embedding model all-MiniLM-L6-v2, and as the validator's DA
# signer (scripts/testnet-providers.js), and eth-rpc, the Ethereum JSON-RPC server, beside Alice.
# Prints the endpoints and examples; Ctrl-C stops everything.
#
#   RPC (polkadot.js Apps): ws://127.0.0.1:9944 (Alice), 9945 (Bob), 9946 (Charlie), 9947 (Dave)
#   Workers: http://127.0.0.1:8700 (Alice, also the upload gateway), 8701, 8702, 8703
#   Ethereum JSON-RPC (MetaMask, ethers, Hardhat, Foundry): http://127.0.0.1:8545, chain id 16699
#
# zombienet starts the nodes with their RPC open to every interface, unsafe methods included:
# on a machine others can reach, keep ports 9944-9947 behind a firewall.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/build.sh"

export ZG_CHAIN_SPEC="$ROOT/chain-specs/local-testnet-raw.json"
ZG_MINILM_DIR="$(minilm_dir)"
ZG_SMOLLM_PATH="$(smollm_path)"
export ZG_MINILM_DIR ZG_SMOLLM_PATH
export ZG_TESTNET_DIR="${ZG_TESTNET_DIR:-$(mktemp -d -t zg-testnet-XXXXXX)}"
mkdir -p "$ZG_TESTNET_DIR"
log "Launching the local testnet from $ZG_CHAIN_SPEC (zombienet output in $ZG_TESTNET_DIR/zombienet.log)"
cd "$ROOT"
"$ROOT/e2e/node_modules/.bin/zombienet" -p native spawn "$ROOT/zombienet/local-testnet.toml" \
	>"$ZG_TESTNET_DIR/zombienet.log" 2>&1 &
zombienet=$!
# Each launch is a new chain: an index left by an earlier launch in the same ZG_TESTNET_DIR would
# not match it (eth-rpc stops with "ChainMismatch").
rm -rf "$ZG_TESTNET_DIR/eth-rpc"
# eth-rpc indexes every block into SQLite under $ZG_TESTNET_DIR/eth-rpc (Alice's node keeps the
# state of every block for it: zombienet/local-testnet.toml).
log "Starting eth-rpc on http://127.0.0.1:8545, chain id 16699 (log in $ZG_TESTNET_DIR/eth-rpc.log)"
(
	until port_open 9944; do sleep 1; done
	exec "$ZG_ETH_RPC" --node-rpc-url ws://127.0.0.1:9944 --rpc-port 8545 --rpc-cors all \
		--eth-pruning archive --base-path "$ZG_TESTNET_DIR/eth-rpc" --no-prometheus
) >"$ZG_TESTNET_DIR/eth-rpc.log" 2>&1 &
ethrpc=$!
stop() {
	trap - INT TERM EXIT
	log "Stopping the testnet"
	[ -n "${providers:-}" ] && kill -TERM "$providers" 2>/dev/null
	kill -INT "$ethrpc" 2>/dev/null
	kill -INT "$zombienet" 2>/dev/null
	wait 2>/dev/null
	exit 0
}
trap stop INT TERM EXIT
log "Connect polkadot.js Apps to ws://127.0.0.1:9944: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944"
log "Registering the providers and starting their workers"
node "$ROOT/scripts/testnet-providers.js" &
providers=$!
wait "$providers" || log "the providers' set-up stopped: see above and $ZG_TESTNET_DIR"
wait "$zombienet"
