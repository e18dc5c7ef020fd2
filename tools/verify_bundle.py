#!/usr/bin/env python3
"""Independent verifier for CellTrace custody bundles (Docs/EXPORTS.md §1).

Checks a bundle offline, in the order of Docs/EXPORTS.md §1.6, with Python's standard library and
`cryptography` only: 0. the file is the bundle's canonical JSON (RFC 8785, re-serialised here) and
a newline, else it is no bundle as written (exit 2); 1. the format and the checkpoint's signature,
origin and size; 2. each entry's canonical form, seq, origin and RFC 9162 inclusion proof; 3. the
openings of sealed fields, and that only what the profile reveals is opened and only what it does
not reveal is withheld; 4. the actors' signatures over the submissions listing the events, and the
verifiers' over their attestations, each signed root proved this ledger's by a consistency proof;
5. the trace and the footprint, recomputed from operands tied to fields of the entries (each factor
the row in force), and the contributions' coverage by the attestations with the verified share; 6.
the ledger's signed statement over the bundle; 7. with --since-checkpoint, consistency with a
checkpoint kept from earlier. It shares no code with CellTrace; the signed-note and RFC 9162 proof
functions come from verify_proof.py beside it.

usage: verify_bundle.py BUNDLE VKEY|VKEY-FILE [--since-checkpoint OLD-FILE] [--json]
exit 0 verified, 1 not verified (naming the first item that fails), 2 bad usage, a file that is not a
bundle as written, or an OLD-FILE that is no signed checkpoint
"""
import argparse
import base64
import copy
import hashlib
import json
import math
import re
import sys
import unicodedata

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify_proof import (Invalid, b64, parse_checkpoint, parse_note, parse_vkey, root_from_consistency,
                          root_from_inclusion, utf8, verify_note)

FORMAT = "celltrace-custody/1"
METHODS = ("location-based", "market-based", "eu-draft")
STAGES = ("raw-material-acquisition", "main-production", "distribution", "end-of-life")
UNITS = {  # UN/ECE Recommendation 20 code → factor to the dimension's base unit (§1.3)
    "mass": {"KGM": 1, "GRM": 0.001, "MGM": 0.000001, "TNE": 1000, "KTN": 1000000, "DTN": 100,
             "LBR": 0.45359237, "ONZ": 0.028349523125, "STN": 907.18474, "LTN": 1016.0469088},
    "electricity": {"KWH": 1, "WHR": 0.001, "MWH": 1000, "GWH": 1000000},
    "energy": {"3B": 1, "KJO": 0.001, "JOU": 0.000001, "GV": 1000, "KWH": 3.6, "MWH": 3600, "GWH": 3600000,
               "WHR": 0.0036},
    "volume": {"LTR": 1, "MLT": 0.001, "MTQ": 1000, "DMQ": 1},
    "distance": {"KMT": 1, "MTR": 0.001, "SMI": 1.609344, "NMI": 1.852},
}
NAMESPACE = "https://celltrace.dev/ns/epcis/1/"  # the CellTrace extension members' namespace (§1.5)
DECIMAL = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"  # a number written as a string


class Failure(Exception):
    """The first item that does not verify: `item` names it (`entry 57`), `message` says why."""

    def __init__(self, item, message):
        super().__init__(f"{item}: {message}")
        self.item, self.message = item, message


class Withheld(Exception):
    """An operand on a field the profile withholds: what needs it is stated, not recomputed."""


def require(condition, item, message):
    if not condition:
        raise Failure(item, message)


# ---- RFC 8785 JSON Canonicalization Scheme --------------------------------------------------------------

def parse_json(text):
    """Parses JSON as JCS sees it: every number a finite double, no duplicate keys."""
    def members(pairs):
        if len({key for key, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)

    def number(text):
        if not math.isfinite(float(text)):
            raise ValueError(f"number out of range: {text}")
        return float(text)

    def constant(text):
        raise ValueError(f"not JSON: {text}")

    return json.loads(text, object_pairs_hook=members, parse_float=number, parse_int=number, parse_constant=constant)


def es_number(x):
    """ECMAScript Number.prototype.toString (RFC 8785 §3.2.2.3) of a finite double."""
    if x == 0:
        return "0"  # also -0
    if x < 0:
        return "-" + es_number(-x)
    # repr has the shortest digits that round-trip, as ECMAScript requires; read them as the digits
    # d1…dk and the exponent n for which the value is 0.d1…dk × 10^n.
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits, n = whole + fraction, len(whole) + int(exponent or 0)
    n -= len(digits) - len(digits.lstrip("0"))
    digits = digits.strip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    return (digits[0] + "." + digits[1:] if k > 1 else digits) + "e" + f"{n - 1:+d}"


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def jcs(value):
    """The RFC 8785 text of a parsed value: keys sorted by UTF-16 code units, minimal escapes."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return es_number(float(value))
    if isinstance(value, str):
        return '"' + "".join(ESCAPES.get(c) or (f"\\u{ord(c):04x}" if c < " " else c) for c in value) + '"'
    if isinstance(value, list):
        return "[" + ",".join(map(jcs, value)) + "]"
    keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))  # big-endian: code-unit order
    return "{" + ",".join(jcs(k) + ":" + jcs(value[k]) for k in keys) + "}"


def jcs_bytes(value):
    return jcs(value).encode("utf-8")  # UnicodeEncodeError for a lone surrogate, which JCS rejects


# ---- small readers -----------------------------------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


def hex32(text, item, what):
    require(isinstance(text, str) and re.fullmatch(r"[0-9a-f]{64}", text), item, f"{what} is not 64 lower-case hex")
    return bytes.fromhex(text)


def count(value, item, what):
    require(isinstance(value, float) and 0 <= value < 2**53 and value == int(value), item, f"{what} is not a count")
    return int(value)


def obj(value, item, what, keys=None, optional=()):
    """A JSON object; with `keys`, exactly those members and any of `optional`."""
    require(isinstance(value, dict), item, f"{what} is not an object")
    if keys is not None:
        missing, extra = set(keys) - set(value), set(value) - set(keys) - set(optional)
        require(not missing and not extra, item, f"{what} lacks {sorted(missing)} or has unknown {sorted(extra)}")
    return value


def resolve(document, pointer, parent=False):
    """The value at an RFC 6901 JSON Pointer (parent=True: its container and last token); KeyError if none."""
    if not isinstance(pointer, str) or (pointer and pointer[0] != "/") or (parent and not pointer):
        raise KeyError(pointer)
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    for token in tokens[:-1] if parent else tokens:
        if isinstance(document, list) and re.fullmatch(r"0|[1-9][0-9]*", token) and int(token) < len(document):
            document = document[int(token)]
        elif isinstance(document, dict) and token in document:
            document = document[token]
        else:
            raise KeyError(pointer)
    return (document, tokens[-1]) if parent else document


def commitments(value, pointer=""):
    """(pointer, digest) of every {"$commit": hex} in a body; another "$" member is malformed."""
    if isinstance(value, dict) and any(k.startswith("$") for k in value):
        if set(value) != {"$commit"} or not re.fullmatch(r"[0-9a-f]{64}", str(value["$commit"])):
            raise ValueError(f"malformed commitment at {pointer}")
        yield pointer, bytes.fromhex(value["$commit"])
    elif isinstance(value, (dict, list)):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            yield from commitments(child, pointer + "/" + str(key).replace("~", "~0").replace("/", "~1"))


def show(x):
    """A value for a message: numbers as JSON writes them."""
    return es_number(x) if isinstance(x, float) else json.dumps(x)


def close(a, b, absolute=1e-9):
    """Equal within a relative 1e-9 (and `absolute` kg), as §1.5 allows."""
    return abs(a - b) <= max(absolute, 1e-9 * max(abs(a), abs(b)))


# ---- items 1–4: checkpoint, entries, openings, submissions ---------------------------------------------------

def check_checkpoint(bundle, vkey):
    obj(bundle, "format", "the bundle", ["format", "subject", "subjectKind", "profile", "origin", "treeSize",
                                         "checkpoint", "entries", "trace", "footprint", "statement"], ["consistency"])
    require(bundle["subjectKind"] in ("cell", "assembly", "lot") and isinstance(bundle["subject"], str), "format",
            "subjectKind is not cell, assembly or lot, or the subject is not a string")
    require(bundle["profile"] in ("public", "legitimate-interest", "authority", "auditor"), "format", "unknown profile")
    require(isinstance(bundle["entries"], list) and bundle["entries"], "format", "entries is not a non-empty list")
    size = count(bundle["treeSize"], "format", "treeSize")
    try:
        origin, checkpoint_size, root = parse_checkpoint(verify_note(str(bundle["checkpoint"]), vkey))
    except Invalid as error:
        raise Failure("checkpoint", str(error))
    # The origin expected is the vkey's name (C2SP; every CellTrace ledger signs with it), not the bundle's word.
    require(utf8(origin) == utf8(vkey[0]), "checkpoint",
            f"the checkpoint is from origin {origin!r}, not the expected {vkey[0]!r} (the vkey's name)")
    require(origin == bundle["origin"], "checkpoint", f"origin {origin} is not the bundle's {bundle['origin']}")
    require(checkpoint_size == size, "checkpoint", f"size {checkpoint_size} is not treeSize {size}")
    return size, root


def check_entries(bundle, size, root):
    """Item 2. Returns {seq: (entry, record)} in ledger order."""
    entries, last, last_leaf = {}, -1, None
    for index, record in enumerate(bundle["entries"]):
        obj(record, f"entries[{index}]", "the entry", ["seq", "canonical", "proof"], ["openings", "withheld"])
        seq = count(record["seq"], f"entries[{index}]", "seq")
        item = f"entry {seq}"
        require(last < seq < size, item, f"entries are not in ledger order, each once, below treeSize {size}")
        try:
            raw = str(record["canonical"]).encode("utf-8")
            entry = parse_json(raw)
            require(jcs_bytes(entry) == raw, item, "canonical is not in canonical form (RFC 8785)")
        except (ValueError, UnicodeError) as error:
            raise Failure(item, f"canonical is not valid JSON ({error})")
        obj(entry, item, "the entry", ["actor", "body", "origin", "prev", "seq", "time", "type", "v"])
        require(isinstance(entry["v"], float) and entry["v"] == 1, item, "the format version v is not 1")
        require(count(entry["seq"], item, "seq") == seq and entry["origin"] == bundle["origin"], item,
                "seq or origin is not the bundle's")
        require(isinstance(entry["actor"], str) and all(re.fullmatch(pattern, str(entry[key])) for key, pattern in (
            ("type", r"[a-z0-9._-]{1,64}"), ("time", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"))), item,
            "actor, type or time is malformed")
        leaf, prev = sha256(b"\x00" + raw), hex32(entry["prev"], item, "prev")
        if seq == last + 1:  # the hash chain, where the bundle holds both neighbours (or seq is 0)
            require(prev == (last_leaf or bytes(32)), item, "prev is not the leaf hash of the entry before")
        require(isinstance(record["proof"], list), item, "proof is not a list")
        try:
            computed = root_from_inclusion(seq, size, leaf, [hex32(h, item, "a proof hash") for h in record["proof"]])
        except Invalid as error:
            raise Failure(item, f"inclusion proof is malformed ({error})")
        require(computed == root, item, "inclusion proof does not lead to the checkpoint root")
        entries[seq], last, last_leaf = (entry, record), seq, leaf
    return entries


def check_openings(entries):
    """Item 3. Returns {seq: the body with its openings put back}."""
    opened = {}
    for seq, (entry, record) in entries.items():
        item = f"entry {seq}"
        openings = obj(record.get("openings", {}), item, "openings")
        withheld = obj(record.get("withheld", {}), item, "withheld")
        try:
            sealed = dict(commitments(entry["body"]))
        except ValueError as error:
            raise Failure(item, str(error))
        for pointer in sorted(set(sealed) | set(openings) | set(withheld)):
            require(pointer in sealed and (pointer in openings) != (pointer in withheld), item,
                    f"{pointer} is not a commitment opened or withheld, once")
            require(pointer in openings or isinstance(withheld[pointer], str), item, f"{pointer}: no field name")
        body = copy.deepcopy(entry["body"])
        for pointer, opening in sorted(openings.items()):
            obj(opening, item, f"opening {pointer}", ["salt", "value"])
            salt = hex32(opening["salt"], item, f"the salt of {pointer}")
            try:
                digest = sha256(salt + jcs_bytes(opening["value"]))
            except UnicodeError:
                digest = None
            require(digest == sealed[pointer], item, f"opening {pointer} does not match its commitment")
            if pointer == "":
                body = opening["value"]
            else:
                container, key = resolve(body, pointer, parent=True)
                container[int(key) if isinstance(container, list) else key] = opening["value"]
        opened[seq] = body
    return opened


def field_class(kind, pointer):
    """§2: a sealed field's name, class and whether it is commercial, by entry type and pointer."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    first, last = (tokens or [""])[0], (tokens or [""])[-1]
    if last == "quantity" and first.endswith("uantityList"):
        return "quantity", "legitimate-interest", False
    if (first, last) in (("sourceList", "source"), ("destinationList", "destination")):
        return "party", "confidential", False
    if last == "mass" and first.endswith("transport"):
        return "transport-mass", "legitimate-interest", False
    if len(tokens) == 1 and first.endswith("coProductPrices"):
        return "prices", "confidential", True
    if kind in ("facility.register", "facility.amend") and tokens == ["location"]:
        return "coordinates", "confidential", False
    return "unclassified", "confidential", True  # a field §2 does not name: confidential and commercial


def reveals(profile, kind, pointer):
    """§2: the field's name, and whether the profile reveals it."""
    name, field, commercial = field_class(kind, pointer)
    return name, {"public": False, "legitimate-interest": field != "confidential", "authority": not commercial,
                  "auditor": True}[profile]


def check_disclosure(entries, profile):
    """Item 3, continued: only a field the profile reveals (§2) is opened, so that the disclosure log does not
    record a narrower profile than what was sent, and only a field it does not reveal is withheld."""
    for seq, (entry, record) in entries.items():
        # Named as celltrace verify-bundle names them, so that both give one `item` with --json.
        for pointer in sorted(record.get("openings", {})):
            name, revealed = reveals(profile, entry["type"], pointer)
            require(revealed, f"entry {seq} opening {pointer}",
                    f"the {profile} profile withholds this field ({name}), yet the bundle opens it")
        for pointer in record.get("withheld", {}):
            name, revealed = reveals(profile, entry["type"], pointer)
            require(not revealed, f"entry {seq} withheld {pointer}",
                    f"the {profile} profile reveals this field ({name}), yet the bundle withholds it")


def check_submissions(entries, origin, signers=None):
    """Item 4: each epcis.event's body hash is signed in an earlier submission, by a key valid then; each
    attestation.record by its verifier, an auditor, with a key valid then, and each attestation.withdraw by the
    same verifier. Returns the attestations by seq and their withdrawals by the attestation's seq. `signers`, a
    dict, gets under "submissionKeys" and "attestationKeys" the key each signature was checked against."""
    keys, signed = {}, {}  # actor → [[key id, raw key, valid from, valid until]]; body hash → (seq, actor)
    roles, attestations = {}, {}  # actor → role; seq → (level, [(first, last)])
    names = {}  # actor → registered name
    signers = {} if signers is None else signers
    signers.setdefault("submissionKeys", [])
    signers.setdefault("attestationKeys", [])

    def signer(seq, actor, key_id):
        valid = [k for k in keys[actor] if k[0] == key_id and k[2] <= seq < (math.inf if k[3] is None else k[3])]
        return {"entry": seq, "actor": actor, "name": names.get(actor, ""), "role": roles.get(actor, ""),
                "keyID": key_id, "keyEntry": valid[0][2]}

    withdrawals = {}  # attestation seq → (withdrawal seq, verifier, reason)
    for seq, (entry, _) in entries.items():
        item, body, kind = f"entry {seq}", entry["body"], entry["type"]
        if kind in ("actor.register", "actor.key-rotate", "actor.key-revoke", "submission"):
            obj(body, item, "the body")
        if kind in ("actor.register", "actor.key-rotate"):  # a new key, valid from here
            try:
                raw = b64(body.get("key")) if isinstance(body.get("key"), str) else b""
            except Invalid:
                raw = b""
            require(len(raw) == 32, item, "the key is not a base64 raw Ed25519 public key")
            actor = body.get("id" if kind == "actor.register" else "actor")
            require((actor in keys) == (kind == "actor.key-rotate"), item,
                    f"{actor} is registered twice, or a rotation comes before its registration")
            for key in keys.setdefault(actor, []):  # a rotation ends the current key
                key[3] = seq if key[3] is None else key[3]
            keys[actor].append([sha256(raw).hex()[:16], raw, seq, None])
            if kind == "actor.register":
                roles[actor] = body.get("role")
                names[actor] = body.get("name") if isinstance(body.get("name"), str) else ""
        elif kind == "actor.key-revoke":
            revoked = [k for k in keys.get(body.get("actor"), []) if k[0] == body.get("keyID")]
            require(revoked, item, f"revokes key {body.get('keyID')} of {body.get('actor')}, not in the bundle")
            revoked[0][3] = seq if revoked[0][3] is None else min(revoked[0][3], seq)
        elif kind == "submission":
            actor = entry["actor"]
            require(body.get("actor") == actor, item, "the submission's actor is not the entry's")
            require(isinstance(body.get("events"), list) and all(isinstance(e, str) for e in body["events"]), item,
                    "events lists something other than body hashes")
            valid = [k for k in keys.get(actor, [])
                     if k[0] == body.get("key") and k[2] <= seq < (math.inf if k[3] is None else k[3])]
            require(valid, item, f"key {body.get('key')} is not a key of {actor} valid at this point")
            message = {k: v for k, v in body.items() if k != "signature"} | {"origin": origin}
            try:
                signature = b64(str(body.get("signature")))
                Ed25519PublicKey.from_public_bytes(valid[0][1]).verify(
                    signature, b"celltrace-submission/v1\n" + jcs_bytes(message))
            except (InvalidSignature, Invalid, ValueError):
                raise Failure(item, f"the submission's signature by {actor} does not verify")
            signed |= {digest: (seq, actor) for digest in body["events"]}
            signers["submissionKeys"].append(signer(seq, actor, body["key"]))
        elif kind == "epcis.event":
            by = signed.get(sha256(jcs_bytes(body)).hex())
            require(by, item, "the event's body hash is in no earlier submission of the bundle")
            require(by[1] == entry["actor"], item, f"the event's actor is not that of submission {by[0]}")
        elif kind == "attestation.record":
            attestations[seq] = check_attestation(entries, seq, entry, keys, roles, origin)
            signers["attestationKeys"].append(signer(seq, entry["actor"], entry["body"]["key"]))
        elif kind == "attestation.withdraw":
            attested, withdrawal = check_withdrawal(entries, seq, entry, keys, attestations, withdrawals, origin)
            withdrawals[attested] = withdrawal
    return attestations, withdrawals


def valid_key(keys, actor, key_id, seq, item):
    """The raw key `key_id` of `actor` valid at entry `seq`, from the actor's key entries in the bundle."""
    valid = [k for k in keys.get(actor, []) if k[0] == key_id and k[2] <= seq < (math.inf if k[3] is None else k[3])]
    require(valid, item, f"the bundle holds no key {key_id} of {actor} valid at entry {seq}")
    return valid[0][1]


def check_withdrawal(entries, seq, entry, keys, attestations, withdrawals, origin):
    """Item 4: a verifier's withdrawal of one of its attestations of the bundle (DATA-MODEL §1), signed for
    this origin by its key valid at the entry. Returns the attestation's entry and (seq, verifier, reason)."""
    item, body, verifier = f"withdrawal entry {seq}", entry["body"], entry["actor"]
    obj(body, item, "the body", ["verifier", "key", "attestation", "reason", "signature"])
    require(all(isinstance(body[k], str) and 0 < len(body[k].encode("utf-8")) <= 2048 for k in body), item,
            "a member is not a string of 1 to 2048 bytes")
    require(body["verifier"] == verifier, item, f"its verifier {body['verifier']} is not the entry's actor {verifier}")
    attested = int(body["attestation"]) if re.fullmatch(r"0|[1-9][0-9]*", body["attestation"]) else -1
    require(attested in attestations and attested < seq and entries[attested][0]["actor"] == verifier, item,
            f"it withdraws entry {body['attestation']}, which is no earlier attestation of {verifier} in the bundle")
    require(attested not in withdrawals, item, f"attestation entry {attested} is withdrawn twice")
    key = valid_key(keys, verifier, body["key"], seq, item)
    message = {k: v for k, v in body.items() if k != "signature"} | {"origin": origin}
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(
            b64(body["signature"]), b"celltrace-attestation-withdrawal/v1\n" + jcs_bytes(message))
    except (InvalidSignature, Invalid, ValueError):
        raise Failure(item, f"the signature of {verifier} does not verify")
    return attested, (seq, verifier, body["reason"])


def check_attestation(entries, seq, entry, keys, roles, origin):
    """Item 4: a verifier's statement (DATA-MODEL §1): an auditor's, signed for this origin by its key valid
    at the entry, of entries below the ledger size it names, none of which the verifier recorded (among
    those the bundle holds). Returns its level and ranges."""
    item, body, verifier = f"attestation entry {seq}", entry["body"], entry["actor"]
    obj(body, item, "the body", ["verifier", "key", "standard", "level", "entries", "completedOn", "ledgerSize",
                                 "rootHash", "signature"], ["report", "reportSHA256", "statement"])
    texts = ("verifier", "key", "standard", "level", "completedOn", "ledgerSize", "rootHash", "signature", "report",
             "reportSHA256", "statement")
    require(all(isinstance(body[k], str) and 0 < len(body[k].encode("utf-8")) <= 2048 for k in texts if k in body),
            item, "a member is not a string of 1 to 2048 bytes")
    require(body["verifier"] == verifier, item, "the statement's verifier is not the entry's actor")
    require(roles.get(verifier) == "auditor", item, f"{verifier} is not registered as an auditor in the bundle")
    require(body["level"] in ("reasonable", "limited"), item, "level is neither reasonable nor limited")
    require(valid_date(body["completedOn"]), item, "completedOn is not a date, YYYY-MM-DD")
    require("report" not in body or re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", body["report"]), item,
            "report is not an absolute URI")
    require("reportSHA256" not in body or re.fullmatch(r"[0-9a-f]{64}", body["reportSHA256"]), item,
            "reportSHA256 is not 64 lower-case hex digits")
    require(re.fullmatch(r"0|[1-9][0-9]*", body["ledgerSize"]) and 0 < int(body["ledgerSize"]) <= seq, item,
            "ledgerSize is not a size of the ledger before the attestation")
    try:
        require(len(b64(body["rootHash"])) == 32, item, "rootHash is not a base64 32-byte root")
        signature = b64(body["signature"])
    except Invalid:
        raise Failure(item, "rootHash or signature is not canonical base64")
    require(len(signature) == 64, item, "the signature is not 64 bytes")
    ranges = []
    for r in body["entries"] if isinstance(body["entries"], list) and body["entries"] else [None]:
        first, last = (r if isinstance(r, dict) else {}).get("first"), (r if isinstance(r, dict) else {}).get("last")
        require(all(isinstance(x, str) and re.fullmatch(r"0|[1-9][0-9]*", x) for x in (first, last))
                and int(first) <= int(last) and (not ranges or int(first) > ranges[-1][1]), item,
                "entries is not a list of ranges in order")
        ranges.append((int(first), int(last)))
    require(ranges[-1][1] < int(body["ledgerSize"]), item, "it attests entries at or above the ledger size it names")
    key = valid_key(keys, verifier, body["key"], seq, item)
    message = {k: v for k, v in body.items() if k != "signature"} | {"origin": origin}
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(
            signature, b"celltrace-attestation/v1\n" + jcs_bytes(message))
    except (InvalidSignature, ValueError):
        raise Failure(item, f"the signature of {verifier} does not verify")
    own = [s for s, (e, _) in entries.items() if e["actor"] == verifier and any(a <= s <= b for a, b in ranges)]
    require(not own, item, f"{verifier} attests entry {own[0] if own else ''}, which it recorded itself")
    return body["level"], ranges


def valid_date(text):
    """A calendar day written YYYY-MM-DD."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= month <= 12 and 1 <= day <= days[month - 1]


# ---- item 5: operands (§1.3), the trace (§1.4) and the footprint (§1.5) --------------------------------------

def factor_key(row):
    """§1.3: a factors.table row's key, from its category, name, geography, basis and unit."""
    def text(key, default=""):
        return row.get(key) if isinstance(row, dict) and isinstance(row.get(key), str) else default
    category, name, geography = text("category"), text("name"), text("geography", None)
    if category == "grid":
        return f"grid:{geography or ''}:{text('basis', 'location')}"
    if category == "fuel":
        return f"fuel:{name}:{text('unit').replace('kgCO2e/', '')}"
    if category == "material":
        return f"material:{name}" + (f"@{geography}" if geography is not None else "")
    return f"{category}:{name}"


class Operands:
    """Checks every operand against the field it names (check_all), then hands out their bases."""

    def __init__(self, entries, opened, as_of):
        self.entries, self.opened, self.as_of = entries, opened, as_of
        self._in_force = None

    def in_force(self):
        """§1.3: the factor table rows in force at asOfSize, {key: (entry, index, value)}, as the engine takes them:
        every row of every factors.table entry the bundle carries recorded before asOfSize, the row of the table
        recorded last winning where two give one key (and, within one table, the later row)."""
        if self._in_force is None:
            self._in_force = {}
            for seq in sorted(self.opened):
                body = self.opened[seq]
                if seq >= self.as_of or self.entries.get(seq, ({},))[0].get("type") != "factors.table" \
                        or not isinstance(body, dict) or not isinstance(body.get("factors"), list):
                    continue
                for index, row in enumerate(body["factors"]):
                    self._in_force[factor_key(row)] = (seq, index, row.get("value") if isinstance(row, dict) else None)
        return self._in_force

    def check_all(self, value, path):
        """Every operand ({"entry", "at", …}) and constant ({"value", "rule"}) under `value`."""
        if isinstance(value, dict) and "at" in value:
            self.check(value, path)
        elif isinstance(value, dict) and "rule" in value:
            obj(value, path, "the constant", ["value", "rule"])
            require(isinstance(value["value"], float), path, "the constant's value is not a number")
        elif isinstance(value, (dict, list)):
            for key, child in value.items() if isinstance(value, dict) else enumerate(value):
                self.check_all(child, f"{path}/{key}")

    def check(self, o, path):
        obj(o, path, "the operand", ["entry", "at"], ["uomAt", "dimension", "scale", "base", "key", "withheld"])
        seq = count(o["entry"], path, "the operand's entry")
        item = f"{path} (entry {seq} {o['at']})"
        require(seq in self.opened, item, "the entry is not in the bundle")
        require(seq < self.as_of, item, f"the entry is not before the footprint's asOfSize {self.as_of}")
        require("key" not in o or self.entries[seq][0]["type"] == "factors.table", item,
                "a factor operand is not on a factors.table entry")
        value = self.read(seq, o["at"], item)
        if "key" in o:  # §1.3: the key names the row the operand is on
            require(re.fullmatch(r"/factors/(0|[1-9][0-9]*)/value", str(o["at"])), item,
                    "a factor operand is not on /factors/INDEX/value")
            row = self.read(seq, o["at"][: -len("/value")], item)
            require(o["key"] == factor_key(row), item, f"the factor's key is {show(o['key'])}, but the row is the "
                                                       f"factor {factor_key(row)}")
            # …and the row in force: no table recorded after it and before asOfSize gives the same key.
            cited = (seq, int(o["at"].split("/")[2]))
            force_seq, force_index, force_value = self.in_force().get(o["key"], cited + (None,))
            later = "a later row of the same table" if force_seq == seq else \
                f"recorded after it and before asOfSize {self.as_of}"
            shown = force_value if isinstance(force_value, str) else show(force_value)
            require((force_seq, force_index) == cited, item,
                    f"the factor {o['key']} is not the row in force: entry {force_seq} /factors/{force_index}, "
                    f"{later}, gives {o['key']} as {shown}")
        if o.get("withheld") is True:  # must be a field the entry's record lists as withheld
            require("base" not in o and isinstance(value, dict) and "$commit" in value, item,
                    "the operand is marked withheld, but the field is not")
            return
        require("withheld" not in o and isinstance(o.get("base"), float), item, "the operand has no base")
        require(not (isinstance(value, dict) and "$commit" in value), item, "the field is withheld, yet has a base")
        require(isinstance(value, float) or (isinstance(value, str) and re.fullmatch(DECIMAL, value)), item,
                "the field is not a number or a decimal string")
        value, units = float(value), UNITS.get(o.get("dimension"), {})
        require(units or "dimension" not in o, item, f"unknown dimension {o.get('dimension')}")
        if "uomAt" in o:
            code = self.read(seq, o["uomAt"], f"{path} (entry {seq} {o['uomAt']})")
            require(code in units, item, f"unit {code} is not a {o.get('dimension')} unit")
            value *= units[code]
        value *= o.get("scale", 1.0)
        require(close(value, o["base"], 0), item, f"the field gives {show(value)}, not base {show(o['base'])}")

    def read(self, seq, pointer, item):
        try:
            return resolve(self.opened[seq], pointer)
        except KeyError:
            # A field inside a sealed member (a price inside sealed co-product prices) is withheld with it.
            tokens = pointer.split("/") if isinstance(pointer, str) else []
            for end in range(2, len(tokens)):
                try:
                    value = resolve(self.opened[seq], "/".join(tokens[:end]))
                except KeyError:
                    break
                if isinstance(value, dict) and "$commit" in value:
                    return value
            raise Failure(item, "no such field")

    def base(self, o, item, constant=False):
        """The base of an operand (or of a constant, where the spec allows one); Withheld if withheld."""
        require(isinstance(o, dict) and ("at" in o or constant and "rule" in o), item, "is not an operand")
        if o.get("withheld"):
            raise Withheld(f"entry {es_number(o['entry'])} {o['at']} is withheld")
        return o["value"] if "rule" in o else o["base"]

    def on(self, o, seq, item):
        """The base of an operand that must be a field of entry `seq`."""
        require(isinstance(o, dict) and o.get("entry") == seq, item, f"is not a field of entry {show(seq)}")
        return self.base(o, item)

    def constant_factor(self, term, seq):
        """§1.5: the method's constants: 1 for direct emissions, 0 for the market-based term of a
        supply of certificates for which the event states no factor."""
        value = term["factor"].get("value")
        if term["what"] == "direct":
            return value == 1
        if term["what"] != "electricity" or term["method"] != "market-based" or value != 0:
            return False
        try:
            supply = resolve(self.opened[seq], str(term["amount"][0]["at"]).rsplit("/", 1)[0])
        except KeyError:
            return False
        return isinstance(supply, dict) and supply.get("supply") == "certificate" and "kgCO2ePerKWh" not in supply

    def emissions(self, part, item):
        """E by method: the sum of the part's terms of that method and of `all`."""
        e = dict.fromkeys(METHODS, 0.0)
        for j, term in enumerate(part.get("terms") or []):
            where = f"{item} term {j}"
            obj(term, where, "the term", ["what", "method", "amount", "factor", "kgCO2e"])
            require(term["what"] in ("electricity", "fuel", "transport", "direct"), where, "unknown what")
            require(term["method"] in METHODS + ("all",), where, f"unknown method {term['method']}")
            require(isinstance(term["amount"], list) and term["amount"], where, "the term has no amount")
            x = math.prod(self.on(a, part.get("entry"), f"{where} amount {i}") for i, a in enumerate(term["amount"]))
            factor = term["factor"]
            if isinstance(factor, dict) and "key" not in factor and "rule" not in factor:
                self.on(factor, part.get("entry"), f"{where} factor")  # a factor the event states is on it
            if isinstance(factor, dict) and "rule" in factor and "at" not in factor:
                require(self.constant_factor(term, part.get("entry")), where,
                        f"the factor is a constant, {show(factor.get('value'))}: only direct emissions' 1 and the "
                        "market-based 0 of certificates without a stated factor are")
            x *= self.base(factor, f"{where} factor", constant=True)
            require(isinstance(term["kgCO2e"], float) and close(x, term["kgCO2e"]), where,
                    f"kgCO2e {term['kgCO2e']} stated, {es_number(x)} recomputed")
            for m in METHODS if term["method"] == "all" else (term["method"],):
                e[m] += x
        return e


def check_trace(trace, ops):
    """§1.4: each lot once, before its inputs and among its outputs; returns the lots and the roots' kg."""
    obj(trace, "trace", "the trace", ["roots", "lots"])
    lots, position = {}, {}
    for i, lot in enumerate(trace["lots"]):
        obj(lot, f"trace lot {i}", "the lot", ["lot", "entry", "kg", "inputs", "outputs"], ["material", "facility",
                                                                                             "country"])
        require(lot["lot"] not in lots, f"trace lot {lot['lot']}", "is listed twice")
        lots[lot["lot"]], position[lot["lot"]] = lot, i
    for name, lot in lots.items():
        item = f"trace lot {name}"
        require(isinstance(lot["inputs"], list) and isinstance(lot["outputs"], list), item, "inputs, outputs: lists")
        for edge in lot["inputs"] + lot["outputs"]:
            obj(edge, item, "an input or output", ["lot", "kg"])
        for edge in lot["inputs"]:
            require(position.get(edge["lot"], -1) > position[name], item, f"input {edge['lot']} is not listed after it")
        outputs = [o["lot"] for o in lot["outputs"]]
        require(name in outputs and len(set(outputs)) == len(outputs), item, "is not among its outputs, each once")
    roots = {}
    for i, root in enumerate(trace["roots"]):
        item = f"trace root {i}"
        require(isinstance(root, dict) and root.get("lot") in lots, item, "names no lot of the trace")
        kg = count(root["cells"], item, "cells") * ops.base(root.get("cellMass"), item) if "cells" in root else \
            ops.base(root.get("kg"), item, constant=True)
        roots[root["lot"]] = roots.get(root["lot"], 0.0) + kg
    return lots, roots


def check_elements(lots, opened):
    """§1.4: each input and output is a quantity of the event that made the lot, beside the lot's epcClass."""
    for name, lot in lots.items():
        item = f"trace lot {name}"
        require(lot["entry"] in opened, item, "the entry that made it is not in the bundle")
        for edge in lot["inputs"] + lot["outputs"]:
            kg = edge["kg"] if isinstance(edge["kg"], dict) else {}
            at = str(kg.get("at", ""))
            require(kg.get("entry") == lot["entry"] and at.count("/") >= 2, item,
                    f"the operand of {edge['lot']} is not a field of entry {show(lot['entry'])}")
            check_epc_class(opened, lot["entry"], at, edge["lot"], item)


def check_epc_class(opened, seq, at, lot, item):
    """The `epcClass` beside the quantity at `at` of entry `seq` is `lot`, as the event wrote it."""
    try:
        written = resolve(opened[seq], at.rsplit("/", 1)[0] + "/epcClass")
    except KeyError:
        written = None
    require(written == lot, item, f"entry {show(seq)} {at} is the quantity of {show(written)}, not of {lot}")


def check_subject(bundle, opened):
    """The subject is what the roots' entries say: a cell's serial lies in a serial range of the
    commissioning entry that names the root lot as its cell lot; a lot is its one root's element."""
    subject, kind, roots = bundle.get("subject"), bundle.get("subjectKind"), bundle["trace"]["roots"]
    if kind == "cell":
        root = roots[0] if len(roots) == 1 else {}
        mass = root.get("cellMass") if isinstance(root.get("cellMass"), dict) else {}
        key = str(mass.get("at", "")).split("/")[1:2]
        require(root.get("cells") == 1.0 and key and key[0].endswith("cellMass") and mass.get("entry") in opened,
                "subject", "a cell's bundle has one root: one cell, its mass on the commissioning entry")
        body, prefix = opened[mass["entry"]], key[0][: -len("cellMass")]
        require(body.get(prefix + "cellLot") == root.get("lot"), "subject",
                f"commissioning entry {es_number(mass['entry'])} does not name {root.get('lot')} as its cell lot")

        def inside(r):
            if not (isinstance(r, dict) and isinstance(subject, str) and subject.startswith(str(r.get("prefix")))):
                return False
            digits, first, last = subject[len(r["prefix"]):], r.get("first"), r.get("last")
            if not all(isinstance(n, str) and re.fullmatch(r"[0-9]+", n) for n in (first, last)):
                return False  # a serial number is ASCII digits: no sign, space or underscore
            return re.fullmatch(r"0|[1-9][0-9]*", digits) is not None and int(first) <= int(digits) <= int(last)
        require(any(inside(r) for r in body.get(prefix + "serialRanges") or []), "subject",
                f"{subject} is not in a serial range of commissioning entry {es_number(mass['entry'])}")
    elif kind == "lot":
        root = roots[0] if len(roots) == 1 else {}
        kg = root.get("kg") if isinstance(root.get("kg"), dict) else {}
        at = str(kg.get("at", ""))
        require(root.get("lot") == subject and kg.get("entry") in opened and at.endswith("/quantity"), "subject",
                "a lot's bundle has the lot itself as its one root")
        try:
            written = resolve(opened[kg["entry"]], at[: -len("/quantity")] + "/epcClass")
        except KeyError:
            written = None
        require(written == subject, "subject", f"entry {es_number(kg['entry'])} {at} is not the lot's own quantity")


def prefixes(body):
    """The prefixes an event's @context binds to CellTrace's namespace; `ct` when it binds none."""
    context = body.get("@context")
    bound = [c for c in (context if isinstance(context, list) else [context]) if isinstance(c, dict)]
    return sorted(p for c in bound for p, uri in c.items() if uri == NAMESPACE) or ["ct"]


def extension(body, name):
    """A CellTrace extension member of an event, whatever prefix spells it: (key, value), or (None, None)."""
    for key in [f"{p}:{name}" for p in prefixes(body)] + [NAMESPACE + name]:
        if key in body:
            return key, body[key]
    return None, None


def lot_material(lot, body):
    """The material the ILMD of the event that made `lot` states: its element of ct:lots, else the ILMD's own."""
    ilmd = body.get("ilmd")
    if not isinstance(ilmd, dict):
        return None

    def member(o, name):
        for key in [name] + [f"{p}:{name}" for p in prefixes(body)] + [NAMESPACE + name]:
            if key in o:
                return o[key]
        return None
    per_lot = member(ilmd, "lots")
    if isinstance(per_lot, list):
        element = next((e for e in per_lot if isinstance(e, dict) and e.get("epcClass") == lot), None)
        if element is not None:
            material = member(element, "material")
            return material if isinstance(material, str) else None
    material = member(ilmd, "material")
    return material if isinstance(material, str) else None


def check_inputs_covered(lots, opened):
    """§1.4: every element of the input list of the event that made a lot is among its inputs, each once,
    so that no branch of the lineage can be left out of the trace."""
    for name, lot in lots.items():
        item, seq = f"trace lot {name}", lot["entry"]
        pointers = [edge["kg"].get("at") for edge in lot["inputs"]]
        require(len(set(pointers)) == len(pointers), item,
                f"an element of entry {show(seq)}'s input list is listed twice among the inputs")
        elements = opened[seq].get("inputQuantityList")
        for i, element in enumerate(elements if isinstance(elements, list) else []):
            if f"/inputQuantityList/{i}/quantity" not in pointers:
                named = element.get("epcClass") if isinstance(element, dict) else None
                named = named if isinstance(named, str) else f"/inputQuantityList/{i}"
                raise Failure(item, f"entry {show(seq)}, which made the lot, lists input {named} "
                                    f"(/inputQuantityList/{i}), which the lot's inputs leave out")


def check_master_data(lots, entries, opened, as_of):
    """§1.4: a lot's material is the one its event's ILMD states, and its country that of its facility in the
    facility.register and facility.amend entries the bundle carries."""
    for name, lot in lots.items():
        item, seq = f"trace lot {name}", lot["entry"]
        material = lot_material(name, opened[seq])
        if material is not None:
            require(lot.get("material") == material, item,
                    f"material {show(lot['material']) if 'material' in lot else 'missing'} stated, entry {show(seq)} "
                    f"makes it {material}")
        facility = lot.get("facility")
        if not isinstance(facility, str) or not facility:
            require("country" not in lot, item, "a country is stated, but no facility")
            continue
        country, registered = facility_country(facility, entries, opened, as_of)
        require(registered is not None, item,
                f"the bundle carries no facility.register entry of {facility}, the facility that made the lot")
        require(lot.get("country") == country, item,
                f"country {show(lot['country']) if 'country' in lot else 'missing'} stated, facility {facility} is in "
                f"{country or 'no country'} (entry {show(registered)} and its amendments)")


def facility_country(facility, entries, opened, as_of):
    """A facility's country as of `as_of`, from its facility.register entry and the facility.amend entries after
    it, and the register entry: (country, entry), (None, None) when the bundle carries no register entry."""
    country, registered = None, None
    for at in sorted(opened):
        body = opened[at]
        if at >= as_of or not isinstance(body, dict) or body.get("id") != facility:
            continue
        kind = entries[at][0]["type"]
        if kind == "facility.register":
            registered, country = at, body.get("country") if isinstance(body.get("country"), str) else None
        elif kind == "facility.amend" and registered is not None and isinstance(body.get("country"), str):
            country = body["country"]
    return country, registered


def country_of_origin(lot, body, seq, item):
    """The country of origin of `lot` in the ILMD of the event that made it, as the engine reads it: a member whose
    name ends in countryOfOrigin (cbvmda:countryOfOrigin) of its element of ct:lots, else of the ILMD itself,
    holding two capital letters; None when there is none. Two different ones fail."""
    source = body.get("ilmd")
    if not isinstance(source, dict):
        return None
    per_lot = next((source[k] for k in ["lots"] + [f"{p}:lots" for p in prefixes(body)] + [NAMESPACE + "lots"]
                    if k in source), None)
    if isinstance(per_lot, list):
        source = next((e for e in per_lot if isinstance(e, dict) and e.get("epcClass") == lot), source)
    countries = {v for k, v in source.items() if k.endswith("countryOfOrigin") and isinstance(v, str)
                 and re.fullmatch(r"[A-Z]{2}", v)}
    require(len(countries) <= 1, item, f"entry {show(seq)} gives the lot two countries of origin")
    return next(iter(countries), None)


def check_material_default(key, name, lot, ops, item):
    """§1.5: a default part's factor is the material default the engine takes for the lot: material:MATERIAL@ORIGIN
    when a factor table the bundle carries, recorded before asOfSize, has that row, else material:MATERIAL; the
    material the one the lot's event states, the origin the lot's country of origin there, else its facility's."""
    seq = lot["entry"]
    body = ops.opened[seq]
    material = lot_material(name, body)
    require(material is not None, item,
            f"the default factor is {key}, but entry {show(seq)}, which made the lot, states no material")
    origin = country_of_origin(name, body, seq, item)
    if origin is None and isinstance(lot.get("facility"), str):
        origin = facility_country(lot["facility"], ops.entries, ops.opened, ops.as_of)[0]
    expected = f"material:{material}"
    if origin is not None and f"{expected}@{origin}" in ops.in_force():
        expected += f"@{origin}"
    require(key == expected, item,
            f"the default factor is {key}, but the lot's material {material}, of origin {origin or 'unknown'}, "
            f"takes {expected} in the factor tables the bundle carries")


class Assemblies:
    """The assembly steps, error declarations and serial ranges of the carried event entries recorded before
    `before` (§1.4)."""

    def __init__(self, entries, opened, before):
        self.steps, self.retracted, self.ranges = {}, set(), []
        for seq in sorted(opened):
            body = opened[seq]
            if seq >= before or entries[seq][0]["type"] != "epcis.event" or not isinstance(body, dict):
                continue
            if "errorDeclaration" in body:
                if isinstance(body.get("eventID"), str):
                    self.retracted.add(body["eventID"])
                continue
            if body.get("type") == "AggregationEvent" and isinstance(body.get("parentID"), str) and \
                    isinstance(body.get("action"), str):
                children = [c for c in (body.get("childEPCs") if isinstance(body.get("childEPCs"), list) else [])
                            if isinstance(c, str)]
                event = body.get("eventID") if isinstance(body.get("eventID"), str) else ""
                self.steps.setdefault(body["parentID"], []).append((event, body["action"], children))
            _, lot = extension(body, "cellLot")
            _, listed = extension(body, "serialRanges")
            for r in listed if isinstance(lot, str) and isinstance(listed, list) else []:
                if isinstance(r, dict) and isinstance(r.get("prefix"), str) and all(
                        isinstance(r.get(k), str) and re.fullmatch(r"[0-9]+", r[k]) for k in ("first", "last")):
                    self.ranges.append((seq, lot, r["prefix"], int(r["first"]), int(r["last"])))

    def children_of(self, parent):
        held = {}  # an insertion-ordered set
        for event, action, children in self.steps.get(parent, []):
            if event in self.retracted:
                continue
            if action == "ADD":
                held.update((c, None) for c in children if c not in held)
            elif action == "DELETE":
                for c in list(held) if not children else children:
                    held.pop(c, None)
        return list(held)

    def range_of(self, unit):
        """The serial range (entry, lot, prefix, first, last) that holds `unit`, or None."""
        def holds(r):
            rest = unit[len(r[2]):]
            return unit.startswith(r[2]) and re.fullmatch(r"0|[1-9][0-9]*", rest) is not None and \
                r[3] <= int(rest) <= r[4]
        return next((r for r in self.ranges if holds(r)), None)

    def cells(self, units, visited):
        """The serial range of each cell under `units`, through the modules and packs among them, each unit once;
        and the first unit in no carried serial range or assembly, or None."""
        cells, pending, visited = [], list(units), set(visited)
        while pending:
            unit = pending.pop()
            if unit in visited:
                continue
            visited.add(unit)
            if unit in self.steps:
                pending += self.children_of(unit)
                continue
            found = self.range_of(unit)
            if found is None:
                return cells, unit
            cells.append(found)
        return cells, None

    def units_in(self, unit):
        """`unit` and the modules and cells in it, at any depth."""
        found, pending = set(), [unit]
        while pending:
            nxt = pending.pop()
            if nxt not in found:
                found.add(nxt)
                pending += self.children_of(nxt)
        return found


def subject_cells(bundle, entries, opened, as_of):
    """§1.6: the subject's cells from the carried entries, {cell lot: {commissioning entry: cells}}; a module's
    or pack's from its assembly steps before asOfSize (those declared in error left out) down to cell serials in
    the serial ranges of commissioning entries. Returns (cells, None), or (None, why they are stated)."""
    kind, roots = bundle.get("subjectKind"), bundle["trace"]["roots"]
    if kind == "cell":
        return {roots[0]["lot"]: {roots[0]["cellMass"]["entry"]: 1}}, None
    if kind != "assembly":
        return {}, None
    subject, index = bundle["subject"], Assemblies(entries, opened, as_of)
    if subject not in index.steps:
        return None, f"the bundle carries no assembly entry of {subject}"
    ranges, missing = index.cells(index.children_of(subject), {subject})
    if missing is not None:
        return None, f"{missing} in {subject} is in no serial range and no assembly of the entries the bundle carries"
    cells = {}
    for found in ranges:
        by_entry = cells.setdefault(found[1], {})
        by_entry[found[0]] = by_entry.get(found[0], 0) + 1
    return cells, None


def subject_units(bundle, entries, opened, as_of):
    """§1.5: the units a unit shipment of the footprint may be of: the subject, and for a module or pack the
    modules and cells in it as of asOfSize."""
    if bundle.get("subjectKind") != "assembly":
        return {bundle.get("subject")}
    return Assemblies(entries, opened, as_of).units_in(bundle["subject"])


def unit_mass(unit, index, opened, item):
    """§1.5: a cell's ct:cellMass, or the sum of those of the cells a module or pack holds, in kg, as the carried
    entries in `index` give it. Raises Withheld when a cell's mass is withheld."""
    found = index.range_of(unit)
    ranges, missing = ([found], None) if found is not None else index.cells([unit], set())
    require(missing is None, item, f"{missing}{'' if missing == unit else f' in {unit}'} is in no serial range and no "
                                   "assembly of the entries the bundle carries")
    kg = 0.0
    for seq, *_ in ranges:
        mass = cell_field(opened[seq], "cellMass", "mass", seq)
        require(mass is not None, item, f"commissioning entry {show(seq)} gives no cell mass")
        kg += mass
    return kg


def unit_share(step, units_of_subject, ops, item):
    """§1.5: the unit's share of a shipment by id: its mass over the mass of every unit the shipment entry's
    epcList names, each as the carried entries recorded before the shipment give it; equal shares when one
    weighs nothing."""
    unit, seq = step.get("lot"), step.get("entry")
    require(unit in units_of_subject, item, f"{unit} is not the subject, nor in it as the assembly entries the "
                                            "bundle carries give it")
    body = ops.opened.get(seq)
    require(isinstance(body, dict) and ops.entries[seq][0]["type"] == "epcis.event" and "errorDeclaration" not in body,
            item, f"entry {show(seq)} is not an event the bundle carries")
    listed = body.get("epcList") if isinstance(body.get("epcList"), list) else []
    units = step.get("units") if isinstance(step.get("units"), list) else []
    names = [u.get("unit") if isinstance(u, dict) else None for u in units]
    require(names == listed and len(set(names)) == len(names) and unit in names, item,
            f"the units are not entry {show(seq)}'s epcList, each once in its order, {unit} among them")
    index, masses = Assemblies(ops.entries, ops.opened, seq), []
    for name, element in zip(names, units):
        obj(element, item, "a unit", ["unit", "kg"])
        kg = unit_mass(name, index, ops.opened, item)
        require(isinstance(element["kg"], float) and close(element["kg"], kg, 1e-12), item,
                f"unit {name}: {show(element['kg'])} kg stated, the entries recorded before entry {show(seq)} give "
                f"{es_number(kg)}")
        masses.append(kg)
    total = sum(masses)
    share = masses[names.index(unit)] / total if total > 0 and all(m > 0 for m in masses) else 1 / len(masses)
    require(isinstance(step.get("share"), float) and close(step["share"], share), item,
            f"share {show(step.get('share'))} stated, the units' masses give {es_number(share)}")
    return share


def cell_field(body, name, dimension, seq):
    """A commissioning entry's per-cell quantity (cellMass, nominalEnergy) in base units; None without one."""
    key, member = extension(body, name)
    if key is None:
        return None
    item = f"commissioning entry {show(seq)}"
    quantity = member.get("quantity") if isinstance(member, dict) else None
    if isinstance(quantity, dict) and "$commit" in quantity:
        raise Withheld(f"entry {show(seq)} /{key}/quantity is withheld")
    require(isinstance(quantity, float) or (isinstance(quantity, str) and re.fullmatch(DECIMAL, quantity)), item,
            f"{key} is not a quantity")
    code = member.get("uom")
    require(code in UNITS[dimension], item, f"{key} is not in a unit of {dimension}")
    return float(quantity) * UNITS[dimension][code]


def check_assembly_roots(bundle, cells, opened):
    """§1.6: an assembly's roots are its cells: a cell lot each, `cells` the count of its cells in it and
    `cellMass` on their one commissioning entry, or `kg` their masses summed when several entries commissioned them."""
    roots = bundle["trace"]["roots"]
    stated = [r.get("lot") for r in roots]
    require(len(set(stated)) == len(stated) and set(stated) == set(cells), "subject",
            f"the roots are {', '.join(sorted(map(str, stated)))}; the assembly entries the bundle carries put in "
            f"cells of {', '.join(sorted(cells))}")
    for root in roots:
        lot, by_entry = root["lot"], cells[root["lot"]]
        n = sum(by_entry.values())
        if "cells" in root:
            require(root["cells"] == n, "subject",
                    f"root {lot} states {show(root['cells'])} cells; the assembly entries the bundle carries put "
                    f"in {n}")
            mass = root.get("cellMass") if isinstance(root.get("cellMass"), dict) else {}
            require(len(by_entry) == 1 and mass.get("entry") in by_entry, "subject",
                    f"root {lot}'s cellMass is not on the commissioning entry of its cells")
        else:
            kg = 0.0
            for seq, k in by_entry.items():
                mass = cell_field(opened[seq], "cellMass", "mass", seq)
                require(mass is not None, "subject", f"commissioning entry {show(seq)} gives no cell mass")
                kg += mass * k
            value = root.get("kg", {}).get("value") if isinstance(root.get("kg"), dict) else None
            require(isinstance(value, float) and close(value, kg, 1e-12), "subject",
                    f"root {lot} states {show(value) if value is not None else 'no'} kg; its {n} cells in the "
                    f"commissioning entries the bundle carries weigh {es_number(kg)}")


def check_functional_unit(bundle, cells, entries, opened, as_of):
    """§1.5: usableKWh, lifetimeKWh, model and modelEntry are what the cells' commissioning entries and their
    battery model's model.register entry give. Returns why they are stated, not recomputed (the cells' nominal
    energy withheld, or a model named whose registration the bundle does not carry), or None."""
    footprint = bundle["footprint"]
    by_entry = {}
    for lot_entries in cells.values():
        for seq, n in lot_entries.items():
            by_entry[seq] = by_entry.get(seq, 0) + n
    nominal, models = 0.0, set()
    for seq, n in by_entry.items():
        try:
            kwh = cell_field(opened[seq], "nominalEnergy", "electricity", seq)
        except Withheld as why:
            return f"{why} by the profile"
        nominal += (kwh or 0.0) * n
        _, named = extension(opened[seq], "batteryModel")
        models.add(named if isinstance(named, str) else None)
    usable, lifetime, model, why = nominal, None, None, None
    if len(models) == 1 and next(iter(models)) is not None:
        wanted = next(iter(models))
        why = f"the cells name battery model {wanted}, whose model.register entry the bundle does not carry"
        found = next((seq for seq in sorted(opened) if seq < as_of and entries[seq][0]["type"] == "model.register"
                      and isinstance(opened[seq], dict) and opened[seq].get("id") == wanted), None)
        if found is not None:
            body = opened[found]

            def decimal(name):
                value = body.get(name)
                return float(value) if isinstance(value, float) or (
                    isinstance(value, str) and re.fullmatch(DECIMAL, value)) else 0.0
            usable = nominal * decimal("usableEnergyShare")
            lifetime = usable * decimal("cyclesPerYear") * decimal("serviceYears")
            model, why = (wanted, float(found)), None
    # Compared as JSON values: a member that is absent is not one that is null, and a number is not a string
    # (nor true, which Python holds equal to 1).
    def same(name, expected):
        if expected is None:
            return name not in footprint
        return name in footprint and type(footprint[name]) is type(expected) and footprint[name] == expected
    require(same("model", model[0] if model else None) and same("modelEntry", model[1] if model else None),
            "footprint",
            f"model {show(footprint['model']) if 'model' in footprint else 'none'} (entry "
            f"{show(footprint['modelEntry']) if 'modelEntry' in footprint else 'none'}) stated; the cells' "
            f"commissioning "
            f"entries and the model.register entries the bundle carries give "
            f"{f'{model[0]} (entry {show(model[1])})' if model else 'none'}")
    stated = footprint.get("usableKWh")
    require(isinstance(stated, float) and close(stated, usable, 1e-12), "footprint",
            f"usableKWh {show(stated) if stated is not None else 'missing'} stated, the entries give "
            f"{es_number(usable)}")
    stated = footprint.get("lifetimeKWh")
    require(("lifetimeKWh" in footprint) == (lifetime is not None) and
            (lifetime is None or isinstance(stated, float) and close(stated, lifetime, 1e-12)), "footprint",
            f"lifetimeKWh {show(stated) if stated is not None else 'missing'} stated, the entries give "
            f"{es_number(lifetime) if lifetime is not None else 'none'}")
    return why


def recompute_trace(lots, roots, ops):
    """Mass flows from the roots down: f × input kg ÷ Σ outputs kg to each input; compared with `kg`."""
    flow = {name: roots.get(name, 0.0) for name in lots}
    for name, lot in lots.items():  # in the listed order, every lot before its inputs
        item = f"trace lot {name}"
        out = sum(ops.on(o.get("kg"), lot["entry"], f"{item} output {o.get('lot')}") for o in lot["outputs"])
        require(out > 0, item, "its outputs weigh nothing")
        for edge in lot["inputs"]:
            flow[edge["lot"]] += flow[name] * ops.on(edge.get("kg"), lot["entry"], f"{item} input {edge['lot']}") / out
        require(isinstance(lot["kg"], float) and close(lot["kg"], flow[name]), item,
                f"{lot['kg']} kg stated, {es_number(flow[name])} recomputed")


def recompute_footprint(working, lots, roots, ops, units_of_subject=frozenset()):
    """§1.5: each part's kg CO2e in the subject by method, keyed (kind, lot, entry), and apart from them the
    parts that rest on a withheld field (a price of an economic allocation, or the weight of a lot reached only
    through one): {key: (part, what is withheld, whether the part may give anything)}. Raises Withheld when a
    root's mass is withheld."""
    parts_of, counts_of = {}, {}
    for i, wlot in enumerate(working["lots"]):
        item = f"working lot {wlot.get('lot') if isinstance(wlot, dict) else i}"
        obj(wlot, item, "the lot", ["lot", "counts", "parts"])
        require(wlot["lot"] in lots and wlot["lot"] not in parts_of, item, "is not a lot of the trace, once")
        main = {"process": "process", "no-data": "no-data", "none": "default"}.get(wlot["counts"])
        kinds = sorted(p.get("kind") if isinstance(p, dict) else "" for p in wlot["parts"])
        require(main and kinds == sorted([main] + ["shipment"] * (len(kinds) - 1)), item,
                "counts is not process, no-data or none, with its one part and shipments")
        parts_of[wlot["lot"]], counts_of[wlot["lot"]] = wlot["parts"], wlot["counts"]
    weight, result, withheld, weight_withheld = {name: roots.get(name, 0.0) for name in lots}, {}, {}, {}
    for name, lot in lots.items():  # every lot before its inputs, as check_trace made sure
        item = f"working lot {name}"
        if name not in parts_of:
            require(weight[name] == 0, item, "the lot reaches the subject, but the working has no parts for it")
            continue
        outputs, own, rate, outputs_withheld, rate_withheld = {}, 0.0, 0.0, None, None
        try:
            outputs = {o["lot"]: ops.on(o["kg"], lot["entry"], f"trace lot {name} output") for o in lot["outputs"]}
            own = outputs[name]
            require(own > 0, item, "the lot's own output weighs nothing")
            rate = 1 / sum(outputs.values())  # no-data: the inputs by mass; process and default set it below
        except Withheld as why:
            outputs_withheld = rate_withheld = str(why)
        for j, part in enumerate(parts_of[name]):
            where, kind, per_kg = f"{item} part {j}", part["kind"], dict.fromkeys(METHODS, 0.0)
            require(part.get("stage") in STAGES and isinstance(part.get("primary"), bool), where, "bad stage/primary")
            key = (kind, name, part.get("entry"))
            try:
                if kind == "process":
                    require(part.get("entry") == lot["entry"], where, "is not the event that made the lot")
                    # The share passes the lot's weight to its inputs, so it is worked out even when the
                    # emissions rest on a withheld field.
                    e, e_withheld = None, None
                    try:
                        e = ops.emissions(part, where)
                    except Withheld as why:
                        e_withheld = why
                    if outputs_withheld is not None:
                        raise Withheld(outputs_withheld)
                    try:
                        share = allocation_share(part, name, outputs, ops, where)
                    except Withheld as why:
                        rate_withheld = str(why)
                        raise e_withheld or why
                    rate = share / own
                    if e_withheld is not None:
                        raise e_withheld
                    per_kg = {m: v * share / own for m, v in e.items()}
                elif kind == "shipment":
                    check_shipment(part, name, ops.opened, where)
                    moved = ops.on(part.get("moved"), part.get("entry"), f"{where} moved")
                    shipped = sum(ops.on(s, part["entry"], f"{where} shipped") for s in part.get("shipped") or [])
                    require(part["moved"] in part["shipped"] and shipped > 0, where, "moved is not among shipped")
                    e = ops.emissions(part, where)
                    if outputs_withheld is not None:
                        raise Withheld(outputs_withheld)
                    per_kg = {m: v * moved / shipped / own for m, v in e.items()}
                elif kind == "default":
                    require("key" in (part.get("factor") or {}), where, "the factor is not from a factor table")
                    check_material_default(part["factor"]["key"], name, lot, ops, where)
                    per_kg, rate = dict.fromkeys(METHODS, ops.base(part["factor"], f"{where} factor")), 0.0
            except Withheld as why:
                withheld[key] = (part, str(why), kind != "no-data")
                continue
            if name in weight_withheld:
                withheld[key] = (part, weight_withheld[name], any(v != 0 for v in per_kg.values()))
            elif weight[name] > 0:
                result[key] = (part, {m: per_kg[m] * weight[name] for m in METHODS})
        if counts_of[name] == "none":
            continue  # a default covers the lot's whole upstream
        for edge in lot["inputs"]:
            what = weight_withheld.get(name) or rate_withheld
            if what is None:
                try:
                    weight[edge["lot"]] += weight[name] * rate * ops.on(edge["kg"], lot["entry"],
                                                                        f"trace lot {name} input")
                except Withheld as why:
                    what = str(why)
            if what is not None:
                weight_withheld.setdefault(edge["lot"], what)
    for i, step in enumerate(working.get("assembly", [])):  # a module's or pack's assembly steps, each once
        obj(step, f"working assembly {i}", "the step", ["entry", "stage", "primary", "terms"], ["lot"])
        require(step["stage"] in STAGES and isinstance(step["primary"], bool), f"working assembly {i}", "bad stage")
        key = ("assembly", None, step["entry"])
        require(key not in result and key not in withheld, f"working assembly {i}", "is listed twice")
        try:
            result[key] = (step, ops.emissions(step, f"working assembly {i}"))
        except Withheld as why:
            withheld[key] = (step, str(why), True)
    for i, step in enumerate(working.get("unitShipments", [])):  # a unit's shipments by id, each its share
        where = f"working unit shipment {i}"
        obj(step, where, "the unit shipment", ["entry", "lot", "stage", "primary", "terms", "units", "share"])
        require(step["stage"] in STAGES and isinstance(step["primary"], bool), where, "bad stage")
        key = ("unit-shipment", step["lot"], step["entry"])
        require(key not in result and key not in withheld, where, "is listed twice")
        try:
            e = ops.emissions(step, where)
            share = unit_share(step, units_of_subject, ops, where)
            result[key] = (step, {m: v * share for m, v in e.items()})
        except Withheld as why:
            withheld[key] = (step, str(why), True)
    return result, withheld


def check_shipment(part, lot, opened, item):
    """§1.5: `shipped` is the quantity of every element of the shipment's quantity list, each once;
    `moved` is one of them, the lot's."""
    seq, shipped = part.get("entry"), part.get("shipped")
    body = opened.get(seq) if isinstance(seq, float) else None
    require(isinstance(body, dict) and isinstance(shipped, list), item, "a shipment without its entry or shipped")
    name = "quantityList" if "quantityList" in body else "childQuantityList"
    elements = body.get(name) if isinstance(body.get(name), list) else []
    pointers = [s.get("at") if isinstance(s, dict) and s.get("entry") == seq else None for s in shipped]
    require(len(set(pointers)) == len(pointers) and set(pointers) == {f"/{name}/{i}/quantity" for i in
                                                                       range(len(elements))}, item,
            f"shipped is not the quantities of every element of entry {show(seq)}'s {name}, each once")
    require(part.get("moved") in shipped, item, "moved is not among shipped")
    check_epc_class(opened, seq, part["moved"]["at"], lot, item)


def allocation_share(part, lot, outputs, ops, item):
    """The lot's share s of its process: 1, by mass, or by mass × price (an unpriced output 0)."""
    allocation = obj(part.get("allocation"), item, "the allocation", ["method", "reason"], ["prices"])
    if allocation["method"] == "single":
        require(len(outputs) == 1, item, "single allocation, but the event has several outputs")
        return 1.0
    if allocation["method"] == "mass":
        return outputs[lot] / sum(outputs.values())
    require(allocation["method"] == "economic", item, "unknown allocation method")
    prices = obj(allocation.get("prices", {}), item, "prices")
    value = {o: kg * (ops.base(prices[o], f"{item} price of {o}") if o in prices else 0) for o, kg in outputs.items()}
    require(value[lot] > 0, item, "economic allocation gives the lot nothing")
    return value[lot] / sum(value.values())


def activity_terms(body):
    """§1.5: the terms an event's activity data gives, as (what, method, amount pointers): one per
    electricity supply and method, and one per fuel, transport leg and the direct emissions."""
    bound = prefixes(body)

    def elements(name):
        key = next((f"{p}:{name}" for p in bound if f"{p}:{name}" in body), None)
        if key is None:
            return []
        at = "/" + key.replace("~", "~0").replace("/", "~1")
        return [f"{at}/{i}" for i in range(len(body[key]))] if isinstance(body[key], list) else [at]

    terms = [("electricity", m, (at + "/quantity",)) for at in elements("electricity") for m in METHODS]
    terms += [("fuel", "all", (at + "/quantity",)) for at in elements("fuels")]
    terms += [("transport", "all", (at + "/distance", at + "/mass")) for at in elements("transport")]
    terms += [("direct", "all", (at + "/kgCO2e",)) for at in elements("directEmissions")]
    return sorted(terms)


def check_activity(working, opened):
    """§1.5: each process, shipment, assembly step and unit shipment has the terms of its event's activity data,
    each once."""
    steps = [(f"working lot {wlot.get('lot')} part {j}", part) for wlot in working.get("lots", [])
             for j, part in enumerate(wlot.get("parts") or []) if part.get("kind") in ("process", "shipment")]
    steps += [(f"working assembly {i}", s) for i, s in enumerate(working.get("assembly", []))]
    steps += [(f"working unit shipment {i}", s) for i, s in enumerate(working.get("unitShipments", []))]
    for item, step in steps:
        require(step.get("entry") in opened, item, "its entry is not in the bundle")
        terms = sorted((t.get("what"), t.get("method"), tuple(a.get("at") for a in t.get("amount") or []))
                       for t in step.get("terms") or [])
        require(terms == activity_terms(opened[step["entry"]]), item,
                f"the terms are not those of entry {show(step['entry'])}'s activity data: each electricity supply "
                "once per method, each fuel, transport leg and the direct emissions once")


def check_footprint(bundle, lots, roots, ops, roots_stated=None, stated_parts=None,
                    units_of_subject=frozenset()):
    """§1.5: contributions against the working, then the total against them; says how it checked. With
    `roots_stated` (why the roots are stated), the contributions are stated too."""
    footprint = obj(bundle["footprint"], "footprint", "the footprint")
    require(isinstance(footprint.get("contributions"), list), "footprint", "contributions is not a list")
    stated, sums = {}, {(m, s): 0.0 for m in METHODS for s in STAGES}
    for i, c in enumerate(footprint["contributions"]):
        obj(c, f"contribution {i}", "the contribution", ["kind", "lot", "entry", "stage", "primary", "kgCO2e"],
            ["verifiedBy", "assurance", "factorEntries", "verifiedByMethod"])
        item = f"contribution {i} ({c['kind']}, lot {c['lot']}, entry {show(c['entry'])})"
        obj(c["kgCO2e"], item, "kgCO2e", METHODS)
        require(c["stage"] in STAGES and all(isinstance(c["kgCO2e"][m], float) for m in METHODS), item,
                "unknown stage, or kgCO2e is not numbers")
        key = (c["kind"], None if c["kind"] == "assembly" else c["lot"], c["entry"])  # §1.5: steps name no lot
        require(key not in stated, item, "is listed twice")
        stated[key] = (item, c)
        for m in METHODS:
            sums[m, c["stage"]] += c["kgCO2e"][m]
    how = "footprint stated, not recomputed (profile public: no working)"
    if "working" not in footprint:
        require(bundle["profile"] == "public", "footprint", f"has no working, but the profile is {bundle['profile']}")
    else:
        working = obj(footprint["working"], "working", "the working", ["lots"], ["assembly", "unitShipments"])
        try:
            if roots_stated is not None:
                raise Withheld(roots_stated)
            recomputed, withheld = recompute_footprint(working, lots, roots, ops, units_of_subject)
            how = "footprint recomputed"
        except Withheld as why:
            recomputed, withheld, how = None, {}, f"footprint stated, not recomputed ({why})"
        check_activity(working, ops.opened)  # after the terms' own checks, withheld or not
        partly = []
        for key, (item, c) in stated.items() if recomputed is not None else ():
            if key in withheld:  # rests on a withheld field: stated, as long as it is the working's part
                part, what, _ = withheld.pop(key)
                require((c["stage"], c["primary"]) == (part["stage"], part["primary"]), item,
                        "stage, primary or lot differs from the working")
                partly.append((f"{key[0]} {key[1] or 'assembly'} {show(key[2])}", what))
                if stated_parts is not None:  # as `celltrace verify-bundle --json` names them
                    stated_parts.append("|".join([key[0], key[1] if key[1] is not None else str(part.get("lot") or ""),
                                                  show(key[2])]))
                continue
            require(key in recomputed, item, "is not a part of the working")
            part, kg = recomputed.pop(key)
            require((c["stage"], c["primary"], c["lot"]) == (part["stage"], part["primary"], part.get("lot", c["lot"])),
                    item, "stage, primary or lot differs from the working")
            for m in METHODS:
                require(close(c["kgCO2e"][m], kg[m]), item,
                        f"{m} {show(c['kgCO2e'][m])} stated, {show(kg[m])} recomputed")
        for kind, lot, entry in recomputed or ():
            raise Failure("footprint", f"the {kind} part of {lot or 'the assembly'}, entry {show(entry)}, "
                                       "is not among the contributions")
        for (kind, lot, entry), (_, what, may_give) in sorted(withheld.items(), key=str):
            require(not may_give, "footprint", f"the {kind} part of {lot or 'the assembly'}, entry {show(entry)}, "
                                               f"rests on a withheld field ({what}) and is not among the contributions")
        if partly:
            whats = "; ".join(sorted({what for _, what in partly}))
            how = (f"footprint recomputed but for {len(partly)} part{'s' if len(partly) > 1 else ''} stated, not "
                   f"recomputed ({whats}): " + "; ".join(sorted(part for part, _ in partly)))
    total = obj(footprint.get("total"), "footprint", "total", METHODS)
    for m in METHODS:
        for s, value in obj(total[m], "footprint", f"total {m}", STAGES).items():
            require(isinstance(value, float) and close(value, sums[m, s]), "footprint",
                    f"total {m} {s} {value} is not the sum of the contributions, {es_number(sums[m, s])}")
    return how


def check_verification(bundle, attestations, withdrawals, as_of):
    """§1.5: each contribution said to be verified has its entry and its factor tables' entries covered by the
    attestations it names (recorded before asOfSize, and not withdrawn before it) at the level it states; the
    verified share recomputed. A contribution verified under every method states verifiedBy, assurance and
    factorEntries; one verified under some methods only states them for each in verifiedByMethod, with the
    factor tables its value under that method uses (bundles exported before it was added have none)."""
    footprint = bundle["footprint"]
    stated = footprint.get("verifiedShare")
    used = None
    if isinstance(footprint.get("working"), dict):  # the factor tables each part's factor operands name, by method
        used = {}
        parts = [(p, lot.get("lot")) for lot in footprint["working"].get("lots", []) for p in lot.get("parts", [])]
        parts += [(step, None) for step in footprint["working"].get("assembly", [])]
        parts += [(dict(step, kind="unit-shipment"), step.get("lot")) for step in
                  footprint["working"].get("unitShipments", []) if isinstance(step, dict)]
        for part, lot in parts:
            kind = part.get("kind", "assembly")
            operands = [(t.get("method", "all"), t.get("factor")) for t in part.get("terms", []) if isinstance(t, dict)]
            operands.append(("all", part.get("factor")))
            key = (kind, None if kind == "assembly" else lot, part.get("entry"))
            by_method = used.setdefault(key, {m: set() for m in METHODS})
            for method, o in operands:
                if isinstance(o, dict) and "key" in o and isinstance(o.get("entry"), float):
                    for m in METHODS:
                        if method in ("all", m):
                            by_method[m].add(int(o["entry"]))
    total, verified, unverified = dict.fromkeys(METHODS, 0.0), dict.fromkeys(METHODS, 0.0), set()
    for i, c in enumerate(footprint["contributions"]):
        item = f"contribution {i}"
        for m in METHODS:
            total[m] += c["kgCO2e"][m]
        if "verifiedBy" in c:
            require("verifiedByMethod" not in c, item, "it states both verifiedBy and verifiedByMethod")
            claims = [(METHODS, c, item)]
        else:
            require("assurance" not in c and "factorEntries" not in c, item,
                    "it states an assurance or factorEntries without verifiedBy")
            named = c.get("verifiedByMethod", {})
            require(isinstance(named, dict) and set(named) <= set(METHODS) and ("verifiedByMethod" not in c or named),
                    item, "verifiedByMethod is not an object of electricity methods")
            claims = [((m,), obj(named[m], f"{item} {m}", m), f"{item} {m}") for m in sorted(named)]
        claimed = {m for methods, _, _ in claims for m in methods}
        unverified |= {m for m in METHODS if m not in claimed and c["kgCO2e"][m] != 0}
        if not claims:
            continue
        require(stated is not None, item, "it says it is verified, but the footprint states no verified share")
        entry = count(c["entry"], item, "entry")
        key = (c["kind"], None if c["kind"] == "assembly" else c["lot"], c["entry"])
        for methods, claim, where in claims:
            expected = None if used is None else set().union(*(used.get(key, {}).get(m, set()) for m in methods))
            check_coverage(claim, entry, expected, where, attestations, withdrawals, as_of)
            for m in methods:
                verified[m] += c["kgCO2e"][m]
    if stated is None:
        return None
    obj(stated, "footprint", "verifiedShare", METHODS)
    shares = {}
    for m in METHODS:
        share = 1.0 if m not in unverified else verified[m] / total[m] if total[m] > 0 else 0.0
        require(isinstance(stated[m], float) and close(stated[m], share), "footprint",
                f"verifiedShare {m} {show(stated[m])} stated, {show(share)} recomputed")
        shares[m] = share
    return shares


def check_coverage(claim, entry, expected, item, attestations, withdrawals, as_of):
    """One claim that a contribution's data are verified: its verifiedBy names attestations recorded before
    asOfSize and not withdrawn before it, which cover the entry and each of its factorEntries (with a working,
    exactly the tables `expected`) at the assurance it states."""
    named = claim["verifiedBy"] if isinstance(claim.get("verifiedBy"), list) else []
    relied = [count(a, item, "a verifiedBy entry") for a in named]
    require(relied and all(a in attestations and a < as_of for a in relied), item,
            "verifiedBy names an entry that is not an attestation of the bundle recorded before asOfSize")
    for a in sorted(a for a in relied if a in withdrawals and withdrawals[a][0] < as_of)[:1]:
        raise Failure(item, f"verifiedBy names attestation entry {a}, withdrawn at entry {withdrawals[a][0]}, "
                            "before asOfSize")
    require(isinstance(claim.get("factorEntries"), list), item, "a verified contribution needs factorEntries")
    factors = [count(f, item, "a factor entry") for f in claim["factorEntries"]]
    if expected is not None:  # with a working, the tables its part's factor operands name, not what it says
        require(set(factors) == expected, item, "factorEntries are not the factor tables its part of the working uses")
    level = "reasonable"
    for needed in [entry] + factors:
        by = [attestations[a][0] for a in relied if any(x <= needed <= y for x, y in attestations[a][1])]
        require(by, item, f"entry {needed} is covered by none of the attestations it names")
        level = level if "reasonable" in by else "limited"
    require(claim.get("assurance") == level, item, f"its data are attested at {level} assurance, not as stated")


# ---- items 6 and 7, and the command line ----------------------------------------------------------------------

def check_statement(bundle, vkey):
    """Item 6: the ledger key's signed note over the digest of the bundle without `statement`."""
    try:
        text = verify_note(str(bundle["statement"]), vkey)
    except Invalid as error:
        raise Failure("statement", str(error))
    digest = sha256(jcs_bytes({k: v for k, v in bundle.items() if k != "statement"})).hex()
    require(text == f"{FORMAT}\n{bundle['origin']}\n{bundle['subject']}\n{digest}\n", "statement",
            "its text is not this bundle's format, origin, subject and digest")


def check_consistency(bundle, size, root, old_text, vkey):
    """Item 7: the tree at treeSize extends the one of the OLD checkpoint (RFC 9162 §2.1.4.2)."""
    try:
        origin, old_size, old_root = parse_checkpoint(verify_note(old_text, vkey))
    except Invalid as error:
        raise Failure("since-checkpoint", str(error))
    require(utf8(origin) == utf8(vkey[0]) and origin == bundle["origin"], "since-checkpoint",
            "the old checkpoint is of another origin")
    # One size: the same tree. A kept checkpoint larger than the bundle's cannot be reached from it.
    if old_size == size:
        require(old_root == root, "consistency",
                f"the kept checkpoint and the bundle's both have size {size} but different roots: "
                "the ledger's history differs from what was kept")
        return old_size
    require(old_size < size, "consistency",
            f"the bundle's checkpoint (size {size}) is older than the kept one (size {old_size}); "
            "ask the sender for a bundle exported now, with --since-checkpoint")
    check_extends(bundle, "consistency", old_size, old_root, size, root)
    return old_size


def check_extends(bundle, item, old_size, old_root, size, root):
    """The bundle's one consistency proof from old_size leads from old_root to the checkpoint's root."""
    consistency = bundle.get("consistency", [])
    require(isinstance(consistency, list), "format", "consistency is not a list")
    proofs = [p for p in consistency if isinstance(p, dict) and p.get("fromSize") == old_size]
    require(len(proofs) <= 1, item, f"the consistency proof from size {old_size} is listed twice")
    require(len(proofs) == 1 and isinstance(proofs[0].get("proof"), list), item,
            f"the bundle carries no consistency proof from size {old_size}")
    try:
        new_root = root_from_consistency(old_size, size, old_root,
                                         [hex32(h, item, "a proof hash") for h in proofs[0]["proof"]])
    except Invalid as error:
        raise Failure(item, f"the consistency proof from size {old_size} does not lead to the checkpoint's root ({error})")
    require(new_root == root, item, f"the consistency proof from size {old_size} does not lead to the checkpoint's root")


def check_attestation_roots(bundle, entries, attestations, size, root):
    """Item 4: the root each verifier signed is this ledger's at the size it names, proved by the bundle's
    consistency proof from that size to the checkpoint."""
    for seq in sorted(attestations):
        body = entries[seq][0]["body"]
        check_extends(bundle, f"attestation entry {seq}", int(body["ledgerSize"]), b64(body["rootHash"]), size, root)


def is_canonical(raw, bundle):
    """Item 0: the file is the bundle's canonical JSON (RFC 8785) and one newline."""
    try:
        return jcs_bytes(bundle) + b"\n" == raw
    except UnicodeError:
        return False


def verify(bundle, vkey, old_text=None, signers=None):
    """Items 1–7 in order; returns the entry count and how the trace and the footprint were checked. `signers`,
    a dict, gets the keys the submissions' and attestations' signatures were checked against, and the verdicts
    under the names `celltrace verify-bundle --json` gives them (traceRecomputed, footprintRecomputed, …)."""
    signers = {} if signers is None else signers
    size, root = check_checkpoint(bundle, vkey)
    entries = check_entries(bundle, size, root)
    opened = check_openings(entries)
    check_disclosure(entries, bundle["profile"])
    attestations, withdrawals = check_submissions(entries, bundle["origin"], signers)
    check_attestation_roots(bundle, entries, attestations, size, root)
    as_of = count(obj(bundle["footprint"], "footprint", "the footprint").get("asOfSize"), "footprint", "asOfSize")
    require(as_of <= size, "footprint", f"asOfSize {as_of} is above treeSize {size}")
    ops = Operands(entries, opened, as_of)
    ops.check_all(bundle["trace"], "trace")
    ops.check_all(bundle["footprint"], "footprint")
    lots, roots = check_trace(bundle["trace"], ops)
    check_elements(lots, opened)
    check_subject(bundle, opened)
    check_inputs_covered(lots, opened)
    check_master_data(lots, entries, opened, as_of)
    cells, stated_cells = subject_cells(bundle, entries, opened, as_of)
    per_kwh = stated_cells
    if stated_cells is None:
        if bundle.get("subjectKind") == "assembly":
            check_assembly_roots(bundle, cells, opened)
        per_kwh = check_functional_unit(bundle, cells, entries, opened, as_of)
    try:
        recompute_trace(lots, roots, ops)
        trace = "trace recomputed"
    except Withheld as why:
        trace = f"trace stated, not recomputed ({why})"
    if stated_cells is not None:
        trace = f"trace stated, not recomputed (the subject's cell count is as stated: {stated_cells})"
    why = stated_cells and f"the subject's cell count is as stated: {stated_cells}"
    stated_parts = []
    units_of_subject = subject_units(bundle, entries, opened, as_of) if stated_cells is None else frozenset()
    footprint = check_footprint(bundle, lots, roots, ops, why, stated_parts, units_of_subject)
    if stated_parts:
        signers["footprintStatedParts"] = [name.replace("|", " ") for name in sorted(stated_parts)]
    if stated_cells is not None:
        signers["functionalUnitStated"] = f"the subject's cell count is as stated ({stated_cells})"
    elif per_kwh is not None:
        signers["functionalUnitStated"] = per_kwh
    signers["traceRecomputed"] = trace == "trace recomputed"
    signers["footprintRecomputed"] = footprint == "footprint recomputed"
    if per_kwh is not None:
        footprint += f"; usableKWh and lifetimeKWh stated, not recomputed ({per_kwh})"
    shares = check_verification(bundle, attestations, withdrawals, as_of)
    if shares is not None:
        signers["attestations"] = len(attestations)
        signers["verifiedShare"] = {m: shares[m] for m in METHODS}
        footprint += (f"; {len(attestations)} attestation{'' if len(attestations) == 1 else 's'} checked (signatures and "
                      "signed roots), verified share "
                      + ", ".join(f"{m} {100 * shares[m]:.1f} %" for m in METHODS)
                      + ("" if "working" in bundle["footprint"] else
                         " (the factor tables each contribution uses as stated: no working in this profile)"))
    for a, w in sorted(withdrawals.items(), key=lambda aw: aw[1][0])[:1]:  # only withdrawals since asOfSize
        require(w[0] >= as_of, f"withdrawal entry {w[0]}", f"it withdraws attestation entry {a} before asOfSize, "
                "yet the bundle carries that attestation as relied on")
    withdrawn = [{"attestation": a, "withdrawal": w[0], "verifier": w[1], "reason": w[2]}
                 for a, w in sorted(withdrawals.items())]
    for w in withdrawn:
        footprint += (f"; attestation #{w['attestation']} withdrawn by {visible(w['verifier'])} at entry "
                      f"#{w['withdrawal']}, after the footprint's size: {visible(w['reason'])}; the verified share is "
                      "as the ledger stood then")
    check_statement(bundle, vkey)
    if old_text is not None:
        signers["consistentFrom"] = check_consistency(bundle, size, root, old_text, vkey)
    return len(entries), trace, footprint, withdrawn


def visible(text):
    """Text from a bundle as a line shows it: a control, format or separator character, any white space but the
    space, and the backslash escaped as \\u{XXXX}, as `celltrace verify-bundle` escapes them, so that a name
    cannot end the line, move the cursor or hide what follows it."""
    return "".join(f"\\u{{{ord(c):04X}}}" if c == "\\" or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")
                   or (unicodedata.category(c) == "Zs" and c != " ") else c for c in str(text))


def key_lines(keys, signed):
    """One line per actor key, naming the entries it signed, as `celltrace verify-bundle` prints them."""
    lines = {}
    for key in keys:
        line = (f"{visible(key['actor'])} ({visible(key['name'])}, {visible(key['role'])}) key "
                f"{visible(key['keyID'])}, registered at entry #{key['keyEntry']}")
        lines.setdefault(line, []).append(key["entry"])
    return [f"{line}: {signed}{'' if len(seqs) == 1 else 's'} " + ", ".join(f"#{s}" for s in seqs)
            for line, seqs in lines.items()]


def main(argv):
    parser = argparse.ArgumentParser(prog="verify_bundle.py", description=__doc__.strip().splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("vkey", help="the ledger's verifier key, or a file holding it")
    parser.add_argument("--since-checkpoint", metavar="OLD-FILE", help="a checkpoint kept from earlier")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv[1:])  # bad usage: exit 2
    try:
        vkey_text, old_text = args.vkey, None
        if "+" not in vkey_text:  # a file holding the vkey
            with open(vkey_text, encoding="utf-8") as f:
                vkey_text = f.read()
        vkey = parse_vkey(vkey_text)
        if args.since_checkpoint is not None:
            with open(args.since_checkpoint, "rb") as f:  # bytes: a CRLF line end is refused, not translated
                old_text = f.read().decode("utf-8")
            try:
                parse_checkpoint(parse_note(old_text)[0])
            except Invalid as error:
                raise Invalid(f"{args.since_checkpoint} is not a signed checkpoint: {error}")
        with open(args.bundle, "rb") as f:
            raw = f.read()
        try:
            bundle = parse_json(raw.decode("utf-8"))
        except ValueError as error:  # UnicodeError too
            raise Invalid(f"{args.bundle} is not a custody bundle: the file is not JSON ({error}); a bundle is "
                          "the file `celltrace export custody` writes, as the sender sent it")
    except (OSError, ValueError, UnicodeError, Invalid) as error:
        parser.exit(2, f"error: {error}\n")
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        parser.exit(2, f"error: {args.bundle} is not a {FORMAT} bundle\n")
    if not is_canonical(raw, bundle):
        parser.exit(2, f"error: {args.bundle} is not a bundle as written: a bundle is its canonical JSON (RFC 8785) "
                       "and one newline, and this file differs from that\n")
    result = {"bundle": args.bundle, "subject": bundle.get("subject"), "profile": bundle.get("profile")}
    signers = {}
    try:
        result["entries"], result["trace"], result["footprint"], withdrawn = verify(bundle, vkey, old_text, signers)
        if withdrawn:
            result["withdrawnSince"] = withdrawn
        # The verdicts under `celltrace verify-bundle --json`'s names; "trace" and "footprint" stay prose.
        result.update(origin=bundle["origin"], treeSize=int(bundle["treeSize"]),
                      submissions=len(signers["submissionKeys"]), traceRecomputed=signers["traceRecomputed"],
                      footprintRecomputed=signers["footprintRecomputed"])
        for name in ("attestations", "verifiedShare", "consistentFrom", "functionalUnitStated",
                     "footprintStatedParts"):
            if name in signers:
                result[name] = signers[name]
        result["submissionKeys"] = signers["submissionKeys"]
        if signers["attestationKeys"]:
            result["attestationKeys"] = signers["attestationKeys"]
        result["verified"] = True
    except Failure as failure:
        result.update(verified=False, item=failure.item, message=failure.message)
    except (TypeError, KeyError, AttributeError, ValueError, ZeroDivisionError) as error:
        # A shape no explicit check above describes: still not verified, never a traceback.
        result.update(verified=False, item="bundle", message=f"malformed ({type(error).__name__}: {error})")
    result["valid"] = result["verified"]  # Swift's name for the verdict; "verified" stays for existing readers
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    elif result["verified"]:
        since = " and consistent with the old checkpoint" if old_text is not None else ""
        print(f"OK: {result['entries']} entries of {result['subject']} verified against {bundle['origin']} at size "
              f"{es_number(bundle['treeSize'])}{since}; {result['trace']}; {result['footprint']}")
        for line in key_lines(result["submissionKeys"], "submission"):
            print(f"  signed with {line}")
        for line in key_lines(result.get("attestationKeys", []), "attestation"):
            print(f"  attested with {line}")
        if result["submissionKeys"] or result.get("attestationKeys"):
            print("  keys: the keys the ledger registered for these actors; compare each key ID with the key the actor "
                  "gave you (the first 16 hex digits of SHA-256 of its raw Ed25519 public key)")
    else:
        print(f"NOT VERIFIED: {result['item']}: {result['message']}")
    return 0 if result["verified"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
