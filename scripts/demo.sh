#!/usr/bin/env bash
# The demo for `make demo`: a small ledger, an inclusion proof checked offline, a full audit.
set -euo pipefail

binary="${1:?usage: scripts/demo.sh PATH-TO-celltrace}"
PATH="$(cd "$(dirname "$binary")" && pwd):$PATH"
celltrace=celltrace
ledger="demo-ledger"
work="$ledger.files"
rm -rf "$ledger" "$work"
mkdir -p "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Create a ledger with its own signing key"
run "$celltrace" init --ledger "$ledger" --origin demo.celltrace.local/ledger

step "Record material lots (the supplier's name is confidential: only a salted commitment is hashed)"
cat > "$work/lots.jsonl" <<'LOTS'
{"lot":"SPD-2026-0412","material":"spodumene concentrate","kg":"250000","country":"AU","supplier":"Greenbushes operator"}
{"lot":"LIOH-2026-0977","material":"lithium hydroxide monohydrate","kg":"31000","country":"CN","supplier":"Sichuan refiner"}
{"lot":"NISO4-2026-0131","material":"nickel sulfate hexahydrate","kg":"52000","country":"ID","supplier":"HPAL operator"}
LOTS
run "$celltrace" append "$work/lots.jsonl" --ledger "$ledger" --confidential /supplier

step "A second batch"
printf '%s\n' '{"lot":"CAM-NMC811-0042","material":"NMC811 cathode active material","kg":"40500","inputs":["LIOH-2026-0977","NISO4-2026-0131"]}' \
    | run "$celltrace" append - --ledger "$ledger"

step "The entries, as their canonical bytes"
run "$celltrace" log --ledger "$ledger"

step "Prove that entry 1 is in the ledger"
"$celltrace" prove inclusion --seq 1 --ledger "$ledger" > "$work/entry1.proof"
"$celltrace" log --from 1 --to 1 --ledger "$ledger" > "$work/entry1.json"
"$celltrace" key --ledger "$ledger" > "$work/ledger.vkey"
cat "$work/entry1.proof"

step "Check the proof offline, with only the proof, the entry and the verifier key"
if python3 -c 'import cryptography' 2>/dev/null; then
    run python3 tools/verify_proof.py "$work/entry1.proof" "$work/entry1.json" "$work/ledger.vkey"
fi
run "$celltrace" verify-proof "$work/entry1.proof" --entry "$work/entry1.json" --vkey "$(cat "$work/ledger.vkey")"

step "A changed entry does not verify"
sed 's/31000/31500/' "$work/entry1.json" > "$work/entry1-changed.json"
printf '$ celltrace verify-proof %s --entry %s --vkey …\n' "$work/entry1.proof" "$work/entry1-changed.json"
if "$celltrace" verify-proof "$work/entry1.proof" --entry "$work/entry1-changed.json" --vkey "$(cat "$work/ledger.vkey")"; then
    echo "unexpected: a changed entry verified" >&2
    exit 1
else
    echo "(exit status $?: the proof does not hold for the changed entry)"
fi

step "Consistency between the first and second checkpoint"
run "$celltrace" prove consistency --from 3 --to 4 --ledger "$ledger"

step "Full audit"
run "$celltrace" verify --deep --ledger "$ledger"

printf '\nThe demo ledger is in %s/; its files are in %s/.\n' "$ledger" "$work"
