#!/usr/bin/env bash
# The demo for `make demo`: `celltrace demo` builds a mine-to-pack ledger from published figures in a
# fresh directory and tours it (trace, footprint, what-if, verify); then the proof it wrote is checked
# once more by the independent Python verifier, which knows nothing of CellTrace's code.
set -euo pipefail

binary="${1:?usage: scripts/demo.sh PATH-TO-celltrace}"
directory="celltrace-demo"
rm -rf "$directory"

"$binary" demo --dir "$directory"

if python3 -c 'import cryptography' 2>/dev/null; then
    proof="$(ls "$directory"/proofs/entry-*.proof | head -n 1)"
    printf '\n$ python3 tools/verify_proof.py %s %s %s\n' "$proof" "${proof%.proof}.json" "$directory/proofs/ledger.vkey"
    python3 tools/verify_proof.py "$proof" "${proof%.proof}.json" "$directory/proofs/ledger.vkey"
fi
