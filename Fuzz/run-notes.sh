#!/usr/bin/env bash
# Builds and runs the libFuzzer targets for the C2SP formats:
#   note   Fuzz/NoteParser  - SignedNote, Checkpoint, SignedCheckpoint and NoteVerifierKey parsing
#   proof  Fuzz/ProofParser - InclusionProofText parsing and the Merkle proof verifiers
#
# Usage: Fuzz/run-notes.sh [note|proof|all]     (default: all, one after the other)
# Environment: SECONDS_TO_RUN per target (default 600); FUZZ_OUT build and corpus directory
# (default .build-fuzz-notes, untracked); extra libFuzzer flags in FUZZ_FLAGS.
#
# The sources are compiled directly with swiftc -sanitize=fuzzer,address, as Fuzz/run.sh does for
# the JSON fuzzer. LedgerCrypto becomes its own module (it needs the COpenSSL module map and
# -lcrypto); LedgerCore is built from only the files these targets use (LedgerError, Merkle, Notes),
# so that work in progress elsewhere in LedgerCore cannot break the fuzz build.
# A crash leaves crash-<sha1> in the working directory; replay it with "$FUZZ_OUT/<target> crash-…".
set -euo pipefail

cd "$(dirname "$0")/.."
which="${1:-all}"
SECONDS_TO_RUN="${SECONDS_TO_RUN:-600}"
OUT="${FUZZ_OUT:-.build-fuzz-notes}"
mkdir -p "$OUT"

SWIFT_FLAGS=(
    -swift-version 6 -O -g -parse-as-library
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature MemberImportVisibility
    -enable-upcoming-feature InternalImportsByDefault
    -sanitize=fuzzer,address
    # lld links the sanitizer runtimes without gold's hundreds of "cannot export local symbol" warnings.
    -use-ld=lld
    # The modules share package-level declarations, as in the SwiftPM build.
    -package-name CellTrace
)
OPENSSL_FLAGS=(-I Sources/COpenSSL -Xcc -fmodule-map-file=Sources/COpenSSL/module.modulemap)

build() {
    echo "== building LedgerCrypto"
    swiftc "${SWIFT_FLAGS[@]}" "${OPENSSL_FLAGS[@]}" -strict-memory-safety \
        -module-name LedgerCrypto -wmo -c -o "$OUT/LedgerCrypto.o" \
        -emit-module -emit-module-path "$OUT/LedgerCrypto.swiftmodule" \
        Sources/LedgerCrypto/*.swift
    echo "== building LedgerCore (LedgerError, Merkle, Notes)"
    swiftc "${SWIFT_FLAGS[@]}" "${OPENSSL_FLAGS[@]}" -I "$OUT" \
        -module-name LedgerCore -wmo -c -o "$OUT/LedgerCore.o" \
        -emit-module -emit-module-path "$OUT/LedgerCore.swiftmodule" \
        Sources/LedgerCore/LedgerError.swift Sources/LedgerCore/Merkle/*.swift Sources/LedgerCore/Notes/*.swift
    for target in NoteParser ProofParser; do
        echo "== building $target"
        swiftc "${SWIFT_FLAGS[@]}" "${OPENSSL_FLAGS[@]}" -I "$OUT" \
            -module-name "${target}Fuzz" -o "$OUT/$target" \
            "Fuzz/$target/main.swift" "$OUT/LedgerCore.o" "$OUT/LedgerCrypto.o" -lcrypto
    done
}

run() {
    local target="$1"
    local corpus="$OUT/corpus-$target"
    mkdir -p "$corpus"
    echo "== running $target for ${SECONDS_TO_RUN}s (corpus $corpus, seeds Fuzz/$target/seeds)"
    # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags.
    "$OUT/$target" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
        -dict="Fuzz/$target/$target.dict" -print_final_stats=1 ${FUZZ_FLAGS:-} \
        "$corpus" "Fuzz/$target/seeds"
}

build
case "$which" in
    note) run NoteParser ;;
    proof) run ProofParser ;;
    all) run NoteParser && run ProofParser ;;
    *) echo "usage: $0 [note|proof|all]" >&2; exit 2 ;;
esac
