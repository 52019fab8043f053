#!/usr/bin/env bash
# Copyright (c) The terraform-provider-e2e authors
# SPDX-License-Identifier: MPL-2.0
# Benchmarks internal/packaging against the standard tools: generates a
# ~100 MB tree of ~5,000 files (text and random bytes, fixed seed) in a
# temporary directory, then times packaging.Hash against sha256sum and
# packaging.Build against `zip -r -X -q -6` over it, interleaved round by
# round, and prints the best run of each side by side.
#
#   bench/packaging/run.sh [rounds]        (default 5)
#
# Environment: FILES (5000), MB (100), SEED (1), ZIPLEVEL (6).
set -euo pipefail

rounds="${1:-5}"
cd "$(dirname "$0")/../.."

if ! command -v zip >/dev/null 2>&1; then
	echo "run.sh: Info-ZIP's zip is not installed; install it (Debian: apt-get install zip) and run again." >&2
	exit 1
fi
if ! command -v sha256sum >/dev/null 2>&1; then
	echo "run.sh: sha256sum is not installed (Debian: apt-get install coreutils)." >&2
	exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

go build -o "$work/packbench" ./bench/packaging
"$work/packbench" gen -dir "$work/tree" -files "${FILES:-5000}" -mb "${MB:-100}" -seed "${SEED:-1}"
echo "zip: $(zip -v | sed -n 2p)"
echo "sha256sum: $(sha256sum --version | head -1)"
echo "go: $(go version)"
echo "cpus: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/packbench" compare -dir "$work/tree" -rounds "$rounds" -ziplevel "${ZIPLEVEL:-6}"
