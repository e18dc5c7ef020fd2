#!/usr/bin/env python3
"""Independent verifier for CellTrace custody bundles (Docs/EXPORTS.md §1).

Checks a custody bundle offline, in the order of Docs/EXPORTS.md §1.5, with nothing but Python's
standard library and `cryptography`: the format; the checkpoint's signature, origin and size; each
entry's canonical form (RFC 8785, re-serialised here), seq, origin and RFC 9162 inclusion proof;
the openings of sealed fields; the actors' signatures over the submissions that list the events;
the trace and the footprint, recomputed from operands tied to the entries; and, with
--since-checkpoint, consistency with a checkpoint kept from earlier. It shares no code with
CellTrace; the signed-note and inclusion-proof helpers come from verify_proof.py beside it.

usage: verify_bundle.py BUNDLE VKEY|VKEY-FILE [--since-checkpoint OLD-FILE] [--json]
exit 0 verified, 1 not verified (naming the first item that fails), 2 bad usage or not a bundle
"""
import base64
import binascii
import copy
import hashlib
import json
import math
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify_proof import (Invalid, b64, parse_checkpoint, parse_vkey, root_from_consistency, root_from_inclusion,
                          verify_note)

FORMAT = "celltrace-custody/1"
METHODS = ("location-based", "market-based", "eu-draft")
STAGES = ("raw-material-acquisition", "main-production", "distribution", "end-of-life")
# UN/ECE Recommendation 20 codes → factor to the dimension's base unit (Docs/EXPORTS.md §1.4).
UNITS = {
    "mass": {"KGM": 1, "GRM": 0.001, "MGM": 0.000001, "TNE": 1000, "KTN": 1000000, "DTN": 100,
             "LBR": 0.45359237, "ONZ": 0.028349523125, "STN": 907.18474, "LTN": 1016.0469088},
    "electricity": {"KWH": 1, "WHR": 0.001, "MWH": 1000, "GWH": 1000000},
    "energy": {"3B": 1, "KJO": 0.001, "JOU": 0.000001, "GV": 1000, "KWH": 3.6, "MWH": 3600,
               "GWH": 3600000, "WHR": 0.0036},
    "volume": {"LTR": 1, "MLT": 0.001, "MTQ": 1000, "DMQ": 1},
    "distance": {"KMT": 1, "MTR": 0.001, "SMI": 1.609344, "NMI": 1.852},
}
ENTRY_FIELDS = {"actor", "body", "origin", "prev", "seq", "time", "type", "v"}


class Failure(Exception):
    """The first item that does not verify: `item` names it (`entry 57`), `message` says why."""

    def __init__(self, item, message):
        super().__init__(f"{item}: {message}")
        self.item, self.message = item, message


def require(condition, item, message):
    if not condition:
        raise Failure(item, message)


# ---- RFC 8785 JSON Canonicalization Scheme --------------------------------------------------------

def parse_json(text):
    """Parses JSON as JCS sees it: every number a finite double, no duplicate keys, no NaN."""
    def members(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def number(text):
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"number out of range: {text}")
        return value

    def constant(text):
        raise ValueError(f"not JSON: {text}")

    return json.loads(text, object_pairs_hook=members, parse_float=number, parse_int=number,
                      parse_constant=constant)


def es_number(x):
    """ECMAScript Number.prototype.toString (RFC 8785 §3.2.2.3) of a finite double."""
    if x == 0:
        return "0"  # also -0
    if x < 0:
        return "-" + es_number(-x)
    # repr gives the shortest digits that round-trip (as ECMAScript requires); split them into
    # digits d1…dk and the exponent n such that the value is 0.d1…dk × 10^n.
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
    e = f"{n - 1:+d}"
    return (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + e


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def jcs_string(s):
    return '"' + "".join(ESCAPES.get(c) or (f"\\u{ord(c):04x}" if c < " " else c) for c in s) + '"'


def jcs(value):
    """The RFC 8785 canonical text of a parsed value (encode as UTF-8 for the bytes)."""
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return es_number(float(value))
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    # Keys sorted by UTF-16 code units: big-endian UTF-16 bytes compare in the same order.
    keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    return "{" + ",".join(jcs_string(k) + ":" + jcs(value[k]) for k in keys) + "}"


def jcs_bytes(value):
    return jcs(value).encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate


# ---- small readers ---------------------------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


def hex32(text, item, what):
    require(isinstance(text, str) and re.fullmatch(r"[0-9a-f]{64}", text), item, f"{what} is not 64 lower-case hex")
    return bytes.fromhex(text)


def count(value, item, what):
    require(isinstance(value, float) and value >= 0 and value == int(value) and value < 2**53, item,
            f"{what} is not a non-negative integer")
    return int(value)


def obj(value, item, what, keys=None, optional=()):
    """A JSON object; with `keys`, exactly those members plus any of `optional`."""
    require(isinstance(value, dict), item, f"{what} is not an object")
    if keys is not None:
        missing, extra = set(keys) - set(value), set(value) - set(keys) - set(optional)
        require(not missing, item, f"{what} lacks {', '.join(sorted(missing))}")
        require(not extra, item, f"{what} has unknown members {', '.join(sorted(extra))}")
    return value


def tokens(pointer):
    """RFC 6901 reference tokens."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise KeyError(pointer)
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer else []


def resolve(document, pointer, parent=False):
    """The value at a JSON Pointer (with parent=True: its container and last token)."""
    path = tokens(pointer)
    if parent and not path:
        raise KeyError(pointer)
    for token in path[:-1] if parent else path:
        if isinstance(document, list) and re.fullmatch(r"0|[1-9][0-9]*", token) and int(token) < len(document):
            document = document[int(token)]
        elif isinstance(document, dict) and token in document:
            document = document[token]
        else:
            raise KeyError(pointer)
    return (document, path[-1]) if parent else document


def commitments(value, pointer=""):
    """Pointers of every {"$commit": hex} in a body; any other "$" key is malformed."""
    if isinstance(value, dict):
        if any(k.startswith("$") for k in value):
            if set(value) != {"$commit"} or not re.fullmatch(r"[0-9a-f]{64}", str(value["$commit"])):
                raise ValueError(f"malformed commitment at {pointer or '/'}")
            yield pointer, bytes.fromhex(value["$commit"])
            return
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return
    for key, child in items:
        yield from commitments(child, pointer + "/" + key.replace("~", "~0").replace("/", "~1"))


def close(a, b, absolute=1e-9):
    return abs(a - b) <= max(absolute, 1e-9 * max(abs(a), abs(b)))


# ---- §1.5 items 1–4 ---------------------------------------------------------------------------------

def check_format_and_checkpoint(bundle, vkey):
    obj(bundle, "format", "the bundle", ["format", "subject", "subjectKind", "profile", "origin", "treeSize",
                                         "checkpoint", "entries", "trace", "footprint"], ["consistency"])
    require(bundle["subjectKind"] in ("cell", "assembly", "lot"), "format", "subjectKind is not cell, assembly or lot")
    require(bundle["profile"] in ("public", "legitimate-interest", "authority", "auditor"), "format",
            "unknown profile")
    require(isinstance(bundle["subject"], str) and isinstance(bundle["origin"], str), "format",
            "subject and origin must be strings")
    require(isinstance(bundle["entries"], list) and bundle["entries"], "format", "entries is not a non-empty list")
    size = count(bundle["treeSize"], "format", "treeSize")
    require(isinstance(bundle["checkpoint"], str), "format", "checkpoint is not a string")
    try:
        origin, checkpoint_size, root = parse_checkpoint(verify_note(bundle["checkpoint"], vkey))
    except Invalid as error:
        raise Failure("checkpoint", str(error))
    require(origin == bundle["origin"], "checkpoint", f"origin {origin!r} is not the bundle's {bundle['origin']!r}")
    require(checkpoint_size == size, "checkpoint", f"size {checkpoint_size} is not treeSize {size}")
    return size, root


def check_entries(bundle, size, root):
    """Item 2. Returns {seq: (entry object, bundle record)} in ledger order."""
    entries, last, previous_leaf = {}, -1, None
    for index, record in enumerate(bundle["entries"]):
        item = f"entries[{index}]"
        obj(record, item, "the entry record", ["seq", "canonical", "proof"], ["openings", "withheld"])
        seq = count(record["seq"], item, "seq")
        item = f"entry {seq}"
        require(seq > last, item, "entries are not in ledger order, each once")
        require(seq < size, item, f"seq is not below treeSize {size}")
        text = record["canonical"]
        require(isinstance(text, str), item, "canonical is not a string")
        try:
            raw = text.encode("utf-8")
            entry = parse_json(raw)
            canonical = jcs_bytes(entry)
        except (ValueError, UnicodeError) as error:
            raise Failure(item, f"canonical is not valid JSON ({error})")
        require(canonical == raw, item, "canonical is not in canonical form (RFC 8785)")
        obj(entry, item, "the entry", ENTRY_FIELDS)
        require(entry["v"] == 1.0 and isinstance(entry["v"], float), item, "format version is not 1")
        require(count(entry["seq"], item, "the entry's seq") == seq, item, "the entry's seq is not the record's")
        require(entry["origin"] == bundle["origin"], item, "origin is not the bundle's")
        require(all(isinstance(entry[k], str) for k in ("actor", "origin", "prev", "time", "type")), item,
                "actor, origin, prev, time and type must be strings")
        require(re.fullmatch(r"[a-z0-9._-]{1,64}", entry["type"]), item, "type is not 1–64 of a-z 0-9 . - _")
        prev = hex32(entry["prev"], item, "prev")
        leaf = sha256(b"\x00" + raw)
        if previous_leaf is not None and seq == last + 1:  # the hash chain, where the bundle holds both
            require(prev == previous_leaf, item, f"prev is not entry {last}'s leaf hash")
        if seq == 0:
            require(prev == bytes(32), item, "entry 0's prev is not 64 zeros")
        require(isinstance(record["proof"], list), item, "proof is not a list")
        proof = [hex32(h, item, "a proof hash") for h in record["proof"]]
        try:
            computed = root_from_inclusion(seq, size, leaf, proof)
        except Invalid as error:
            raise Failure(item, f"inclusion proof is malformed ({error})")
        require(computed == root, item, "inclusion proof does not lead to the checkpoint root")
        entries[seq], last, previous_leaf = (entry, record), seq, leaf
    return entries


def check_openings(entries):
    """Item 3. Returns {seq: body with the openings put back}."""
    opened = {}
    for seq, (entry, record) in entries.items():
        item = f"entry {seq}"
        openings = obj(record.get("openings", {}), item, "openings")
        withheld = obj(record.get("withheld", {}), item, "withheld")
        try:
            sealed = dict(commitments(entry["body"]))
        except ValueError as error:
            raise Failure(item, str(error))
        for pointer in sorted(set(openings) & set(withheld)):
            raise Failure(item, f"{pointer} is both opened and withheld")
        for pointer in sorted(set(openings) | set(withheld)):
            require(pointer in sealed, item, f"{pointer} is opened or withheld but is no commitment")
        for pointer in sorted(sealed):
            require(pointer in openings or pointer in withheld, item, f"commitment {pointer} is neither opened nor withheld")
        for pointer, name in withheld.items():
            require(isinstance(name, str) and name, item, f"withheld {pointer} does not name the field")
        body = copy.deepcopy(entry["body"])
        for pointer, opening in sorted(openings.items()):
            obj(opening, item, f"opening {pointer}", ["salt", "value"])
            salt = hex32(opening["salt"], item, f"the salt of {pointer}")
            try:
                digest = sha256(salt + jcs_bytes(opening["value"]))
            except UnicodeError:
                raise Failure(item, f"opening {pointer} holds a lone surrogate")
            require(digest == sealed[pointer], item, f"opening {pointer} does not match its commitment")
            if pointer:
                container, key = resolve(body, pointer, parent=True)
                container[int(key) if isinstance(container, list) else key] = opening["value"]
            else:
                body = opening["value"]
        opened[seq] = body
    return opened


def check_submissions(entries, origin):
    """Item 4: every epcis.event entry's body hash is signed in an earlier submission of the bundle."""
    keys = {}  # actor → [{"id", "key", "from", "until"}], from the actor's entries in the bundle
    signed = {}  # body hash → (submission seq, its actor), for submissions whose signature verifies
    for seq, (entry, _) in entries.items():
        item, body, kind = f"entry {seq}", entry["body"], entry["type"]
        if kind == "actor.register":
            obj(body, item, "the registration")
            raw = decode_key(body.get("key"), item)
            keys.setdefault(body.get("id"), []).append(
                {"id": sha256(raw).hex()[:16], "key": raw, "from": seq, "until": None})
        elif kind == "actor.key-rotate":
            obj(body, item, "the rotation")
            raw = decode_key(body.get("key"), item)
            held = keys.get(body.get("actor"))
            require(held, item, f"rotates a key of {body.get('actor')!r}, whose registration is not in the bundle")
            for key in held:  # the current key ends here
                if key["until"] is None:
                    key["until"] = seq
            held.append({"id": sha256(raw).hex()[:16], "key": raw, "from": seq, "until": None})
        elif kind == "actor.key-revoke":
            obj(body, item, "the revocation")
            matches = [k for k in keys.get(body.get("actor"), []) if k["id"] == body.get("keyID")]
            require(matches, item, f"revokes key {body.get('keyID')!r} of {body.get('actor')!r}, not in the bundle")
            for key in matches:
                key["until"] = seq if key["until"] is None else min(key["until"], seq)
        elif kind == "submission":
            obj(body, item, "the submission")
            require(body.get("actor") == entry["actor"], item, "the submission's actor is not the entry's")
            valid = [k for k in keys.get(entry["actor"], []) if k["id"] == body.get("key")
                     and k["from"] <= seq and (k["until"] is None or seq < k["until"])]
            require(valid, item, f"key {body.get('key')!r} is not a key of {entry['actor']!r} valid at this point")
            try:
                signature = base64.b64decode(body.get("signature", ""), validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise Failure(item, "the signature is not base64")
            message = {k: v for k, v in body.items() if k != "signature"}
            message["origin"] = origin
            try:
                Ed25519PublicKey.from_public_bytes(valid[0]["key"]).verify(
                    signature, b"celltrace-submission/v1\n" + jcs_bytes(message))
            except (InvalidSignature, UnicodeError):
                raise Failure(item, f"the submission's signature by {entry['actor']} does not verify")
            require(isinstance(body.get("events"), list), item, "the submission lists no events")
            for digest in body["events"]:
                signed[digest] = (seq, entry["actor"])
        elif kind == "epcis.event":
            digest = sha256(jcs_bytes(body)).hex()
            require(digest in signed, item, "the event's body hash is in no earlier submission of the bundle")
            require(signed[digest][1] == entry["actor"], item,
                    f"the event's actor is not that of submission {signed[digest][0]}")


def decode_key(text, item):
    try:
        raw = b64(text) if isinstance(text, str) else b""
    except Invalid:
        raw = b""
    require(len(raw) == 32, item, "the key is not a base64 raw Ed25519 public key")
    return raw


# ---- §1.3–§1.5 and §1.6 item 5: operands, the trace and the footprint ------------------------------

class Withheld(Exception):
    """An operand on a field the profile withholds: what needs it is stated, not recomputed."""


class Operands:
    """Checks every operand against the field it names, then hands out their bases."""

    def __init__(self, entries, opened):
        self.entries, self.opened = entries, opened

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
        require(("key" in o) <= (self.entries[seq][0]["type"] == "factors.table"), item,
                "a factor operand is not on a factors.table entry")
        value = self.read(seq, o["at"], item)
        if o.get("withheld") is True:
            require("base" not in o and isinstance(value, dict) and "$commit" in value, item,
                    "marked withheld, but the field is not withheld")
            return
        require("withheld" not in o and isinstance(o.get("base"), float), item, "the operand has no base")
        require(not (isinstance(value, dict) and "$commit" in value), item, "the field is withheld")
        require(isinstance(value, float) or (isinstance(value, str) and re.fullmatch(
            r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", value)), item,
            "the field is not a number or a decimal string")
        value = float(value)
        if "uomAt" in o:
            units = UNITS.get(o.get("dimension"), {})
            code = self.read(seq, o["uomAt"], f"{path} (entry {seq} {o['uomAt']})")
            require(code in units, item, f"unit {code!r} is not a {o.get('dimension')} unit")
            value *= units[code]
        require(o.get("dimension", "mass") in UNITS, item, f"unknown dimension {o.get('dimension')!r}")
        value *= o.get("scale", 1.0)
        require(close(value, o["base"], 0), item, f"the field gives {es_number(value)}, not base {es_number(o['base'])}")

    def read(self, seq, pointer, item):
        try:
            return resolve(self.opened[seq], pointer)
        except KeyError:
            raise Failure(item, "no such field")

    def base(self, o, item):
        """An operand's or constant's base (both checked by check_all); Withheld if withheld."""
        require(isinstance(o, dict) and ("at" in o or "rule" in o), item, "is not an operand or a constant")
        if o.get("withheld"):
            raise Withheld(f"entry {es_number(o['entry'])} {o['at']} is withheld")
        return o["value"] if "rule" in o else o["base"]

    def on(self, o, seq, item):
        """An operand that must be a field of entry `seq`, and its base."""
        require(isinstance(o, dict) and o.get("entry") == seq, item, f"is not a field of entry {es_number(seq)}")
        return self.base(o, item)

    def emissions(self, part, item):
        """E by method: the sum of the terms of that method and of `all` (Docs/EXPORTS.md §1.5)."""
        e = dict.fromkeys(METHODS, 0.0)
        for j, term in enumerate(part.get("terms") or []):
            where = f"{item} term {j}"
            obj(term, where, "the term", ["what", "method", "amount", "factor", "kgCO2e"])
            require(term["what"] in ("electricity", "fuel", "transport", "direct"), where, "unknown term")
            require(term["method"] in METHODS + ("all",), where, f"unknown method {term['method']!r}")
            x = math.prod(self.on(a, part["entry"], f"{where} amount {i}") for i, a in enumerate(term["amount"]))
            factor = term["factor"]
            if isinstance(factor, dict) and "key" not in factor and "rule" not in factor:
                self.on(factor, part["entry"], f"{where} factor")  # a factor the event states is on the event
            x *= self.base(factor, f"{where} factor")
            require(isinstance(term["kgCO2e"], float) and close(x, term["kgCO2e"]), where,
                    f"kgCO2e {term['kgCO2e']} stated, {es_number(x)} recomputed")
            for m in METHODS if term["method"] == "all" else (term["method"],):
                e[m] += x
        return e


def check_trace(trace, ops):
    """§1.4: the lots in an order where each comes before its inputs, and the mass flowing to each."""
    obj(trace, "trace", "the trace", ["roots", "lots"])
    lots, position = {}, {}
    for i, lot in enumerate(trace["lots"]):
        obj(lot, f"trace lot {i}", "the lot", ["lot", "entry", "kg", "inputs", "outputs"],
            ["material", "facility", "country"])
        require(lot["lot"] not in lots, f"trace lot {lot['lot']}", "is listed twice")
        lots[lot["lot"]], position[lot["lot"]] = lot, i
    for name, lot in lots.items():
        item = f"trace lot {name}"
        for edge in lot["inputs"]:
            require(position.get(edge.get("lot"), -1) > position[name], item,
                    f"input {edge.get('lot')} is not listed after the lot")
        require([o.get("lot") for o in lot["outputs"]].count(name) == 1, item, "is not among its outputs, once")
    roots = {}
    for i, root in enumerate(trace["roots"]):
        item = f"trace root {i}"
        require(isinstance(root, dict) and root.get("lot") in lots, item, "names no lot of the trace")
        kg = (count(root["cells"], item, "cells") * ops.base(root.get("cellMass"), item)) if "cells" in root \
            else ops.base(root.get("kg"), item)
        roots[root["lot"]] = roots.get(root["lot"], 0.0) + kg
    return lots, roots


def recompute_trace(lots, roots, ops):
    flow = {name: roots.get(name, 0.0) for name in lots}
    for name, lot in lots.items():  # in the listed order: every lot before its inputs
        item = f"trace lot {name}"
        out = sum(ops.on(o.get("kg"), lot["entry"], f"{item} output {o.get('lot')}") for o in lot["outputs"])
        require(out > 0, item, "its outputs weigh nothing")
        for edge in lot["inputs"]:
            flow[edge["lot"]] += flow[name] * ops.on(edge.get("kg"), lot["entry"], f"{item} input {edge['lot']}") / out
        require(isinstance(lot["kg"], float) and close(lot["kg"], flow[name]), item,
                f"{lot['kg']} kg stated, {es_number(flow[name])} recomputed")


def check_footprint(bundle, lots, roots, ops):
    """§1.5: recomputes every part from the working; returns how the footprint was checked."""
    footprint = obj(bundle["footprint"], "footprint", "the footprint")
    stated, total = footprint.get("contributions"), obj(footprint.get("total"), "footprint", "total")
    require(isinstance(stated, list), "footprint", "contributions is not a list")
    contributions, sums = {}, {(m, s): 0.0 for m in METHODS for s in STAGES}
    for i, c in enumerate(stated):
        item = f"contribution {i}"
        obj(c, item, "the contribution", ["kind", "lot", "entry", "stage", "primary", "kgCO2e"])
        item += f" ({c['kind']}, lot {c['lot']}, entry {es_number(c['entry'])})"
        obj(c["kgCO2e"], item, "kgCO2e", METHODS)
        require(c["stage"] in STAGES and all(isinstance(c["kgCO2e"][m], float) for m in METHODS), item,
                "unknown stage or a kgCO2e that is not a number")
        key = (c["kind"], None if c["kind"] == "assembly" else c["lot"], c["entry"])
        require(key not in contributions, item, "is listed twice")
        contributions[key] = (item, c)
        for m in METHODS:
            sums[m, c["stage"]] += c["kgCO2e"][m]
    for m in METHODS:
        obj(total.get(m), "footprint", f"total {m}", STAGES)
        for s in STAGES:
            require(isinstance(total[m][s], float) and close(total[m][s], sums[m, s]), "footprint",
                    f"total {m} {s} {total[m][s]} is not the sum of the contributions, {es_number(sums[m, s])}")
    if "working" not in footprint:
        require(bundle["profile"] == "public", "footprint", f"has no working, though the profile is {bundle['profile']}")
        return "footprint stated, not recomputed (profile public: no working)"
    working = obj(footprint["working"], "working", "the working", ["lots"], ["assembly"])
    try:
        recomputed = recompute_footprint(working, lots, roots, ops)
    except Withheld as why:
        return f"footprint stated, not recomputed ({why})"
    for key, (item, c) in contributions.items():
        require(key in recomputed, item, "is not a part of the working")
        part, kg = recomputed.pop(key)
        require((c["stage"], c["primary"]) == (part["stage"], part["primary"]), item, "stage or primary differs")
        for m in METHODS:
            require(close(c["kgCO2e"][m], kg[m]), item, f"{m} {c['kgCO2e'][m]} stated, {es_number(kg[m])} recomputed")
    for kind, lot, entry in recomputed:
        raise Failure("footprint", f"the {kind} part of {lot or 'the assembly'} (entry {es_number(entry)}) is not among the contributions")
    return "footprint recomputed"


def recompute_footprint(working, lots, roots, ops):
    """Each part's kg CO2e in the subject, by (kind, lot, entry); raises Withheld when it cannot."""
    wlots = {}
    for i, wlot in enumerate(working["lots"]):
        item = f"working lot {wlot.get('lot') if isinstance(wlot, dict) else i}"
        obj(wlot, item, "the lot", ["lot", "counts", "parts"])
        require(wlot["lot"] in lots and wlot["lot"] not in wlots, item, "is not a lot of the trace, once")
        require(wlot["counts"] in ("process", "no-data", "none"), item, "counts is not process, no-data or none")
        kinds = [p.get("kind") if isinstance(p, dict) else None for p in wlot["parts"]]
        main = {"process": "process", "no-data": "no-data", "none": "default"}[wlot["counts"]]
        require(sorted(kinds) == sorted([main] + ["shipment"] * (len(kinds) - 1)), item,
                f"parts are not one {main} part and shipments")
        wlots[wlot["lot"]] = wlot
    weight, result = {name: roots.get(name, 0.0) for name in lots}, {}
    for name, lot in lots.items():  # every lot before its inputs, as the trace checked
        item = f"working lot {name}"
        if name not in wlots:
            require(weight[name] == 0, item, "the lot reaches the subject but has no working")
            continue
        outputs = {o["lot"]: ops.on(o.get("kg"), lot["entry"], f"trace lot {name} output {o['lot']}")
                   for o in lot["outputs"]}
        own, share, rate = outputs[name], 1.0, 0.0
        for j, part in enumerate(wlots[name]["parts"]):
            where = f"{item} part {j}"
            require(part.get("stage") in STAGES and isinstance(part.get("primary"), bool), where,
                    "stage or primary is missing or unknown")
            per_kg = dict.fromkeys(METHODS, 0.0)
            if part["kind"] == "process":
                require(part.get("entry") == lot["entry"], where, "is not the event that made the lot")
                share = allocation_share(part, name, outputs, ops, where)
                per_kg = {m: e * share / own for m, e in ops.emissions(part, where).items()}
            elif part["kind"] == "shipment":
                moved = ops.on(part.get("moved"), part.get("entry"), f"{where} moved")
                shipped = sum(ops.on(s, part["entry"], f"{where} shipped") for s in part.get("shipped") or [])
                require(part["moved"] in part["shipped"] and shipped > 0, where, "moved is not among shipped")
                per_kg = {m: e * moved / shipped / own for m, e in ops.emissions(part, where).items()}
            elif part["kind"] == "default":
                per_kg = dict.fromkeys(METHODS, ops.base(part.get("factor"), f"{where} factor"))
            if weight[name] > 0:
                result[part["kind"], name, part.get("entry")] = (part, {m: per_kg[m] * weight[name] for m in METHODS})
        counts = wlots[name]["counts"]
        rate = share / own if counts == "process" else 1 / sum(outputs.values()) if counts == "no-data" else 0.0
        for edge in lot["inputs"]:
            weight[edge["lot"]] += weight[name] * rate * ops.on(edge["kg"], lot["entry"], f"trace lot {name} input")
    for i, step in enumerate(working.get("assembly", [])):
        item = f"working assembly {i}"
        obj(step, item, "the assembly step", ["entry", "stage", "primary", "terms"])
        require(step["stage"] in STAGES and isinstance(step["primary"], bool), item, "unknown stage or primary")
        result["assembly", None, step["entry"]] = (step, ops.emissions(step, item))
    return result


def allocation_share(part, lot, outputs, ops, item):
    """The lot's share s of the process: 1, by mass, or by mass × price (an unpriced output 0)."""
    allocation = obj(part.get("allocation"), item, "the allocation", ["method", "reason"], ["prices"])
    if allocation["method"] == "single":
        require(len(outputs) == 1, item, "single allocation, but the event has several outputs")
        return 1.0
    if allocation["method"] == "mass":
        return outputs[lot] / sum(outputs.values())
    require(allocation["method"] == "economic", item, "unknown allocation method")
    prices = obj(allocation.get("prices", {}), item, "prices")
    value = {o: kg * (ops.base(prices[o], f"{item} price of {o}") if o in prices else 0.0) for o, kg in outputs.items()}
    require(sum(value.values()) > 0, item, "the outputs are worth nothing")
    return value[lot] / sum(value.values())


# ---- §1.5 item 6 and the command line ---------------------------------------------------------------

def check_consistency(bundle, size, root, old_text, vkey):
    """Item 6: the tree at treeSize extends the one of the OLD checkpoint."""
    try:
        origin, old_size, old_root = parse_checkpoint(verify_note(old_text, vkey))
    except Invalid as error:
        raise Failure("since-checkpoint", str(error))
    require(origin == bundle["origin"], "since-checkpoint", "the old checkpoint is of another origin")
    proofs = [p for p in bundle.get("consistency", []) if isinstance(p, dict) and p.get("fromSize") == old_size]
    require(len(proofs) == 1, "consistency", f"the bundle has no consistency proof from size {old_size}, once")
    require(isinstance(proofs[0].get("proof"), list), "consistency", "proof is not a list")
    proof = [hex32(h, "consistency", "a proof hash") for h in proofs[0]["proof"]]
    try:
        new_root = root_from_consistency(old_size, size, old_root, proof)
    except Invalid as error:
        raise Failure("consistency", f"from size {old_size}: {error}")
    require(new_root == root, "consistency", f"the proof from size {old_size} does not lead to the checkpoint root")


def verify(bundle, vkey, old_text=None):
    size, root = check_format_and_checkpoint(bundle, vkey)
    entries = check_entries(bundle, size, root)
    opened = check_openings(entries)
    check_submissions(entries, bundle["origin"])
    ops = Operands(entries, opened)
    ops.check_all(bundle["trace"], "trace")
    ops.check_all(bundle["footprint"], "footprint")
    lots, roots = check_trace(bundle["trace"], ops)
    try:
        recompute_trace(lots, roots, ops)
        trace = "trace recomputed"
    except Withheld as why:
        trace = f"trace stated, not recomputed ({why})"
    footprint = check_footprint(bundle, lots, roots, ops)
    if old_text is not None:
        check_consistency(bundle, size, root, old_text, vkey)
    return len(entries), trace, footprint


def main(argv):
    args, as_json, old_path = argv[1:], "--json" in argv[1:], None
    args = [a for a in args if a != "--json"]
    if "--since-checkpoint" in args:
        at = args.index("--since-checkpoint")
        old_path = args[at + 1] if at + 1 < len(args) else None
        args = args[:at] + args[at + 2:]
        if old_path is None:
            return usage()
    if len(args) != 2 or any(a.startswith("--") for a in args):
        return usage()
    bundle_path, vkey_text, old_text = args[0], args[1], None
    try:
        if "+" not in vkey_text:  # a file holding the vkey
            with open(vkey_text, encoding="utf-8") as f:
                vkey_text = f.read()
        vkey = parse_vkey(vkey_text)
        if old_path is not None:
            with open(old_path, encoding="utf-8") as f:
                old_text = f.read()
        with open(bundle_path, "rb") as f:
            bundle = parse_json(f.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeError, Invalid) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        print(f"error: {bundle_path} is not a {FORMAT} bundle", file=sys.stderr)
        return 2
    result = {"bundle": bundle_path, "subject": bundle.get("subject"), "profile": bundle.get("profile")}
    try:
        result["entries"], result["trace"], result["footprint"] = verify(bundle, vkey, old_text)
        result["verified"] = True
    except Failure as failure:
        result.update(verified=False, item=failure.item, message=failure.message)
    if as_json:
        print(json.dumps(result, indent=2, sort_keys=True))
    elif result["verified"]:
        since = " and consistent with the old checkpoint" if old_text is not None else ""
        print(f"OK: {result['entries']} entries of {result['subject']} verified against {bundle['origin']} "
              f"at size {es_number(bundle['treeSize'])}{since}; {result['trace']}; {result['footprint']}")
    else:
        print(f"NOT VERIFIED: {result['item']}: {result['message']}")
    return 0 if result["verified"] else 1


def usage():
    print("\n".join(__doc__.strip().splitlines()[-2:]), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
