#!/usr/bin/env python3
"""Independent verifier for CellTrace inclusion and consistency proofs.

Checks, with nothing but Python's standard library and `cryptography`, that an entry (its
canonical bytes, as `celltrace log` prints them; one trailing newline is ignored) is included in a
CellTrace ledger under a signed checkpoint. It follows Docs/LEDGER-FORMAT.md, RFC 9162 §2.1.3 and
the C2SP signed-note, tlog-checkpoint and tlog-proof formats, and shares no code with CellTrace.
verify_bundle.py imports its signed-note and RFC 9162 (inclusion and consistency) functions.

Parsing is as strict as CellTrace's own (`celltrace verify-proof`): UTF-8 text of at most 1 MiB
with no control character but newline, every line ending in a newline, canonical base64 (padding
and unused bits) everywhere, decimals in ASCII digits without leading zeros that fit 64 bits, at
most 64 proof hashes and 100 signature lines, every signature line well formed. The checkpoint's
origin must be the vkey's name; every signature line with the vkey's name and key ID must
verify, and at least one must; lines of other keys are ignored. VKEY is the vkey text
(name+hex-id+base64) or, when it holds no "+", a file holding it (surrounding white space ignored).

With --consistency it checks instead that a later signed checkpoint extends an older tree
(RFC 9162 §2.1.4.2), as `celltrace verify-proof PROOF --old OLD --checkpoint NEW` does. PROOF is
what `celltrace prove consistency` prints: canonical base64 hashes, one per line, or its --json
object (from, to, root1, root2, proof; from and to must be OLD's and NEW's sizes, root1 and root2
their roots). OLD is a signed checkpoint of the vkey, or a JSON export (a PACT footprint, a battery
passport) whose one `ledger` member gives origin, size (a decimal string) and rootHash; it must be
of the vkey's origin. NEW is the later signed checkpoint, which the vkey must sign.

usage: verify_proof.py PROOF ENTRY VKEY|VKEY-FILE
       verify_proof.py --consistency PROOF OLD NEW VKEY|VKEY-FILE
exit 0 verified; 1 not verified (an inclusion proof that does not parse, a checkpoint not signed by
the vkey, a proof that does not include the entry or does not lead from the old root to the new);
2 bad usage or bad input (a bad vkey, an unreadable file, a file that is not UTF-8, and with
--consistency a proof, checkpoint or export that does not have its form)
"""
import base64
import hashlib
import json
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MAX_SIGNATURES = 100
MAX_HASHES = 64
MAX_SIZE = 1 << 20  # bytes, of a note, checkpoint or proof
HEADER = b"c2sp.org/tlog-proof@v1"
SIGNATURE_PREFIX = "\u2014 ".encode()  # an em dash and a space
# Unicode's White_Space property, which no key name may hold (as Swift's Unicode.Scalar.Properties.isWhitespace).
WHITE_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                        "\u200a\u2028\u2029\u202f\u205f\u3000")
BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


class Invalid(Exception):
    pass


class BadInput(Exception):
    """Bad usage or input (exit 2), as opposed to a proof that does not verify (Invalid, exit 1)."""


def utf8(text):
    """The UTF-8 bytes of a str (or bytes as they are)."""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("the text is not valid UTF-8")


def shown(raw, limit=60):
    """A short printable form of bytes for a message."""
    text = repr(raw.decode("utf-8", "replace"))
    return text if len(text) <= limit else text[:limit] + "…"


def b64(text):
    """Decodes standard base64 strictly: padded, no white space, zero unused bits (one spelling per value)."""
    raw = utf8(text)
    if not BASE64.fullmatch(raw):
        raise Invalid(f"not canonical base64: {shown(raw)}")
    decoded = base64.b64decode(raw)
    if base64.b64encode(decoded) != raw:
        raise Invalid(f"not canonical base64 (unused bits set): {shown(raw)}")
    return decoded


def decimal(raw):
    """An unsigned decimal of ASCII digits, no leading zeros but "0" itself, below 2^64; else None."""
    raw = utf8(raw)
    if not 0 < len(raw) <= 20 or (raw[0] == 0x30 and len(raw) > 1) or any(not 0x30 <= c <= 0x39 for c in raw):
        return None
    value = int(raw)
    return value if value < 1 << 64 else None


def is_key_name(name):
    """Non-empty, no Unicode white space, no "+", no control character (signed-note §Format)."""
    return bool(name) and not any(c in WHITE_SPACE or c == "+" or ord(c) < 0x20 for c in name)


def validated_text(raw, what):
    """Checks the size, that no control character but newline occurs, and UTF-8; returns the str."""
    if len(raw) > MAX_SIZE:
        raise Invalid(f"the {what} is {len(raw)} bytes long, more than the {MAX_SIZE} accepted")
    for position, byte in enumerate(raw):
        if byte < 0x20 and byte != 0x0A:
            name = "a carriage return (CRLF line ends are not allowed)" if byte == 0x0D else f"control character {byte}"
            raise Invalid(f"the {what} contains {name} at byte {position}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"the {what} is not valid UTF-8")


def lines_of(raw):
    """Splits text that ends in a newline at each newline: b"a\\n\\nb\\n" gives [b"a", b"", b"b"]."""
    lines = raw.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def parse_vkey(vkey, strip=True):
    """name+8 lower-case hex digits+base64(0x01 || Ed25519 key); returns (name, key ID bytes, public key)."""
    if strip:
        vkey = vkey.strip()
    # The base64 may itself contain '+', so split on the first two only.
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise Invalid("a vkey has the form name+keyid+key, with two \"+\" at least")
    name, id_text, key_text = parts
    if not is_key_name(name):
        raise Invalid(f"the vkey's key name {name!r} is empty or holds spaces or control characters")
    try:
        name_bytes = utf8(name)
    except Invalid:
        raise Invalid("the vkey's key name is not valid UTF-8")
    if len(id_text) != 8 or any(c not in "0123456789abcdef" for c in id_text):
        raise Invalid(f"the vkey for {name} has a key ID that is not 8 lower-case hex digits")
    try:
        key = b64(key_text)
    except Invalid:
        raise Invalid(f"the vkey for {name} has a key that is not canonical base64")
    if not key:
        raise Invalid(f"the vkey for {name} has an empty key")
    if key[0] != 0x01:
        raise Invalid(f"the vkey for {name} has signature type {key[0]}; only Ed25519 (1) is supported")
    if len(key) != 33:
        raise Invalid(f"the vkey for {name} has no Ed25519 public key: it has {len(key) - 1} bytes, not 32")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key[1:])
    except ValueError:
        raise Invalid(f"the vkey for {name} has no Ed25519 public key")
    key_id = hashlib.sha256(name_bytes + b"\n" + key).digest()[:4]
    if key_id.hex() != id_text:
        raise Invalid(f"the vkey for {name} claims key ID {id_text}, but its name and key give {key_id.hex()}")
    return name, key_id, public_key


def parse_note(note):
    """Splits a C2SP signed note into its text (bytes) and [(name bytes, key ID, signature)], strictly."""
    raw = utf8(note)
    validated_text(raw, "signed note")
    split = raw.rfind(b"\n\n")  # the text ends at the first newline of the last blank line
    if split < 0:
        raise Invalid("the signed note has no blank line before its signatures")
    text, block = raw[:split + 1], raw[split + 2:]
    if not block.endswith(b"\n"):
        raise Invalid("the signed note does not end with a signature line and a newline")
    lines = lines_of(block)
    if len(lines) > MAX_SIGNATURES:
        raise Invalid(f"the signed note has {len(lines)} signature lines, more than the {MAX_SIGNATURES} accepted")
    signatures = []
    for number, line in enumerate(lines, 1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise Invalid(f"signature line {number} does not start with an em dash and a space")
        name, space, encoded = line[len(SIGNATURE_PREFIX):].partition(b" ")
        if not space:
            raise Invalid(f"signature line {number} has no space between key name and signature")
        if not is_key_name(name.decode("utf-8")):  # validated_text checked the UTF-8
            raise Invalid(f"signature line {number} has an empty or invalid key name")
        try:
            decoded = b64(encoded)
        except Invalid:
            raise Invalid(f"the signature on line {number} is not canonical base64")
        if len(decoded) < 5:
            raise Invalid(f"the signature on line {number} is shorter than a key ID and one byte")
        signatures.append((name, decoded[:4], decoded[4:]))
    return text, signatures


def check_signatures(text, signatures, vkey):
    """Every signature line of the vkey (its name and key ID) must verify, and there must be one."""
    name, key_id, public_key = vkey
    name_bytes, verified = utf8(name), 0
    for number, (signer, signer_id, signature) in enumerate(signatures, 1):
        if signer != name_bytes or signer_id != key_id:
            continue  # another key's signature (a witness, another type): ignored, as the spec says
        try:
            if len(signature) != 64:
                raise InvalidSignature
            public_key.verify(signature, text)
        except InvalidSignature:
            raise Invalid(f"the signature of {name}+{key_id.hex()} on line {number} does not verify")
        verified += 1
    if not verified:
        raise Invalid(f"no signature by {name}+{key_id.hex()}; the note has {len(signatures)} by other keys")


def verify_note(note, vkey):
    """Returns the note's text (str) once a signature by `vkey` verifies (C2SP signed-note)."""
    text, signatures = parse_note(note)
    check_signatures(text, signatures, vkey)
    return text.decode("utf-8")


def parse_checkpoint(text):
    """Checkpoint note text (c2sp.org/tlog-checkpoint) -> (origin, size, root hash)."""
    raw = utf8(text)
    validated_text(raw, "checkpoint")
    if not raw.endswith(b"\n"):
        raise Invalid("the checkpoint text does not end with a newline")
    lines = lines_of(raw)
    if len(lines) < 3:
        raise Invalid(f"a checkpoint has at least 3 lines (origin, size, root), not {len(lines)}")
    for number, line in enumerate(lines, 1):
        if not line:
            raise Invalid(f"checkpoint line {number} is empty")
    size = decimal(lines[1])
    if size is None:
        raise Invalid("the checkpoint size is not a decimal without leading zeros that fits 64 bits")
    try:
        root = b64(lines[2])
    except Invalid:
        root = b""
    if len(root) != 32:
        raise Invalid("the checkpoint root hash is not the canonical base64 of 32 bytes")
    return lines[0].decode("utf-8"), size, root
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


def parse_proof(proof):
    """tlog-proof text -> (extra data or None, index, [hashes], signed checkpoint note bytes)."""
    raw = utf8(proof)
    validated_text(raw, "tlog proof")
    start = 0

    def next_line(what):
        nonlocal start
        end = raw.find(b"\n", start)
        if end < 0:
            raise Invalid(f"the tlog proof ends before its {what}")
        line, start = raw[start:end], end + 1
        return line

    if next_line("header") != HEADER:
        raise Invalid(f"a tlog proof starts with the line {HEADER.decode()}")
    line, extra = next_line("index line"), None
    if line.startswith(b"extra "):
        try:
            extra = b64(line[len(b"extra "):])
        except Invalid:
            raise Invalid("the tlog proof's extra data is not canonical base64")
        line = next_line("index line")
    if not line.startswith(b"index "):
        raise Invalid('the tlog proof has no "index" line after its header')
    index = decimal(line[len(b"index "):])
    if index is None:
        raise Invalid("the tlog proof's index is not a decimal without leading zeros that fits 64 bits")
    hashes = []
    while True:
        line = next_line("blank line before the checkpoint")
        if not line:
            break
        if len(hashes) >= MAX_HASHES:
            raise Invalid(f"the tlog proof has more than {MAX_HASHES} hashes")
        try:
            digest = b64(line)
        except Invalid:
            digest = b""
        if len(digest) != 32:
            raise Invalid(f"proof hash {len(hashes) + 1} of the tlog proof is not the canonical base64 of 32 bytes")
        hashes.append(digest)
    return extra, index, hashes, raw[start:]


def verify(proof, entry_bytes, vkey):
    """Checks a proof (text or UTF-8 bytes) for an entry under a parsed vkey; returns (origin, index, size)."""
    name = vkey[0]
    _, index, hashes, note = parse_proof(proof)
    text, signatures = parse_note(note)
    origin, size, root = parse_checkpoint(text)
    if utf8(origin) != utf8(name):
        raise Invalid(f"the checkpoint is from origin {origin!r}, not the expected {name!r} (the vkey's name)")
    check_signatures(text, signatures, vkey)
    if entry_bytes.endswith(b"\n"):
        entry_bytes = entry_bytes[:-1]
    leaf_hash = hashlib.sha256(b"\x00" + entry_bytes).digest()
    if root_from_inclusion(index, size, leaf_hash, hashes) != root:
        raise Invalid("the entry is not included: the proof leads to another root")
    return origin, index, size


def read(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as error:
        raise BadInput(f"cannot read the {what} {path}: {error.strerror or error}")
    except ValueError as error:  # a path with a NUL byte
        raise BadInput(f"cannot read the {what} {path!r}: {error}")


def read_utf8(path, what):
    try:
        return read(path, what).decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"the {what} {path} is not UTF-8 (byte {error.start})")


def load(argv):
    """Reads the arguments as verify-proof does: the vkey first, then the proof and the entry."""
    proof_path, entry_path, vkey_text = argv[1:]
    vkey = read_vkey(vkey_text)
    proof = read_utf8(proof_path, "proof file").encode("utf-8")
    return proof, read(entry_path, "entry file"), vkey


def read_vkey(vkey_text):
    """The vkey given inline, or in the file it names (a vkey always has a '+')."""
    what = "vkey"
    if "+" not in vkey_text:  # a file holding the vkey
        what = f"vkey file {vkey_text}"
        vkey_text = read_utf8(vkey_text, "vkey file").strip()
    try:
        return parse_vkey(vkey_text, strip=False)
    except Invalid as error:
        raise BadInput(f"{what}: {error}")


MAX_CONSISTENCY_HASHES = 128


TOO_MANY_HASHES = "not a consistency proof: it has more than 128 hashes, more than any ledger's needs"


def parse_consistency_proof(raw):
    """`celltrace prove consistency` output (bytes) -> ([hashes], (from, to, root1, root2) or None); BadInput."""
    if raw.startswith(b"{"):
        try:
            proof = json.loads(raw.decode("utf-8"))
            claims = tuple(proof[k] for k in ("from", "to", "root1", "root2"))
            sizes_ok = all(type(n) in (int, float) and n == int(n) and 0 <= n < 1 << 64 for n in claims[:2])
            roots = [b64(r) for r in claims[2:]]
            hashes = [b64(h) if isinstance(h, str) else b"" for h in proof["proof"]]
            if not sizes_ok or not isinstance(proof["proof"], list) or any(len(r) != 32 for r in roots + hashes):
                raise ValueError
        except (ValueError, KeyError, TypeError, OverflowError, Invalid):
            raise BadInput("not a consistency proof: JSON needs from, to, root1, root2 and proof, as "
                           "`celltrace prove consistency --json` writes them")
        if len(hashes) > MAX_CONSISTENCY_HASHES:
            raise BadInput(TOO_MANY_HASHES)
        return hashes, (int(claims[0]), int(claims[1]), roots[0], roots[1])
    if raw and not raw.endswith(b"\n"):
        raise BadInput("not a consistency proof: its last line has no newline")
    hashes = []
    for number, line in enumerate(lines_of(raw), 1):
        if len(hashes) >= MAX_CONSISTENCY_HASHES:
            raise BadInput(TOO_MANY_HASHES)
        try:
            digest = b64(line)
        except Invalid:
            digest = b""
        if len(digest) != 32:
            raise BadInput(f"not a consistency proof: line {number} is not the base64 of a 32-byte hash")
        hashes.append(digest)
    return hashes, None


def parse_signed_checkpoint(raw, what):
    """A signed checkpoint (bytes) -> (note text, signatures, origin, size, root); BadInput when it is none."""
    try:
        text, signatures = parse_note(raw)
        return (text, signatures) + parse_checkpoint(text)
    except Invalid as error:
        raise BadInput(f"the {what} is not a signed checkpoint: {error}")


def ledger_member(value):
    """An export's `ledger` member -> (origin, size, root), or None when it is not one."""
    if not isinstance(value, dict) or not isinstance(value.get("origin"), str):
        return None
    size, root = value.get("size"), value.get("rootHash")
    if not isinstance(size, str) or not isinstance(root, str):
        return None
    size = decimal(size) if size.isascii() else None
    try:
        root = b64(root)
    except Invalid:
        return None
    return (value["origin"], size, root) if size is not None and len(root) == 32 else None


def parse_old(raw):
    """OLD (bytes): a signed checkpoint -> (origin, size, root, (text, signatures)), or a JSON export whose one
    distinct `ledger` member gives them -> (origin, size, root, None); BadInput otherwise."""
    if not raw.startswith(b"{"):
        text, signatures, origin, size, root = parse_signed_checkpoint(raw, "old file")
        return origin, size, root, (text, signatures)
    try:
        document = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise BadInput("the old file is neither a signed checkpoint nor JSON")
    found = []

    def search(value):
        if isinstance(value, dict):
            for name, member in value.items():
                tree = ledger_member(member) if name == "ledger" else None
                if tree and not any(t[1:] == tree[1:] for t in found):
                    found.append(tree)
                search(member)
        elif isinstance(value, list):
            for element in value:
                search(element)

    search(document)
    if len(found) != 1:
        raise BadInput("the old file holds no ledger member with origin, size and rootHash" if not found else
                       f"the old file holds {len(found)} ledger members of different trees")
    return found[0] + (None,)


def verify_consistency(proof, old, new, vkey):
    """Checks that NEW, signed by the vkey, extends OLD through the proof (all bytes); parsing first (BadInput),
    then the checks (Invalid). Returns (origin, old size, size, old root)."""
    hashes, claims = parse_consistency_proof(proof)
    old_origin, old_size, old_root, old_note = parse_old(old)
    text, signatures, origin, size, root = parse_signed_checkpoint(new, "later checkpoint")
    name = vkey[0]
    if utf8(origin) != utf8(name):
        raise Invalid(f"the later checkpoint is from origin {origin!r}, not the expected {name!r} (the vkey's name)")
    check_signatures(text, signatures, vkey)
    if old_note is not None:
        check_signatures(old_note[0], old_note[1], vkey)
    if utf8(old_origin) != utf8(name):
        raise Invalid(f"the old tree is of origin {old_origin!r}, not the vkey's {name!r}")
    if claims is not None:
        for claimed, actual, what in ((claims[0], old_size, "from size is not the old size"),
                                      (claims[1], size, "to size is not the later checkpoint's"),
                                      (claims[2], old_root, "root1 is not the old root"),
                                      (claims[3], root, "root2 is not the later checkpoint's root")):
            if claimed != actual:
                raise Invalid(f"the proof's {what}")
    if old_size > size:
        raise Invalid(f"the later checkpoint (size {size}) is older than the old tree (size {old_size})")
    if root_from_consistency(old_size, size, old_root, hashes) != root:
        raise Invalid(f"the proof does not lead from the tree of size {old_size} to the checkpoint's root")
    return origin, old_size, size, old_root


def consistency_main(argv):
    proof_path, old_path, new_path, vkey_text = argv[2:]
    try:
        vkey = read_vkey(vkey_text)
        files = [read_utf8(path, what).encode("utf-8") for path, what in
                 ((proof_path, "proof file"), (old_path, "old file"), (new_path, "checkpoint file"))]
        try:
            origin, old_size, size, old_root = verify_consistency(*files, vkey)
        except Invalid as error:
            print(f"NOT VERIFIED: {proof_path}: {error}")
            return 1
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug here must not pass for a verification, nor end in a traceback
        print(f"NOT VERIFIED: {proof_path}: internal error ({type(error).__name__}: {error})")
        return 1
    root = base64.b64encode(old_root).decode()
    print(f"OK: {origin} at size {size} extends its tree of size {old_size}, root {root}")
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "--consistency":
        return consistency_main(argv)
    if len(argv) != 4:
        print("usage: verify_proof.py PROOF ENTRY VKEY|VKEY-FILE, or verify_proof.py --consistency PROOF OLD NEW "
              "VKEY|VKEY-FILE  (exit 0 verified, 1 not verified, 2 bad usage or input)", file=sys.stderr)
        return 2
    try:
        proof, entry_bytes, vkey = load(argv)
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        origin, index, size = verify(proof, entry_bytes, vkey)
    except Invalid as error:
        print(f"NOT VERIFIED: {argv[1]}: {error}")
        return 1
    except Exception as error:  # a bug here must not pass for a verification, nor end in a traceback
        print(f"NOT VERIFIED: {argv[1]}: internal error ({type(error).__name__}: {error})")
        return 1
    print(f"OK: entry {index} is included in {origin} at size {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
