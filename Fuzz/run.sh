#!/usr/bin/env bash
# Builds the libFuzzer target for the JSON parser and runs it.
#
#   Fuzz/run.sh                      # 600 s
#   SECONDS_TO_RUN=60 Fuzz/run.sh    # shorter run
#   Fuzz/run.sh -runs=100000         # extra arguments go to libFuzzer
#
# The binary and the corpus live under .build-fuzz/ (ignored by git); crash-* reproducers are written
# to the repository root (also ignored). Reproduce one with: .build-fuzz/json-parser crash-<hash>
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz"
corpus="$out/corpus/json-parser"
mkdir -p "$out" "$corpus"

# The parser is compiled from source into the fuzz module: Sources/LedgerCore/JSON/*.swift need only
# LedgerError from the rest of LedgerCore, and LedgerCrypto's digest type for the commitments the
# canonical writer puts in place of sealed values; LedgerCrypto is built first as a module of its own,
# over OpenSSL, so there is no package build to instrument.
swift_flags=(
    -sanitize=fuzzer,address
    -parse-as-library
    -O
    -swift-version 6
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature MemberImportVisibility
    -enable-upcoming-feature InternalImportsByDefault
    -package-name CellTrace
    # lld links the sanitizer runtimes without gold's hundreds of "cannot export local symbol" warnings.
    -use-ld=lld
    -I "$root/Sources/COpenSSL" -Xcc -fmodule-map-file="$root/Sources/COpenSSL/module.modulemap"
    -I "$out"
)
swiftc "${swift_flags[@]}" -strict-memory-safety -module-name LedgerCrypto -wmo -c \
    -o "$out/LedgerCrypto.o" -emit-module -emit-module-path "$out/LedgerCrypto.swiftmodule" \
    "$root"/Sources/LedgerCrypto/*.swift
swiftc "${swift_flags[@]}" \
    -module-name JSONParserFuzz \
    "$root/Fuzz/JSONParser/main.swift" \
    "$root"/Sources/LedgerCore/JSON/*.swift \
    "$root/Sources/LedgerCore/LedgerError.swift" \
    "$out/LedgerCrypto.o" -lcrypto \
    -o "$out/json-parser"

# Seed the corpus with the RFC 8785 reference inputs and outputs.
for file in "$root"/Fixtures/vectors/jcs/input/*.json "$root"/Fixtures/vectors/jcs/output/*.json; do
    cp "$file" "$corpus/$(basename "$(dirname "$file")")-$(basename "$file")"
done

cd "$root"
exec "$out/json-parser" \
    -max_total_time="${SECONDS_TO_RUN:-600}" \
    -max_len=4096 \
    -timeout=10 \
    "$@" \
    "$corpus"
