#!/usr/bin/env python3
"""Known-answer tests for verify_bundle.py's own JCS and consistency-proof code.

Runs the RFC 8785 vectors and the first 10,000 ECMAScript number vectors of Fixtures/vectors/jcs,
and the transparency-dev consistency cases of Fixtures/vectors/merkle. Given a bundle and its vkey
(`verify_bundle_test.py BUNDLE VKEY`), it also checks item 4 (submission signatures and actor keys)
against changes that the inclusion proofs would otherwise catch first. Exit 0 when all pass.
`Tests/CellTraceCLITests/PythonBundleVerifierTests.swift` runs it under `make test`.
"""
import base64
import copy
import json
import math
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_bundle  # noqa: E402
from verify_bundle import Failure, es_number, jcs_bytes, parse_json  # noqa: E402
from verify_proof import Invalid, parse_vkey, root_from_consistency  # noqa: E402

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


def op(entry, base, **extra):
    """An operand as the trace and working carry it (checked against its field elsewhere)."""
    return {"entry": float(entry), "at": "/x", "base": float(base), **extra}


def graphite_entries(more=None):
    """Entries and opened bodies for a lot N of entry 6, graphite from CN at a facility in HU, and a factor table
    at 0 with graphite's generic, CN and HU rows."""
    rows = [{"category": "material", "name": "graphite", **({"geography": g} if g else {}), "value": "2",
             "unit": "kgCO2e/kg"} for g in (None, "CN", "HU")]
    entries = {0: ({"type": "factors.table"}, {"factors": rows}),
               1: ({"type": "facility.register"}, {"id": "urn:f", "country": "HU"}),
               6: ({"type": "event"}, {"ilmd": {"ct:material": "graphite", "cbvmda:countryOfOrigin": "CN"}}),
               **(more or {})}
    return {seq: (entry, {}) for seq, (entry, _) in entries.items()}, {seq: body for seq, (_, body) in entries.items()}


def edge(lot, entry, kg):
    return {"lot": lot, "kg": op(entry, kg)}


def shipped(index, kg):
    """An operand on a quantity of shipment entry 11."""
    return op(11, kg, at=f"/quantityList/{index}/quantity")


def term(entry, method, amounts, factor):
    kg = float(math.prod(amounts)) * (factor["base"] if "base" in factor else factor["value"])
    return {"what": "fuel", "method": method, "amount": [op(entry, a) for a in amounts], "factor": factor, "kgCO2e": kg}


class RecomputationTests(unittest.TestCase):
    """§1.4 and §1.5 on a small hand-computed lineage with every kind of part and allocation."""

    def test_flows_weights_and_parts(self):
        shipment = {"quantityList": [{"epcClass": "C", "quantity": 20}, {"epcClass": "Z", "quantity": 30}]}
        ops = verify_bundle.Operands(*graphite_entries({11: ({"type": "shipment"}, shipment)}), 100)
        trace = {"roots": [{"lot": "C", "cells": 10.0, "cellMass": op(9, 1)}], "lots": [
            {"lot": "C", "entry": 10.0, "kg": 10.0, "inputs": [edge("M", 10, 50), edge("N", 10, 30)],
             "outputs": [edge("C", 10, 100)]},
            {"lot": "M", "entry": 5.0, "kg": 5.0, "inputs": [edge("R", 5, 100)],
             "outputs": [edge("M", 5, 200), edge("X", 5, 200)]},
            {"lot": "N", "entry": 6.0, "kg": 3.0, "inputs": [edge("S", 6, 10)], "outputs": [edge("N", 6, 60)]},
            {"lot": "R", "entry": 3.0, "kg": 1.25, "inputs": [], "outputs": [edge("R", 3, 80), edge("Q", 3, 20)]},
            {"lot": "S", "entry": 2.0, "kg": 0.5, "inputs": [], "outputs": [edge("S", 2, 10)]},
        ]}
        stage = {"stage": "main-production", "primary": True}
        working = {"lots": [
            {"lot": "C", "counts": "process", "parts": [
                {"kind": "process", "entry": 10.0, **stage, "allocation": {"method": "single", "reason": "one"},
                 "terms": [term(10, "location-based", [1000], op(0, 0.5, key="grid")),
                           term(10, "market-based", [1000], op(0, 0.2, key="grid")),
                           term(10, "eu-draft", [1000], op(0, 0.4, key="grid")),
                           term(10, "all", [100], op(0, 0.1, key="fuel"))]},
                {"kind": "shipment", "entry": 11.0, **stage, "moved": shipped(0, 20),
                 "shipped": [shipped(0, 20), shipped(1, 30)],
                 "terms": [term(11, "all", [100, 0.5], op(0, 0.1, key="transport"))]}]},
            {"lot": "M", "counts": "no-data", "parts": [{"kind": "no-data", "entry": 5.0, **stage}]},
            {"lot": "N", "counts": "none", "parts": [{"kind": "default", "entry": 6.0, **stage,
                                                      "factor": op(0, 2, key="material:graphite@CN")}]},
            {"lot": "R", "counts": "process", "parts": [
                {"kind": "process", "entry": 3.0, **stage,
                 "terms": [{**term(3, "all", [1000], {"value": 1.0, "rule": "r"}), "what": "direct"}],
                 "allocation": {"method": "economic", "reason": "r", "prices": {"R": op(3, 1), "Q": op(3, 16)}}}]},
        ]}
        lots, roots = verify_bundle.check_trace(trace, ops)
        verify_bundle.recompute_trace(lots, roots, ops)  # the flows: C 10, M 5, N 3, R 1.25, S 0.5
        recomputed, withheld = verify_bundle.recompute_footprint(working, lots, roots, ops)
        self.assertEqual(withheld, {})
        result = {key: kg for key, (_, kg) in recomputed.items()}
        expected = {
            ("process", "C", 10.0): (51, 21, 41),  # (1000 × factor + 10) ÷ 100 kg × 10 kg
            ("shipment", "C", 11.0): (0.2,) * 3,  # 5 × 20 ÷ 50 ÷ 100 kg × 10 kg
            ("no-data", "M", 5.0): (0,) * 3,  # weight 10 × 50 ÷ 100 = 5
            ("default", "N", 6.0): (6,) * 3,  # 2 per kg × weight 3; S below N gets nothing
            ("process", "R", 3.0): (3.125,) * 3,  # 1000 × (80 ÷ 400) ÷ 80 × weight 5 × 100 ÷ 400
        }
        self.assertEqual(set(result), set(expected))
        for key, kg in expected.items():
            for method, value in zip(verify_bundle.METHODS, kg):
                self.assertAlmostEqual(result[key][method], value, places=12, msg=f"{key} {method}")
        # A withheld price leaves the part it decides stated, and every other part recomputed.
        prices = working["lots"][3]["parts"][0]["allocation"]["prices"]
        prices["Q"] = {**{k: v for k, v in prices["Q"].items() if k != "base"}, "withheld": True}
        recomputed, withheld = verify_bundle.recompute_footprint(working, lots, roots, ops)
        self.assertEqual(set(recomputed), set(expected) - {("process", "R", 3.0)})
        self.assertEqual(list(withheld), [("process", "R", 3.0)])
        prices["Q"] = op(3, 16)
        # Emissions resting on a withheld field leave their part stated; its mass allocation share still
        # passes the lot's weight to its input, whose part is recomputed (a share of 1 would double it).
        no_data, withheld_amount = working["lots"][1], {"entry": 5.0, "at": "/x", "withheld": True}
        working["lots"][1] = {"lot": "M", "counts": "process", "parts": [
            {"kind": "process", "entry": 5.0, **stage, "allocation": {"method": "mass", "reason": "mass"},
             "terms": [{"what": "electricity", "method": m, "amount": [withheld_amount],
                        "factor": op(0, 0.5, key="grid"), "kgCO2e": 0.0} for m in verify_bundle.METHODS]}]}
        recomputed, withheld = verify_bundle.recompute_footprint(working, lots, roots, ops)
        self.assertEqual(list(withheld), [("process", "M", 5.0)])
        self.assertEqual(set(recomputed), set(expected) - {("no-data", "M", 5.0)})
        self.assertAlmostEqual(recomputed[("process", "R", 3.0)][1]["location-based"], 3.125, places=12)
        working["lots"][1] = no_data
        trace["lots"][2]["kg"] = 3.1
        with self.assertRaises(Failure):
            verify_bundle.recompute_trace(lots, roots, ops)
        # A shipment's shipped is every quantity of its entry once, and moved the lot's own.
        part = working["lots"][0]["parts"][1]
        for shipped_list, moved, expected in (
                ([shipped(0, 20), shipped(1, 30), shipped(1, 30)], shipped(0, 20), "shipped is not the quantities"),
                ([shipped(0, 20)], shipped(0, 20), "shipped is not the quantities"),
                ([shipped(0, 20), shipped(1, 30)], shipped(1, 30), "is the quantity of \"Z\", not of C")):
            part.update(shipped=shipped_list, moved=moved)
            with self.assertRaises(Failure) as failure:
                verify_bundle.recompute_footprint(working, lots, roots, ops)
            self.assertIn(expected, str(failure.exception))

    def test_unit_shipment_share(self):
        """§1.5: a unit shipment's part is its leg's E × the unit's share: its mass over the epcList's, each mass
        from the commissioning and assembly entries recorded before the shipment (a step declared in error left
        out, a later one not yet counted)."""
        event = {"type": "epcis.event"}

        def aggregation(seq, children):
            return {"type": "AggregationEvent", "eventID": f"e{seq}", "action": "ADD", "parentID": "urn:p",
                    "childEPCs": children}
        bodies = {
            20: {"ct:cellLot": "C", "ct:serialRanges": [{"prefix": "urn:c:", "first": "1", "last": "9"}],
                 "ct:cellMass": {"quantity": "2", "uom": "KGM"}},
            21: aggregation(21, ["urn:c:1", "urn:c:2", "urn:c:3"]),
            22: aggregation(22, ["urn:c:4"]),
            23: {"eventID": "e22", "errorDeclaration": {"reason": "incorrect_data"}},
            30: {"epcList": ["urn:p", "urn:c:5"], "ct:transport": [{"distance": 100, "mass": 0.5}]},
            31: aggregation(31, ["urn:c:6"]),
        }
        entries, opened = graphite_entries({seq: (event, body) for seq, body in bodies.items()})
        ops = verify_bundle.Operands(entries, opened, 100)
        step = {"entry": 30.0, "lot": "urn:p", "stage": "distribution", "primary": True,
                "terms": [term(30, "all", [100, 0.5], op(0, 0.1, key="transport"))],
                "units": [{"unit": "urn:p", "kg": 6.0}, {"unit": "urn:c:5", "kg": 2.0}], "share": 0.75}
        units = {"urn:p", "urn:c:1", "urn:c:2", "urn:c:3"}
        recomputed, withheld = verify_bundle.recompute_footprint({"lots": [], "unitShipments": [step]}, {}, {}, ops,
                                                                 units)
        self.assertEqual(withheld, {})
        for method in verify_bundle.METHODS:  # 100 km × 0.5 t × 0.1 = 5 kg CO2e; the pack's 6 kg of 8
            self.assertAlmostEqual(recomputed[("unit-shipment", "urn:p", 30.0)][1][method], 3.75, places=12)
        for change, expected in (
                ({"share": 0.9}, "share 0.9 stated, the units' masses give 0.75"),
                ({"units": [{"unit": "urn:p", "kg": 8.0}, {"unit": "urn:c:5", "kg": 2.0}]},
                 "unit urn:p: 8 kg stated, the entries recorded before entry 30 give 6"),
                ({"units": [{"unit": "urn:p", "kg": 6.0}]}, "the units are not entry 30's epcList"),
                ({"lot": "urn:c:5"}, "urn:c:5 is not the subject, nor in it")):
            with self.assertRaises(Failure, msg=str(change)) as failure:
                verify_bundle.recompute_footprint({"lots": [], "unitShipments": [{**step, **change}]}, {}, {}, ops,
                                                  units)
            self.assertIn(expected, str(failure.exception))
        # A cell mass the profile withholds leaves the part stated.
        opened[20]["ct:cellMass"]["quantity"] = {"$commit": "x"}
        recomputed, withheld = verify_bundle.recompute_footprint({"lots": [], "unitShipments": [step]}, {}, {}, ops,
                                                                 units)
        self.assertEqual((recomputed, list(withheld)), ({}, [("unit-shipment", "urn:p", 30.0)]))

    def test_constant_factors(self):
        """§1.5: a term's factor is a constant only as direct emissions' 1, or as the market-based 0 of a
        supply of certificates for which the event states no factor."""
        supplies = {"ct:electricity": [{"supply": "certificate", "quantity": 10}, {"supply": "grid", "quantity": 10},
                                       {"supply": "certificate", "quantity": 10, "kgCO2ePerKWh": 0.1}]}
        ops = verify_bundle.Operands({}, {7: supplies}, 100)
        electricity = "/ct:electricity/{}/quantity".format
        for what, method, at, value, allowed in (
                ("direct", "all", "/x", 1.0, True), ("direct", "all", "/x", 0.5, False),
                ("electricity", "market-based", electricity(0), 0.0, True),
                ("electricity", "location-based", electricity(0), 0.0, False),
                ("electricity", "market-based", electricity(1), 0.0, False),
                ("electricity", "market-based", electricity(2), 0.0, False), ("fuel", "all", "/x", 0.0, False)):
            factor = {"value": value, "rule": "r"}
            part = {"entry": 7.0, "terms": [{**term(7, method, [10], factor), "what": what}]}
            part["terms"][0]["amount"][0]["at"] = at
            if allowed:
                ops.emissions(part, "part")
                continue
            with self.assertRaises(Failure, msg=(what, method, at, value)) as failure:
                ops.emissions(part, "part")
            self.assertIn("the factor is a constant", str(failure.exception))

    def test_field_classes_and_factor_keys(self):
        """§2's classes of sealed fields, and §1.3's factor keys, as CellTrace makes them."""
        self.assertEqual(verify_bundle.field_class("epcis.event", "/outputQuantityList/0/quantity"),
                         ("quantity", "legitimate-interest", False))
        classify = verify_bundle.field_class
        self.assertEqual(classify("epcis.event", "/ct:coProductPrices"), ("prices", "confidential", True))
        for kind in ("facility.register", "facility.amend"):  # an amendment seals new coordinates as registration does
            self.assertEqual(classify(kind, "/location"), ("coordinates", "confidential", False))
        self.assertEqual(verify_bundle.field_class("epcis.event", "/ct:other")[1:], ("confidential", True))
        for row, key in (({"category": "grid", "geography": "HU"}, "grid:HU:location"),
                         ({"category": "grid", "geography": "CN", "basis": "residual-mix"}, "grid:CN:residual-mix"),
                         ({"category": "fuel", "name": "diesel", "unit": "kgCO2e/MJ"}, "fuel:diesel:MJ"),
                         ({"category": "material", "name": "lithium-hydroxide", "geography": "CL"},
                          "material:lithium-hydroxide@CL"),
                         ({"category": "transport", "name": "sea"}, "transport:sea")):
            self.assertEqual(verify_bundle.factor_key(row), key)


class MaterialDefaultTests(unittest.TestCase):
    """§1.5: a default part's factor is the lot's material at its country of origin, else the generic row."""

    def check(self, key, opened_change=None, as_of=100):
        entries, opened = graphite_entries()
        if opened_change:
            opened_change(opened)
        ops = verify_bundle.Operands(entries, opened, as_of)
        lot = {"entry": 6.0, "facility": "urn:f"}
        verify_bundle.check_material_default(key, "N", lot, ops, "working lot N part 0")

    def test_the_origins_row_is_taken(self):
        self.check("material:graphite@CN")
        for key in ("material:graphite@HU", "material:graphite", "material:nickel@CN"):
            with self.assertRaisesRegex(Failure, "the default factor is " + key):
                self.check(key)

    def test_without_an_origin_the_facilitys_country_decides(self):
        def no_origin(opened):
            del opened[6]["ilmd"]["cbvmda:countryOfOrigin"]
        self.check("material:graphite@HU", no_origin)
        with self.assertRaises(Failure):
            self.check("material:graphite@CN", no_origin)

    def test_the_generic_row_only_when_no_row_of_the_origin_is_in_force(self):
        def only_generic(opened):
            opened[0]["factors"] = opened[0]["factors"][:1]
        self.check("material:graphite", only_generic)
        with self.assertRaises(Failure):
            self.check("material:graphite")
        with self.assertRaises(Failure):  # a table recorded at or after asOfSize is not in force
            self.check("material:graphite@CN", as_of=0)

    def test_the_lots_own_element_of_ct_lots_gives_its_origin(self):
        def per_lot(opened):
            opened[6]["ilmd"]["ct:lots"] = [{"epcClass": "N", "ct:material": "graphite",
                                            "urn:epcglobal:cbv:mda#countryOfOrigin": "HU"}]
        self.check("material:graphite@HU", per_lot)


class DisclosureTests(unittest.TestCase):
    """§2 and item 3: a bundle opens exactly the sealed fields its profile reveals and lists the rest withheld, so
    that the disclosure log records no narrower profile than what was sent."""

    FIELDS = [("epcis.event", "/outputQuantityList/0/quantity", "quantity"),
              ("epcis.event", "/ct:transport/0/mass", "transport-mass"),
              ("epcis.event", "/sourceList/0/source", "party"),
              ("facility.amend", "/location", "coordinates"),
              ("epcis.event", "/ct:coProductPrices", "prices"),
              ("epcis.event", "/ct:note", "unclassified")]
    REVEALS = {"public": set(), "legitimate-interest": {"quantity", "transport-mass"},
               "authority": {"quantity", "transport-mass", "party", "coordinates"},
               "auditor": {name for _, _, name in FIELDS}}

    def test_a_field_is_opened_where_the_profile_reveals_it_and_withheld_where_not(self):
        for profile, revealed in self.REVEALS.items():
            for kind, pointer, name in self.FIELDS:
                opened = {7: ({"type": kind}, {"openings": {pointer: {}}})}
                withheld = {7: ({"type": kind}, {"withheld": {pointer: name}})}
                if name in revealed:
                    fine, refused = opened, withheld
                    failed = f"entry 7 withheld {pointer}: the {profile} profile reveals this field ({name}), yet " \
                             "the bundle withholds it"
                else:
                    fine, refused = withheld, opened
                    failed = f"entry 7 opening {pointer}: the {profile} profile withholds this field ({name}), yet " \
                             "the bundle opens it"
                verify_bundle.check_disclosure(fine, profile)
                with self.assertRaises(Failure, msg=(profile, pointer)) as failure:
                    verify_bundle.check_disclosure(refused, profile)
                self.assertEqual(str(failure.exception), failed)


class FactorInForceTests(unittest.TestCase):
    """§1.3: a factor operand is on the row in force: no table the bundle carries, recorded after the one it is on
    and before asOfSize, gives its key (the engine takes the table recorded last)."""

    ROWS = [({"category": "grid", "geography": "HU"}, "grid:HU:location"),
            ({"category": "fuel", "name": "diesel", "unit": "kgCO2e/MJ"}, "fuel:diesel:MJ"),
            ({"category": "transport", "name": "sea"}, "transport:sea"),
            ({"category": "material", "name": "ore", "geography": "CL"}, "material:ore@CL")]

    @staticmethod
    def operands(as_of, later=None):
        """Tables at 2 (every row at 0.1) and 7 (rows `later`, each at 0.5), and an event at 4."""
        def table(rows, value):
            return {"factors": [{**row, "value": value} for row in rows]}
        rows = [row for row, _ in FactorInForceTests.ROWS]
        bodies = {2: ("factors.table", table(rows, "0.1")), 4: ("epcis.event", {}),
                  7: ("factors.table", table(rows if later is None else later, "0.5"))}
        entries = {seq: ({"type": kind}, {}) for seq, (kind, _) in bodies.items()}
        return verify_bundle.Operands(entries, {seq: body for seq, (_, body) in bodies.items()}, as_of)

    @staticmethod
    def factor(seq, index, key, base):
        return {"entry": float(seq), "at": f"/factors/{index}/value", "key": key, "base": base}

    def test_a_row_a_later_table_gives_anew_is_refused_for_every_kind_of_factor(self):
        ops = self.operands(as_of=9)
        for index, (_, key) in enumerate(self.ROWS):
            ops.check(self.factor(7, index, key, 0.5), "factor")
            with self.assertRaises(Failure, msg=key) as failure:
                ops.check(self.factor(2, index, key, 0.1), "factor")
            self.assertEqual(failure.exception.message,
                             f"the factor {key} is not the row in force: entry 7 /factors/{index}, recorded after it "
                             f"and before asOfSize 9, gives {key} as 0.5")
            self.assertEqual(failure.exception.item, f"factor (entry 2 /factors/{index}/value)")

    def test_an_earlier_row_stands_where_no_later_table_gives_its_key(self):
        ops = self.operands(as_of=9, later=[{"category": "grid", "geography": "HU", "basis": "residual-mix"}])
        for index, (_, key) in enumerate(self.ROWS):
            ops.check(self.factor(2, index, key, 0.1), "factor")
        # A table recorded at or after asOfSize is not in force: the earlier one's rows are.
        ops = self.operands(as_of=7)
        for index, (_, key) in enumerate(self.ROWS):
            ops.check(self.factor(2, index, key, 0.1), "factor")

    def test_a_unit_shipments_operand_is_checked_as_a_lots(self):
        """§1.5's unit shipments are working too: their terms' factor operands must be the rows in force."""
        ops = self.operands(as_of=9)
        step = {"entry": 4.0, "lot": "urn:c:1", "terms": [{"what": "transport", "method": "all", "kgCO2e": 0.1,
                                                          "factor": self.factor(2, 2, "transport:sea", 0.1)}]}
        with self.assertRaises(Failure) as failure:
            ops.check_all({"lots": [], "unitShipments": [step]}, "footprint/working")
        self.assertEqual(failure.exception.item,
                         "footprint/working/unitShipments/0/terms/0/factor (entry 2 /factors/2/value)")
        self.assertEqual(failure.exception.message,
                         "the factor transport:sea is not the row in force: entry 7 /factors/2, recorded after it "
                         "and before asOfSize 9, gives transport:sea as 0.5")
        step["terms"][0]["factor"] = self.factor(7, 2, "transport:sea", 0.5)
        ops.check_all({"lots": [], "unitShipments": [step]}, "footprint/working")

    def test_the_later_row_of_one_table_is_in_force(self):
        rows = [{"category": "grid", "geography": "HU", "value": v} for v in ("0.1", "0.3")]
        ops = verify_bundle.Operands({2: ({"type": "factors.table"}, {})}, {2: {"factors": rows}}, 9)
        ops.check(self.factor(2, 1, "grid:HU:location", 0.3), "factor")
        with self.assertRaisesRegex(Failure, "entry 2 /factors/1, a later row of the same table, gives "
                                             "grid:HU:location as 0.3"):
            ops.check(self.factor(2, 0, "grid:HU:location", 0.1), "factor")


class SerialRangeTests(unittest.TestCase):
    def test_a_range_bound_is_ascii_digits(self):
        def bundle(first):
            commissioning = {"ct:cellLot": "L", "ct:serialRanges": [{"prefix": "s.", "first": first, "last": "9"}]}
            root = {"lot": "L", "cells": 1.0, "cellMass": {"entry": 4.0, "at": "/ct:cellMass/quantity"}}
            return {"subject": "s.5", "subjectKind": "cell", "trace": {"roots": [root]}}, {4.0: commissioning}
        verify_bundle.check_subject(*bundle("1"))
        for first in ("+1", " 1", "0_1", "١"):
            with self.assertRaisesRegex(Failure, "is not in a serial range", msg=first):
                verify_bundle.check_subject(*bundle(first))


class KeyLineTests(unittest.TestCase):
    def test_names_cannot_forge_a_line_or_hide_the_key(self):
        key = {"actor": "urn:a", "name": "Mine\n  signed with urn:x (X, operator) key 0000\u202e", "role": "op\x1b[2K",
               "keyID": "ab12", "keyEntry": 3, "entry": 7}
        [line] = verify_bundle.key_lines([key], "submission")
        self.assertEqual(line, "urn:a (Mine\\u{000A}  signed with urn:x (X, operator) key 0000\\u{202E}, "
                               "op\\u{001B}[2K) key ab12, registered at entry #3: submission #7")


class SubmissionTests(unittest.TestCase):
    """Item 4 on a real bundle's entries, changed after items 1–3 have read them."""

    bundle = vkey = None

    def setUp(self):
        if self.bundle is None:
            self.skipTest("no bundle given")
        with open(self.bundle, "rb") as f:
            self.data = parse_json(f.read().decode("utf-8"))
        with open(self.vkey, encoding="utf-8") as f:
            size, root = verify_bundle.check_checkpoint(self.data, parse_vkey(f.read()))
        self.entries = verify_bundle.check_entries(self.data, size, root)
        self.submission = next(s for s, (e, _) in self.entries.items() if e["type"] == "submission")
        self.actor = self.entries[self.submission][0]["actor"]

    def check(self, entries, expected, origin=None):
        entries = dict(sorted(entries.items()))
        if expected is None:
            verify_bundle.check_submissions(entries, origin or self.data["origin"])
            return
        with self.assertRaises(Failure) as failure:
            verify_bundle.check_submissions(entries, origin or self.data["origin"])
        self.assertIn(expected, str(failure.exception))

    def changed(self, seq, change):
        entries = copy.deepcopy(self.entries)
        change(entries[seq][0])
        return entries

    def test_the_bundle_as_exported_verifies(self):
        self.check(self.entries, None)

    def test_a_changed_signature_or_origin_fails(self):
        def signature(entry):
            text = entry["body"]["signature"]
            entry["body"]["signature"] = ("A" if text[0] != "A" else "B") + text[1:]
        self.check(self.changed(self.submission, signature), f"entry {self.submission}: the submission's signature")
        self.check(self.entries, f"entry {self.submission}: the submission's signature", origin="other.example/x")

    def test_an_event_not_signed_as_it_stands_fails(self):
        event = next(s for s, (e, _) in self.entries.items() if e["type"] == "epcis.event")
        self.check(self.changed(event, lambda e: e["body"].update(eventTime="x")), f"entry {event}: the event's body")

    def test_a_key_revoked_or_rotated_before_the_submission_fails(self):
        key = self.entries[self.submission][0]["body"]["key"]
        for body in ({"actor": self.actor, "keyID": key, "reason": "compromised"},
                     {"actor": self.actor, "key": base64.b64encode(bytes(range(32))).decode()}):
            kind = "actor.key-revoke" if "keyID" in body else "actor.key-rotate"
            entries = copy.deepcopy(self.entries)
            entries[self.submission - 0.5] = ({"type": kind, "actor": "ledger", "body": body}, {})
            self.check(entries, f"entry {self.submission}: key {key} is not a key of {self.actor} valid at this point")

    def test_a_submission_not_as_the_format_has_it_fails(self):
        def events(entry):
            entry["body"]["events"] = entry["body"]["events"] + [{"not": "a hash"}]
        self.check(self.changed(self.submission, events), f"entry {self.submission}: events lists something other")
        def actor(entry):
            entry["body"]["actor"] = "someone-else"
        self.check(self.changed(self.submission, actor), f"entry {self.submission}: the submission's actor is not")
        def unused_bits(entry):  # the same 64 bytes, the last digit's four unused bits no longer zero
            text = entry["body"]["signature"]
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            entry["body"]["signature"] = text[:-3] + alphabet[alphabet.index(text[-3]) | 1] + text[-2:]
        self.check(self.changed(self.submission, unused_bits), f"entry {self.submission}: the submission's signature")
        registration = next(s for s, (e, _) in self.entries.items()
                            if e["type"] == "actor.register" and e["body"].get("id") == self.actor)
        entries = copy.deepcopy(self.entries)
        entries[registration + 0.5] = copy.deepcopy(entries[registration])
        self.check(entries, f"{self.actor} is registered twice")

    def test_a_missing_registration_fails(self):
        entries = {s: e for s, e in self.entries.items()
                   if not (e[0]["type"] == "actor.register" and e[0]["body"].get("id") == self.actor)}
        self.check(entries, f"entry {self.submission}: key ")


if __name__ == "__main__":
    if len(sys.argv) == 3:  # BUNDLE VKEY
        SubmissionTests.bundle, SubmissionTests.vkey = sys.argv[1:]
        del sys.argv[1:]
    unittest.main()
