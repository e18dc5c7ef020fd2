#!/usr/bin/env python3
"""Known-answer tests for verify_bundle.py's own JCS and consistency-proof code.

Runs the RFC 8785 vectors and the first 10,000 ECMAScript number vectors of Fixtures/vectors/jcs,
and the transparency-dev consistency cases of Fixtures/vectors/merkle. Exit 0 when all pass.
`Tests/CellTraceCLITests/BundleVerifierTests.swift` runs it under `make test`.
"""
import base64
import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_bundle import es_number, jcs_bytes, parse_json  # noqa: E402
from verify_proof import Invalid, root_from_consistency  # noqa: E402

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "vectors")


class JCSTests(unittest.TestCase):
    def test_rfc8785_vectors(self):
        folder = os.path.join(VECTORS, "jcs")
        names = sorted(os.listdir(os.path.join(folder, "input")))
        self.assertEqual(len(names), 6)
        for name in names:
            with open(os.path.join(folder, "input", name), "rb") as f:
                value = parse_json(f.read().decode("utf-8"))
            with open(os.path.join(folder, "output", name), "rb") as f:
                self.assertEqual(jcs_bytes(value), f.read(), name)

    def test_es6_numbers(self):
        lines = 0
        with open(os.path.join(VECTORS, "jcs", "es6-numbers-10k.txt"), encoding="ascii") as f:
            for line in f:
                bits, expected = line.rstrip("\n").split(",")
                value = struct.unpack(">d", bytes.fromhex(bits.rjust(16, "0")))[0]
                self.assertEqual(es_number(value), expected, bits)
                lines += 1
        self.assertEqual(lines, 10000)

    def test_rejects_what_jcs_cannot_represent(self):
        for text in ('{"a":1,"a":2}', "[NaN]", "[1e400]", "[Infinity]"):
            with self.assertRaises(ValueError, msg=text):
                parse_json(text)
        with self.assertRaises(UnicodeError):
            jcs_bytes(parse_json('["\\ud800"]'))

    def test_escapes_minimally_and_sorts_by_utf16(self):
        self.assertEqual(jcs_bytes(parse_json('{"\\u00e9":1,"\\ud83d\\ude02":2,"\\uff61":3,"b":"\\u001f\\u007f/"}')),
                         '{"b":"\\u001f\x7f/","é":1,"😂":2,"｡":3}'.encode())
        self.assertEqual(jcs_bytes(parse_json("[-0, 1E21, 1e-7, 123456789012345680000, 0.000001]")),
                         b"[0,1e+21,1e-7,123456789012345680000,0.000001]")


class ConsistencyTests(unittest.TestCase):
    def test_transparency_dev_cases(self):
        folder = os.path.join(VECTORS, "merkle", "consistency")
        cases = 0
        for directory, _, files in os.walk(folder):
            for name in files:
                with open(os.path.join(directory, name), encoding="utf-8") as f:
                    case = json.load(f)
                decode = lambda h: base64.b64decode(h) if h else b""  # noqa: E731
                proof = [decode(h) for h in case.get("proof") or []]
                root1, root2 = decode(case["root1"]), decode(case["root2"])
                try:
                    ok = root_from_consistency(case["size1"], case["size2"], root1, proof) == root2
                except Invalid:
                    ok = False
                self.assertEqual(ok, not case["wantErr"], os.path.join(directory, name))
                cases += 1
        self.assertEqual(cases, 98)


if __name__ == "__main__":
    unittest.main()
