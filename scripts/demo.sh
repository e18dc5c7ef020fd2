#!/usr/bin/env bash
# The demo for `make demo`: a small mine-to-pack chain imported as signed EPCIS submissions, its
# lots and serials read back, an inclusion proof checked offline, and a full audit.
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

step "Register the supply chain's actors, each with its own signing key"
run "$celltrace" keygen "$work/pilbara-mining.pem"
"$celltrace" keygen "$work/sichuan-lithium.pem" >/dev/null
"$celltrace" keygen "$work/cathode-co.pem" >/dev/null
"$celltrace" keygen "$work/cell-co.pem" >/dev/null
run "$celltrace" actor add pilbara-mining --ledger "$ledger" --role miner --key "$work/pilbara-mining.pub.pem" \
    --legal-name "Pilbara Spodumene Pty Ltd" --party urn:epc:id:pgln:9300001.00000
run "$celltrace" actor add sichuan-lithium --ledger "$ledger" --role refiner --key "$work/sichuan-lithium.pub.pem" \
    --party urn:epc:id:pgln:6900002.00000
run "$celltrace" actor add cathode-co --ledger "$ledger" --role processor --key "$work/cathode-co.pub.pem"
run "$celltrace" actor add cell-co --ledger "$ledger" --role cell-maker --key "$work/cell-co.pub.pem"

step "Register their facilities (coordinates are confidential: only a salted commitment is hashed)"
run "$celltrace" facility add urn:epc:id:sgln:9300001.00001.0 --ledger "$ledger" --operator pilbara-mining \
    --kind mine --country AU --subdivision AU-WA --latitude=-21.0393 --longitude 118.8987
run "$celltrace" facility add urn:epc:id:sgln:6900002.00001.0 --ledger "$ledger" --operator sichuan-lithium \
    --kind refinery --country CN --subdivision CN-SC
run "$celltrace" facility add urn:celltrace:facility:cathode-plant --ledger "$ledger" --operator cathode-co \
    --kind cathode --country CN --subdivision CN-HN
run "$celltrace" facility add urn:celltrace:facility:cell-plant --ledger "$ledger" --operator cell-co \
    --kind cell --country HU
run "$celltrace" facility list --ledger "$ledger"

step "Each actor imports its EPCIS 2.0 events as one signed submission"
chain=Fixtures/epcis/chain
run "$celltrace" import "$chain/01-mine.jsonld" --ledger "$ledger" --as pilbara-mining --key "$work/pilbara-mining.pem"
run "$celltrace" import "$chain/02-refinery.jsonld" --ledger "$ledger" --as sichuan-lithium --key "$work/sichuan-lithium.pem"
run "$celltrace" import "$chain/03-cathode.jsonl" --ledger "$ledger" --as cathode-co --key "$work/cathode-co.pem"
run "$celltrace" import "$chain/04-cells.jsonld" --ledger "$ledger" --as cell-co --key "$work/cell-co.pem"

step "Importing the same document again changes nothing"
run "$celltrace" import "$chain/04-cells.jsonld" --ledger "$ledger" --as cell-co --key "$work/cell-co.pem"

step "A bad submission is refused whole, every problem named"
cat > "$work/bad.jsonl" <<'BAD'
{"type":"TransformationEvent","eventTime":"2026-03-01T08:00:00+01:00","eventTimeZoneOffset":"+01:00","bizLocation":{"id":"urn:celltrace:facility:cell-plant"},"inputQuantityList":[{"epcClass":"urn:celltrace:lot:cam-811-0210","quantity":5,"uom":"TNE"}],"outputQuantityList":[{"epcClass":"urn:celltrace:lot:cells-0301","quantity":4,"uom":"TNE"}],"ilmd":{"ct:material":"cell-nmc811"}}
{"type":"ObjectEvent","eventTime":"2026-03-01T09:00:00+01:00","eventTimeZoneOffset":"+01:00","action":"ADD","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"quantityList":[{"epcClass":"urn:celltrace:lot:x","quantity":1,"uom":"KWH"}],"ilmd":{"ct:material":"ore"}}
BAD
printf '$ celltrace import %s --as cell-co --key …\n' "$work/bad.jsonl"
if "$celltrace" import "$work/bad.jsonl" --ledger "$ledger" --as cell-co --key "$work/cell-co.pem"; then
    echo "unexpected: a bad submission was imported" >&2
    exit 1
else
    echo "(exit status $?: nothing was written)"
fi

step "Where the cathode came from, and where a cell sits"
run "$celltrace" lot show urn:celltrace:lot:cam-811-0210 --ledger "$ledger"
run "$celltrace" serial show urn:epc:id:sgtin:4012345.011111.3 --ledger "$ledger"

step "Record the emission factors (each with its source and year) and the cell model's service life"
run "$celltrace" factors add Fixtures/factors/reference-2023.json --ledger "$ledger"
run "$celltrace" model add CT-NMC811-P1 --category M1 --service-years 8 --usable-share 0.92 --ledger "$ledger"

step "Trace a cell back to its mines: the origin of each element"
run "$celltrace" trace urn:epc:id:sgtin:4012345.011111.3 --ledger "$ledger"

step "Its carbon footprint, location-based beside market-based and the draft EU rule, with the working"
run "$celltrace" footprint urn:epc:id:sgtin:4012345.011111.3 --ledger "$ledger"

step "What if the cathode plant ran on a direct line from a wind farm?"
run "$celltrace" what-if urn:epc:id:sgtin:4012345.011111.3 --ledger "$ledger" \
    --supply urn:celltrace:facility:cathode-plant=direct-line:0.0336

step "The recall query: every cell and pack holding the spodumene lot"
run "$celltrace" where-used urn:epc:class:lgtin:9300001.000011.SC6-2601 --ledger "$ledger"

step "Prove that the cathode plant's TransformationEvent (entry 17) is in the ledger"
"$celltrace" prove inclusion --seq 17 --ledger "$ledger" > "$work/entry1.proof"
"$celltrace" log --from 17 --to 17 --ledger "$ledger" > "$work/entry1.json"
"$celltrace" key --ledger "$ledger" > "$work/ledger.vkey"
cat "$work/entry1.proof"

step "Check the proof offline, with only the proof, the entry and the verifier key"
if python3 -c 'import cryptography' 2>/dev/null; then
    run python3 tools/verify_proof.py "$work/entry1.proof" "$work/entry1.json" "$work/ledger.vkey"
fi
run "$celltrace" verify-proof "$work/entry1.proof" --entry "$work/entry1.json" --vkey "$(cat "$work/ledger.vkey")"

step "A changed entry does not verify"
sed 's/cam-811-0210/cam-811-0211/' "$work/entry1.json" > "$work/entry1-changed.json"
printf '$ celltrace verify-proof %s --entry %s --vkey …\n' "$work/entry1.proof" "$work/entry1-changed.json"
if "$celltrace" verify-proof "$work/entry1.proof" --entry "$work/entry1-changed.json" --vkey "$(cat "$work/ledger.vkey")"; then
    echo "unexpected: a changed entry verified" >&2
    exit 1
else
    echo "(exit status $?: the proof does not hold for the changed entry)"
fi

step "Consistency: the ledger at size 25 extends the ledger at size 15"
run "$celltrace" prove consistency --from 15 --to 25 --ledger "$ledger"

step "Full audit"
run "$celltrace" verify --deep --ledger "$ledger"

printf '\nThe demo ledger is in %s/; its files are in %s/.\n' "$ledger" "$work"
