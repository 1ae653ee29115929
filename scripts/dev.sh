#!/usr/bin/env bash
# A one-node dev chain for contract and client development: builds what is missing, starts
# `zg-node --dev` (Alice authors and finalizes alone; a temporary database, every block's state
# kept) and eth-rpc beside it. Ctrl-C stops both.
#
#   node RPC (polkadot.js): ws://127.0.0.1:9944
#   Ethereum JSON-RPC: http://127.0.0.1:8545, chain id 16699; `eth_accounts` lists the five
#   Ethereum dev accounts, which eth-rpc signs for (`eth_sendTransaction`) in --dev mode
#
# ZG_DEV_CHAIN=dev-fast gives 2 s blocks instead of 6 s.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/build.sh"
work="$(mktemp -d -t zg-dev-XXXXXX)"
log "Starting zg-node --dev (log in $work/zg-node.log)"
"$ZG_NODE" --dev --chain "${ZG_DEV_CHAIN:-dev}" --state-pruning archive --base-path "$work/node" \
	--rpc-port 9944 --rpc-cors all >"$work/zg-node.log" 2>&1 &
node=$!
until port_open 9944; do
	kill -0 "$node" 2>/dev/null || die "zg-node stopped: see $work/zg-node.log"
	sleep 1
done
log "Starting eth-rpc on http://127.0.0.1:8545 (log in $work/eth-rpc.log)"
"$ZG_ETH_RPC" --dev --node-rpc-url ws://127.0.0.1:9944 --rpc-port 8545 --eth-pruning archive \
	--base-path "$work/eth-rpc" --no-prometheus >"$work/eth-rpc.log" 2>&1 &
ethrpc=$!
stop() {
	trap - INT TERM EXIT
	kill -INT "$ethrpc" "$node" 2>/dev/null
	wait 2>/dev/null
	[ -n "${failed:-}" ] || rm -rf "$work"
	exit "${failed:-0}"
}
trap stop INT TERM EXIT
log "Ready: ws://127.0.0.1:9944 (polkadot.js), http://127.0.0.1:8545 (Ethereum, chain id 16699). Ctrl-C stops."
wait -n "$node" "$ethrpc" || true
failed=1
log "a process stopped: see $work/zg-node.log and $work/eth-rpc.log"
