#!/usr/bin/env python3
"""Independent verifier for CellTrace inclusion proofs.

Checks, with nothing but Python's standard library and `cryptography`, that an entry (its
canonical bytes, as `celltrace log` prints them) is included in a CellTrace ledger under a signed
checkpoint. It follows Docs/LEDGER-FORMAT.md, RFC 9162 §2.1.3 and the C2SP signed-note,
tlog-checkpoint and tlog-proof formats, and shares no code with CellTrace. verify_bundle.py imports
its signed-note and RFC 9162 (inclusion and consistency) functions.

usage: verify_proof.py PROOF ENTRY VKEY|VKEY-FILE   exit 0 verified, 1 not verified, 2 bad usage
"""
import base64
import binascii
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MAX_SIGNATURES = 100


class Invalid(Exception):
    pass


def b64(text):
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise Invalid(f"not base64: {text!r}")
    if base64.b64encode(raw).decode() != text:
        raise Invalid(f"not canonical base64: {text!r}")
    return raw


def parse_vkey(vkey):
    # name+hex-id+base64; base64 may itself contain '+', so split on the first two only.
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not parts[0] or len(parts[1]) != 8:
        raise Invalid("a vkey is name+8 hex digits+base64")
    name, key_id, key = parts[0], bytes.fromhex(parts[1]), b64(parts[2])
    if len(key) != 33 or key[0] != 0x01:
        raise Invalid("only Ed25519 vkeys (type 0x01, 32-byte key) are supported")
    if hashlib.sha256(name.encode() + b"\n" + key).digest()[:4] != key_id:
        raise Invalid("the vkey's key id does not match its name and key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(key[1:])


def verify_note(note, vkey):
    """Returns the note's text once a signature by `vkey` verifies (C2SP signed-note)."""
    name, key_id, public_key = vkey
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise Invalid("a signed note is text, a blank line and signature lines")
    text += "\n"
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise Invalid("too many signatures")
    for line in lines:
        if not line.startswith("\u2014 "):
            raise Invalid(f"not a signature line: {line!r}")
        signer, _, blob = line[2:].rpartition(" ")
        raw = b64(blob)
        if signer != name or len(raw) < 4 or raw[:4] != key_id:
            continue  # another key's signature: ignored, as the spec says
        try:
            public_key.verify(raw[4:], text.encode())
            return text
        except InvalidSignature:
            raise Invalid(f"the signature by {name} does not verify")
    raise Invalid(f"no signature by {name}")


def parse_checkpoint(text):
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise Invalid("a checkpoint is origin, size and root hash lines")
    root = b64(lines[2])
    if len(root) != 32:
        raise Invalid("the root hash is not 32 bytes")
    return lines[0], int(lines[1]), root


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf_hash, proof):
    """RFC 9162 §2.1.3.2, with the proof length checked against (index, size)."""
    if index >= size:
        raise Invalid(f"index {index} is not below the tree size {size}")
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    if len(proof) != inner + border:
        raise Invalid(f"the proof has {len(proof)} hashes; index {index} in size {size} needs {inner + border}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if len(p) != 32:
            raise Invalid("a proof hash is not 32 bytes")
        if sn == 0:
            raise Invalid("the proof is longer than the path")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Invalid("the proof is shorter than the path")
    return r


def root_from_consistency(old_size, size, old_root, proof):
    """RFC 9162 §2.1.4.2: the new root a consistency proof leads to from the old root."""
    if not 0 < old_size <= size:
        raise Invalid(f"old size {old_size} is not between 1 and the new size {size}")
    if any(len(h) != 32 for h in proof):
        raise Invalid("a proof hash is not 32 bytes")
    if old_size == size:
        if proof:
            raise Invalid("equal sizes take an empty proof")
        return old_root
    if not proof:
        raise Invalid("the proof is empty")
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        proof = [old_root] + proof
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise Invalid("the proof is longer than the path")
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Invalid("the proof is shorter than the path")
    if fr != old_root:
        raise Invalid("the proof does not start from the old root")
    return sr


def verify(proof_text, entry_bytes, vkey_text):
    vkey = parse_vkey(vkey_text)
    head, separator, note = proof_text.partition("\n\n")
    if not separator:
        raise Invalid("a tlog-proof has a blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise Invalid("not a c2sp.org/tlog-proof@v1 proof")
    lines = lines[1:]
    if lines and lines[0].startswith("extra "):
        lines = lines[1:]  # unauthenticated extra data: not used
    if not lines or not lines[0].startswith("index "):
        raise Invalid("missing index line")
    index_text = lines[0][len("index "):]
    if not index_text.isdigit() or (index_text != "0" and index_text.startswith("0")):
        raise Invalid("the index is not a decimal without leading zeros")
    proof = [b64(line) for line in lines[1:]]
    origin, size, root = parse_checkpoint(verify_note(note, vkey))
    if entry_bytes.endswith(b"\n"):
        entry_bytes = entry_bytes[:-1]
    leaf_hash = hashlib.sha256(b"\x00" + entry_bytes).digest()
    if root_from_inclusion(int(index_text), size, leaf_hash, proof) != root:
        raise Invalid("the entry is not included: the proof leads to another root")
    return origin, int(index_text), size


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        proof_text = f.read()
    with open(argv[2], "rb") as f:
        entry_bytes = f.read()
    vkey_text = argv[3]
    if "+" not in vkey_text:  # a file holding the vkey
        with open(vkey_text, encoding="utf-8") as f:
            vkey_text = f.read()
    try:
        origin, index, size = verify(proof_text, entry_bytes, vkey_text)
    except Invalid as error:
        print(f"NOT VERIFIED: {error}")
        return 1
    print(f"OK: entry {index} is included in {origin} at size {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
