#!/usr/bin/env python3
"""Self-test of verify_proof.py, on test material it builds itself (no celltrace binary needed).

It makes an Ed25519 ledger key, RFC 9162 trees of 1 to 17 entries, C2SP signed checkpoints and
tlog proofs in the text form `celltrace prove inclusion` writes, then checks that valid proofs
verify (exit 0) and that each kind of bad proof, checkpoint, signature line, vkey or file is
refused with the exit status `celltrace verify-proof` gives (1 not verified, 2 bad input) and a
one-line message, never a traceback. Run with no arguments; exit 0 when all pass.
"""
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_proof  # noqa: E402
from verify_proof import Invalid, parse_vkey, root_from_inclusion  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_proof.py")
NAME = "test.celltrace.local/ledger"
ED25519 = b"\x01"  # the signature type byte of an Ed25519 vkey


def b64(raw):
    return base64.b64encode(raw).decode()


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """The largest power of two below n (RFC 9162 §2.1.1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def mth(leaves):
    """RFC 9162 §2.1.1 MTH over leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    """RFC 9162 §2.1.3.1 PATH(m, D[n]), leaf level first."""
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


class Key:
    def __init__(self, name=NAME):
        self.name = name
        self.private = Ed25519PrivateKey.generate()
        self.public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(name.encode() + b"\n\x01" + self.public).digest()[:4]
        self.vkey = f"{name}+{self.key_id.hex()}+{b64(ED25519 + self.public)}"

    def line(self, text, name=None):
        """A signature line of this key over `text` (bytes), with its newline."""
        signature = self.private.sign(text)
        return f"\u2014 {name or self.name} {b64(self.key_id + signature)}\n".encode()


def entry(i):
    return b'{"body":{"n":%d},"seq":%d,"type":"test"}' % (i, i)


def checkpoint_text(size, origin=NAME, root=None):
    root = root if root is not None else mth([leaf_hash(entry(i)) for i in range(size)])
    return f"{origin}\n{size}\n{b64(root)}\n".encode()


def proof_text(index, size, key, text=None, signatures=None, hashes=None, extra=None):
    """The proof celltrace writes: header, [extra], index, hashes, blank line, the signed checkpoint."""
    leaves = [leaf_hash(entry(i)) for i in range(size)]
    text = text if text is not None else checkpoint_text(size)
    signatures = signatures if signatures is not None else key.line(text)
    hashes = hashes if hashes is not None else path(index, leaves)
    out = b"c2sp.org/tlog-proof@v1\n"
    if extra is not None:
        out += b"extra " + extra + b"\n"
    out += b"index %d\n" % index
    out += b"".join(b64(h).encode() + b"\n" for h in hashes)
    return out + b"\n" + text + b"\n" + signatures


class RFC9162Tests(unittest.TestCase):
    """Every inclusion proof of trees of 1 to 17 leaves verifies; every mutation of one does not."""

    def verifies(self, index, size, leaf, proof, root):
        try:
            return root_from_inclusion(index, size, leaf, proof) == root
        except Invalid:
            return False

    def test_all_proofs_and_mutations(self):
        checked = 0
        for n in range(1, 18):
            leaves = [leaf_hash(entry(i)) for i in range(n)]
            roots = {s: mth([leaf_hash(entry(i)) for i in range(s)]) for s in (n - 1, n, n + 1) if s > 0}
            for m in range(n):
                proof, root = path(m, leaves), roots[n]
                self.assertTrue(self.verifies(m, n, leaves[m], proof, root), (m, n))
                for j in range(len(proof)):
                    changed = list(proof)
                    changed[j] = bytes([proof[j][0] ^ 1]) + proof[j][1:]
                    self.assertFalse(self.verifies(m, n, leaves[m], changed, root), (m, n, "hash", j))
                if proof:
                    self.assertFalse(self.verifies(m, n, leaves[m], proof[:-1], root), (m, n, "truncated"))
                self.assertFalse(self.verifies(m, n, leaves[m], proof + [bytes(32)], root), (m, n, "extended"))
                self.assertFalse(self.verifies(m, n, leaves[m], proof + [proof[-1] if proof else leaves[m]], root))
                for other in (m - 1, m + 1):
                    if other >= 0:
                        self.assertFalse(self.verifies(other, n, leaves[m], proof, root), (m, n, "index", other))
                for size in (n - 1, n + 1):  # a checkpoint of another size carries that size's root
                    if size > 0:
                        self.assertFalse(self.verifies(m, size, leaves[m], proof, roots[size]), (m, n, "size", size))
                self.assertFalse(self.verifies(m, n, leaf_hash(entry(m) + b" "), proof, root), (m, n, "entry"))
                checked += 1
        self.assertEqual(checked, 17 * 18 // 2)

    def test_end_to_end_through_the_text_format(self):
        key = Key()
        vkey = parse_vkey(key.vkey)
        for n in range(1, 18):
            for m in range(n):
                proof = proof_text(m, n, key)
                self.assertEqual(verify_proof.verify(proof, entry(m) + b"\n", vkey), (NAME, m, n))
                for size in (n - 1, n + 1):
                    if size > 0:
                        text = checkpoint_text(size)
                        with self.assertRaises(Invalid, msg=(m, n, size)):
                            verify_proof.verify(proof_text(m, n, key, text=text), entry(m), vkey)


class CommandLineTests(unittest.TestCase):
    """verify_proof.py as a program: exit status, one line of message, no traceback."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        cls.key, cls.other = Key(), Key("witness.example/w1")
        cls.files = 0

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def file(self, content):
        type(self).files += 1
        name = os.path.join(self.directory.name, f"f{self.files}")
        with open(name, "wb") as f:
            f.write(content)
        return name

    def run_with(self, proof, entry_bytes=entry(5) + b"\n", vkey=None, paths=None):
        args = paths or [self.file(proof), self.file(entry_bytes), vkey if vkey is not None else self.key.vkey]
        result = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=60)
        output = result.stdout + result.stderr
        self.assertNotIn("Traceback", output)
        self.assertEqual(len(output.strip().splitlines()), 1, output)
        return result.returncode, output

    def expect(self, status, proof, why, **options):
        code, output = self.run_with(proof, **options)
        self.assertEqual(code, status, f"{why}: {output}")
        if status == 1:
            self.assertTrue(output.startswith("NOT VERIFIED: "), output)
        return output

    def proof(self, **options):
        return proof_text(5, 9, self.key, **options)

    def signed(self, text, *more):
        """Signatures of our key over text, then the given extra lines."""
        return self.key.line(text) + b"".join(more)

    def test_valid_proofs_verify(self):
        output = self.expect(0, self.proof(), "a valid proof")
        self.assertEqual(output, f"OK: entry 5 is included in {NAME} at size 9\n")
        self.expect(0, self.proof(), "without the entry's newline", entry_bytes=entry(5))
        self.expect(0, self.proof(extra=b64(b"app data").encode()), "with extra data")
        self.expect(0, self.proof(extra=b""), "with empty extra data, as celltrace accepts it")
        self.expect(0, self.proof(), "a vkey file", vkey=self.file(self.key.vkey.encode() + b"\n"))
        text = checkpoint_text(9)
        self.expect(0, self.proof(signatures=self.other.line(text) + self.key.line(text)), "with a cosignature")
        self.expect(0, self.proof(signatures=self.key.line(text) * 2), "signed twice by the key")
        ext = text + b"extension line \xc3\xa9\n"
        self.expect(0, self.proof(text=ext, signatures=self.key.line(ext)), "with an extension line")
        filler = b"".join(self.other.line(text) for _ in range(99))
        self.expect(0, self.proof(signatures=filler + self.key.line(text)), "100 signature lines")
        big = proof_text(0, 1, self.key)
        self.expect(0, big, "a tree of one leaf", entry_bytes=entry(0))

    def test_not_verified(self):
        self.expect(1, self.proof(), "another entry", entry_bytes=entry(6))
        self.expect(1, self.proof(), "another key", vkey=Key().vkey)
        self.expect(1, self.proof(signatures=self.other.line(checkpoint_text(9))), "signed by another key only")

    def test_origin_must_be_the_key_name(self):
        text = checkpoint_text(9, origin="other.example/log")
        output = self.expect(1, self.proof(text=text, signatures=self.key.line(text)), "wrong origin")
        self.assertIn("origin", output)

    def test_every_signature_of_the_key_must_verify(self):
        text = checkpoint_text(9)
        forged = f"\u2014 {NAME} {b64(self.key.key_id + bytes(64))}\n".encode()
        self.expect(1, self.proof(signatures=self.key.line(text) + forged), "a second bad signature")
        self.expect(1, self.proof(signatures=forged + self.key.line(text)), "a first bad signature")
        short = f"\u2014 {NAME} {b64(self.key.key_id + bytes(10))}\n".encode()
        self.expect(1, self.proof(signatures=self.key.line(text) + short), "a short signature by the key")
        self.expect(1, self.proof(signatures=self.key.line(text + b"x\n")), "a signature over another text")

    def test_malformed_signature_lines(self):
        text = checkpoint_text(9)
        good = self.key.line(text)
        sig = b64(self.other.key_id + bytes(64)).encode()
        for line in (b"- witness.example/w1 " + sig + b"\n",  # a hyphen, not an em dash
                     "\u2014witness.example/w1 ".encode() + sig + b"\n",  # no space after the dash
                     "\u2014 witness.example/w1".encode() + sig + b"\n",  # no space before the signature
                     "\u2014  ".encode() + sig + b"\n",  # an empty name
                     "\u2014 wit\u00a0ness ".encode() + sig + b"\n",  # a no-break space in the name
                     "\u2014 a+b ".encode() + sig + b"\n",  # a "+" in the name
                     "\u2014 witness.example/w1 ".encode() + sig + b" \n",  # a trailing space
                     "\u2014 witness.example/w1 ".encode() + sig[:-1] + b"\n",  # base64 without padding
                     "\u2014 witness.example/w1 AAAAAA==\n".encode(),  # key ID and no signature
                     "\u2014 witness.example/w1 \n".encode()):  # no signature at all
            self.expect(1, self.proof(signatures=good + line), f"malformed signature line {line!r}")
            self.expect(1, self.proof(signatures=line + good), f"malformed first signature line {line!r}")
        self.expect(1, self.proof(signatures=b""), "no signature line")
        filler = b"".join(self.other.line(text) for _ in range(100))
        self.expect(1, self.proof(signatures=filler + good), "101 signature lines")

    def test_decimals_are_ascii_without_leading_zeros(self):
        proof = self.proof()
        for index in ("\u0665", "\u00b2", "\uff15", "05", "+5", "-5", " 5", "5 ", "", "0x5", "18446744073709551616",
                      "99999999999999999999999"):
            changed = proof.replace(b"index 5\n", f"index {index}\n".encode())
            self.expect(1, changed, f"index {index!r}")
        self.expect(1, proof.replace(b"index 5\n", b"index 18446744073709551615\n"), "an index beyond the size")
        for size in ("\u0669", "\u00b9", "\uff19", "09", "+9", "9.0", "18446744073709551616"):
            text = checkpoint_text(9).replace(b"\n9\n", f"\n{size}\n".encode())
            self.expect(1, self.proof(text=text, signatures=self.key.line(text)), f"size {size!r}")

    def test_extra_line_is_canonical_base64(self):
        for extra in (b"!!!!", b"YQ", b"YR==", b"YQ==YQ==", b"Y Q==", b" YQ==", "\u00e9\u00e9\u00e9\u00e9".encode(),
                      b"-_-_"):
            self.expect(1, self.proof(extra=extra), f"extra {extra!r}")
        proof = self.proof(extra=b"YQ==")
        self.expect(1, proof.replace(b"extra ", b"extra  "), "two spaces after extra")
        self.expect(1, proof.replace(b"index 5\n", b""), "extra and no index")

    def test_text_format(self):
        proof, text = self.proof(), checkpoint_text(9)
        crlf = text.replace(b"\n", b"\r\n", 1)
        self.expect(1, self.proof(text=crlf, signatures=self.key.line(crlf)), "a CR in the checkpoint")
        self.expect(1, proof.replace(b"tlog-proof@v1\n", b"tlog-proof@v1\r\n"), "a CR in the header")
        self.expect(1, proof[:-1] + b"\r\n", "a CRLF at the end")
        tab = text.replace(b"\n", b"\t\n", 1)
        self.expect(1, self.proof(text=tab, signatures=self.key.line(tab)), "a tab in the origin")
        self.expect(1, proof.replace(b"index 5", b"index\x005"), "a NUL byte")
        self.expect(1, proof[:-1], "no final newline")
        self.expect(1, proof + b"\n", "a blank line at the end")
        for changed, why in ((b"\n" + text, "an empty origin line"), (text + b"\n" + b"ext\n", "an empty extension"),
                             (text[:-1], "a text without its last newline")):
            self.expect(1, self.proof(text=changed, signatures=self.key.line(changed)), why)
        self.expect(1, proof.replace(b"\n\n", b"\n", 1), "no blank line before the checkpoint")
        self.expect(1, b"c2sp.org/tlog-proof@v2" + proof[22:], "another header")
        self.expect(1, proof.replace(b"index 5\n", b"index 5\n\n", 1), "a blank line after the index")
        hashes = path(5, [leaf_hash(entry(i)) for i in range(9)])
        self.expect(1, self.proof(hashes=hashes + [bytes(32)] * 62), "65 hashes")
        self.expect(1, proof + b"x" * (1 << 20), "over 1 MiB")

    def test_canonical_base64(self):
        text = checkpoint_text(9)
        root = text.split(b"\n")[2]
        odd = root[:-2] + bytes([root[-2] ^ 1]) + b"="  # the last symbol's unused bits changed
        for bad, why in ((odd, "unused bits set"), (root[:-1], "no padding"), (root + b"=", "extra padding"),
                         (root.replace(b"+", b"-").replace(b"/", b"_") if b"+" in root or b"/" in root
                          else root[:-2] + b"-=", "URL-safe alphabet"),
                         (b64(bytes(31)).encode(), "31 bytes"), (b64(bytes(33)).encode(), "33 bytes"),
                         (b"", "empty")):
            changed = text.replace(root, bad)
            self.expect(1, self.proof(text=changed, signatures=self.key.line(changed)), f"root: {why}")
        proof = self.proof()
        first = proof.split(b"\n")[2]
        self.assertEqual(len(first), 44)
        for bad, why in ((first[:-2] + bytes([first[-2] ^ 1]) + b"=", "unused bits"), (first[:-1], "no padding"),
                         (first + b"AAAA", "33 bytes"), (first[:-1] + b"\xc2\xb2", "a non-ASCII symbol")):
            self.expect(1, proof.replace(first, bad), f"proof hash: {why}")
        line = self.key.line(text)
        self.expect(1, self.proof(signatures=line[:-2] + b"\n"), "signature without its padding")
        self.expect(1, self.proof(signatures=line[:-1] + b"AAAA\n"), "signature with bytes added")

    def test_bad_vkeys_are_bad_input(self):
        name, key_id, key = self.key.vkey.split("+", 2)
        for vkey, why in ((f"{name}+zzzzzzzz+{key}", "a key ID of non-hex digits"),
                          (f"{name}+{key_id.upper()}+{key}" if key_id != key_id.upper() else f"x+{key_id}+{key}",
                           "an upper-case key ID"),
                          (f"{name}+{key_id[:6]}+{key}", "a short key ID"),
                          (f"{name}+{(int(key_id, 16) ^ 1):08x}+{key}", "a wrong key ID"),
                          (f"{name}+{key_id}+{b64(ED25519 + self.key.public[:31])}", "a 31-byte key"),
                          (f"{name}+{key_id}+{b64(ED25519 + self.key.public + b'x')}", "a 33-byte key"),
                          (f"{name}+{key_id}+{b64(bytes([2]) + self.key.public)}", "another key type"),
                          (f"{name}+{key_id}+{key[:-1]}", "a key not in base64"),
                          (f"{name}+{key_id}+", "no key"),
                          (f"a b+{key_id}+{key}", "a space in the name"),
                          (f"+{key_id}+{key}", "an empty name"),
                          (f"{name}+{key_id}", "one plus"),
                          (f" {self.key.vkey}", "a space before the vkey")):
            code, output = self.run_with(self.proof(), vkey=vkey)
            self.assertEqual(code, 2, f"{why}: {output}")
            self.assertTrue(output.startswith("error: "), output)
        code, output = self.run_with(self.proof(), vkey=self.file(b"not a vkey\n"))
        self.assertEqual(code, 2, output)

    def test_files_that_cannot_be_read_are_bad_input(self):
        proof, entry_file = self.file(self.proof()), self.file(entry(5))
        missing = os.path.join(self.directory.name, "missing")
        vkey_file = self.file(self.key.vkey.encode())
        for args, why in (([missing, entry_file, self.key.vkey], "a missing proof"),
                          ([proof, missing, self.key.vkey], "a missing entry"),
                          ([proof, entry_file, missing], "a missing vkey file"),
                          ([self.directory.name, entry_file, self.key.vkey], "a directory as the proof"),
                          ([self.file(self.proof() + b"\xff"), entry_file, self.key.vkey], "a proof not in UTF-8"),
                          ([self.file(self.proof().replace(b"index", b"ind\xc0\xafex")), entry_file, vkey_file],
                           "an overlong UTF-8 sequence"),
                          ([self.file(self.proof().replace(b"\n\n", b"\n\xed\xa0\x80\n")), entry_file, vkey_file],
                           "an encoded surrogate"),
                          ([proof, entry_file, self.file(b"\xff" + self.key.vkey.encode())],
                           "a vkey file not in UTF-8"),
                          ([proof, entry_file], "a missing argument"),
                          ([proof, entry_file, self.key.vkey, "more"], "an extra argument")):
            code, output = self.run_with(None, paths=args)
            self.assertEqual(code, 2, f"{why}: {output}")


if __name__ == "__main__":
    unittest.main()
