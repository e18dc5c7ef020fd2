#!/usr/bin/env bash
# Builds the libFuzzer target for the EPCIS reader (SupplyChain: document detection, event shape
# checks, CBV 2.0 Event Hash IDs) and runs it.
#
#   Fuzz/run-epcis.sh                      # 600 s
#   SECONDS_TO_RUN=60 Fuzz/run-epcis.sh    # shorter run
#
# Objects, binary and corpus live under .build-fuzz-epcis/ (ignored by git); seeds are the example
# documents in Fuzz/EPCISParser/seeds.
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${SECONDS_TO_RUN:-600}"
OUT="${FUZZ_OUT:-.build-fuzz-epcis}"
mkdir -p "$OUT" "$OUT/corpus"

SWIFT_FLAGS=(
    -swift-version 6 -O -g -parse-as-library
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature MemberImportVisibility
    -enable-upcoming-feature InternalImportsByDefault
    -sanitize=fuzzer,address
    -use-ld=lld
    -package-name CellTrace
)
C_FLAGS=(
    -I Sources/COpenSSL -Xcc -fmodule-map-file=Sources/COpenSSL/module.modulemap
    -I Sources/CLMDB -Xcc -fmodule-map-file=Sources/CLMDB/module.modulemap
)

module() {
    local name="$1"; shift
    echo "== building $name"
    swiftc "${SWIFT_FLAGS[@]}" "${C_FLAGS[@]}" -I "$OUT" -module-name "$name" -wmo -c -o "$OUT/$name.o" \
        -emit-module -emit-module-path "$OUT/$name.swiftmodule" "$@"
}

module LedgerCrypto -strict-memory-safety Sources/LedgerCrypto/*.swift
module LedgerStorage -strict-memory-safety Sources/LedgerStorage/*.swift
module LedgerCore $(find Sources/LedgerCore -name '*.swift')
module SupplyChain $(find Sources/SupplyChain -name '*.swift')
echo "== building EPCISParser"
swiftc "${SWIFT_FLAGS[@]}" "${C_FLAGS[@]}" -I "$OUT" -module-name EPCISParserFuzz -o "$OUT/EPCISParser" \
    Fuzz/EPCISParser/main.swift "$OUT/SupplyChain.o" "$OUT/LedgerCore.o" "$OUT/LedgerStorage.o" \
    "$OUT/LedgerCrypto.o" -lcrypto -llmdb

echo "== running EPCISParser for ${SECONDS_TO_RUN}s"
# shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags.
"$OUT/EPCISParser" -max_total_time="$SECONDS_TO_RUN" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 ${FUZZ_FLAGS:-} "$OUT/corpus" Fuzz/EPCISParser/seeds
