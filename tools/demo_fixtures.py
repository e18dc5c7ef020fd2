#!/usr/bin/env python3
"""Writes the demo dataset in Fixtures/demo/ (the EPCIS documents of every actor).

The documents are static files in git; this script is how they were made and how to change them
consistently. Run it from the package root: python3 tools/demo_fixtures.py

Every quantity below is chosen so that each material's footprint per kg lands near the published
figure that Fixtures/demo/factors.json and Fixtures/demo/expected.json name (Istrate et al. 2024
for materials, the Indonesian nickel whitepaper for the HPAL and RKEF routes, MEE/NBS for China's
grids); the comments give the arithmetic. Masses are in tonnes unless the unit says otherwise.
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "demo")
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ct": "https://celltrace.dev/ns/epcis/1/"}]


def lot(name):
    return "urn:celltrace:lot:" + name


def actor(name):
    return "urn:celltrace:actor:" + name


def q(lot_id, tonnes, uom="TNE"):
    return {"epcClass": lot_id, "quantity": tonnes, "uom": uom}


def add(time, tz, facility, lots, ilmd, energy=None, quality=None, cert=None, stage=None):
    """An ObjectEvent ADD: material entering the ledger at a facility (a mine, or a purchase)."""
    event = {"type": "ObjectEvent", "eventTime": time + tz, "eventTimeZoneOffset": tz, "action": "ADD",
             "bizStep": "commissioning", "bizLocation": {"id": facility}, "quantityList": lots, "ilmd": ilmd}
    if cert:
        event["certificationInfo"] = cert
    if stage:
        event["ct:lifeCycleStage"] = stage
    if quality:
        event["ct:dataQuality"] = quality
    event.update(energy or {})
    return event


def transform(time, tz, facility, inputs, outputs, ilmd, energy=None, quality=None, extra=None):
    event = {"type": "TransformationEvent", "eventTime": time + tz, "eventTimeZoneOffset": tz,
             "bizStep": "commissioning", "bizLocation": {"id": facility},
             "inputQuantityList": inputs, "outputQuantityList": outputs, "ilmd": ilmd}
    if quality:
        event["ct:dataQuality"] = quality
    event.update(energy or {})
    event.update(extra or {})
    return event


def ship(time, tz, sender, receiver, lots, legs, read_point=None):
    event = {"type": "ObjectEvent", "eventTime": time + tz, "eventTimeZoneOffset": tz, "action": "OBSERVE",
             "bizStep": "shipping", "disposition": "in_transit"}
    if read_point:
        event["readPoint"] = {"id": read_point}
    tonnes = sum(item["quantity"] for item in lots)
    event["quantityList"] = lots
    event["sourceList"] = [{"type": "owning_party", "source": actor(sender)}]
    event["destinationList"] = [{"type": "owning_party", "destination": actor(receiver)}]
    event["ct:transport"] = [{"mode": mode, "distance": km, "distanceUom": "KMT", "mass": round(tonnes, 3),
                              "massUom": "TNE"} for mode, km in legs]
    return event


def receive(time, tz, facility, lots):
    return {"type": "ObjectEvent", "eventTime": time + tz, "eventTimeZoneOffset": tz, "action": "OBSERVE",
            "bizStep": "receiving", "disposition": "in_progress", "readPoint": {"id": facility},
            "quantityList": lots}


def grid(kwh):
    return {"quantity": kwh, "uom": "KWH", "supply": "grid"}


def fuel(name, quantity, uom):
    return {"fuel": name, "quantity": quantity, "uom": uom}


def energy(electricity=(), fuels=()):
    members = {}
    if electricity:
        members["ct:electricity"] = list(electricity)
    if fuels:
        members["ct:fuels"] = list(fuels)
    return members


def content(**fractions):
    return {key: value for key, value in fractions.items()}


def document(name, created, events):
    path = os.path.join(ROOT, "epcis", name)
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": created,
            "epcisBody": {"eventList": events}}
    with open(path, "w", encoding="utf-8") as file:
        json.dump(body, file, indent=2, ensure_ascii=False)
        file.write("\n")


# Facilities (their master data is in Fixtures/demo/network.json).
F = {
    "spodumene": "urn:epc:id:sgln:9300001.00001.0",
    "salar": "urn:epc:id:sgln:7800001.00001.0",
    "antofagasta": "urn:epc:id:sgln:7800001.00002.0",
    "laterite": "urn:epc:id:sgln:8990001.00001.0",
    "hpal": "urn:epc:id:sgln:8990001.00002.0",
    "rkef": "urn:epc:id:sgln:8990001.00003.0",
    "katanga": "urn:celltrace:facility:katanga-cu-co-mine",
    "artisanal": "urn:celltrace:facility:kolwezi-artisanal-site",
    "graphite-mine": "urn:epc:id:sgln:6900005.00001.0",
    "spherical": "urn:epc:id:sgln:6900005.00002.0",
    "lioh": "urn:epc:id:sgln:6900002.00001.0",
    "cobalt": "urn:epc:id:sgln:6900003.00001.0",
    "synthetic": "urn:epc:id:sgln:6900004.00001.0",
    "anode": "urn:epc:id:sgln:6900004.00002.0",
    "pcam": "urn:epc:id:sgln:6900006.00001.0",
    "cam": "urn:epc:id:sgln:6900006.00002.0",
    "lfp": "urn:epc:id:sgln:6900006.00003.0",
    "electrolyte": "urn:epc:id:sgln:6900007.00001.0",
    "cells-cn": "urn:epc:id:sgln:6930001.00001.0",
    "cells-hu": "urn:epc:id:sgln:5990001.00001.0",
}

AU, CL, WITA, CD, CN, HU = "+08:00", "-03:00", "+08:00", "+02:00", "+08:00", "+01:00"
RAW = "raw-material-acquisition"

# Lots.
SC6 = lot("sc6-pilgangoora-2601")
BRINE = lot("brine-atacama-2601")
LIOH_CL = lot("lioh-antofagasta-2601")
LI2CO3_CL = lot("li2co3-antofagasta-2601")
LIMONITE = lot("limonite-morowali-2601")
SAPROLITE = lot("saprolite-morowali-2601")
NISO4_HPAL = lot("niso4-hpal-2601")
NISO4_RKEF = lot("niso4-rkef-2601")
COOH_KATANGA = lot("cooh-katanga-2601")
COOH_ARTISANAL = lot("cooh-kolwezi-asm-2601")
FLAKE = lot("flake-jixi-2601")
SPHERICAL = lot("spherical-jixi-2601")
LIOH_SC = lot("lioh-sichuan-2602")
NA2SO4 = lot("na2so4-sichuan-2602")
REAGENTS = lot("reagents-sichuan-2602")
COSO4 = lot("coso4-zhejiang-2602")
MNSO4 = lot("mnso4-guangxi-2602")
SYNTHETIC = lot("synthetic-graphite-baotou-2601")
ANODE = lot("anode-baotou-2602")
PCAM = lot("pcam811-hunan-2602")
CAM = lot("cam811-hunan-2602")
FEPO4 = lot("fepo4-hunan-2602")
LFP = lot("lfp-hunan-2602")
ELECTROLYTE = lot("electrolyte-jiangsu-2602")
COMPONENTS_CN = lot("components-changzhou-2603")
COMPONENTS_HU = lot("components-debrecen-2603")
CELLS_CN_NMC = lot("cells-nmc811-changzhou-2603")
CELLS_CN_LFP = lot("cells-lfp-changzhou-2603")
CELLS_HU_NMC = lot("cells-nmc811-debrecen-2603")

# Cells: NMC811 0.9 kg and 0.25 kWh (3.6 kg/kWh); LFP 1.75 kg and 0.32 kWh (5.47 kg/kWh).
# Per kWh of NMC811 cell: 1.256 kg CAM (0.608 kg Ni ÷ 48.4 % Ni, the BatPaC intensity), 0.9 kg anode,
# 0.45 kg electrolyte, 1.0 kg other components. Per kWh of LFP: 2.02 kg CAM (0.089 kg Li ÷ 4.4 % Li),
# 1.0 kg anode, 0.55 kg electrolyte, 1.9 kg components. Inputs carry 3 % scrap.
NMC_CELLS, LFP_CELLS = 50_000, 30_000
NMC_T = NMC_CELLS * 0.9 / 1000      # 45 t of cells per NMC811 lot
LFP_T = LFP_CELLS * 1.75 / 1000     # 52.5 t of LFP cells
SCRAP = 1.03


def share(per_kwh, kg_per_kwh, tonnes):
    return round(per_kwh / kg_per_kwh * tonnes * SCRAP, 2)


NMC_IN = {"cam": share(1.256, 3.6, NMC_T), "anode": share(0.9, 3.6, NMC_T),
          "electrolyte": share(0.45, 3.6, NMC_T), "components": share(1.0, 3.6, NMC_T)}
LFP_IN = {"cam": share(2.02, 5.47, LFP_T), "anode": share(1.0, 5.47, LFP_T),
          "electrolyte": share(0.55, 5.47, LFP_T), "components": share(1.9, 5.47, LFP_T)}

CERT_IRMA_PILGANGOORA = "https://certs.example.org/irma/pilgangoora-2025"
CERT_IRMA_ATACAMA = "https://certs.example.org/irma/salar-atacama-2025"
CERT_RMAP_ZHEJIANG = "https://certs.example.org/rmap/zhejiang-cobalt-refiner-2025"
CERT_GO = ["urn:celltrace:go:HU-2026-000311", "urn:celltrace:go:HU-2026-000312"]


def main():
    os.makedirs(os.path.join(ROOT, "epcis"), exist_ok=True)

    # 01 Spodumene, Western Australia. Istrate et al. 2024: concentration is 0.97 kg CO2e per kg of
    # LiOH·H2O, about 7 kg of SC6 per kg of LiOH, so ~0.14 kg CO2e per kg of SC6. The mine is off the
    # grid (diesel power and haulage): 1890 MJ diesel per t × 0.0741 = 140 kg.
    document("pilbara-spodumene.jsonld", "2026-01-10T08:00:00" + AU, [
        add("2026-01-05T06:00:00", AU, F["spodumene"], [q(SC6, 120)],
            {"ct:material": "spodumene-concentrate", "ct:grade": "SC6 (6 % Li2O)", "ct:elementContent": {"Li": "0.0279"},
             "cbvmda:countryOfOrigin": "AU"},
            energy(fuels=[fuel("diesel", 226_800, "3B")]), quality="primary", cert=CERT_IRMA_PILGANGOORA,
            stage=RAW),
        ship("2026-01-08T10:00:00", AU, "pilbara-spodumene", "sichuan-lithium", [q(SC6, 120)],
             [("sea", 6200), ("rail", 1800)], read_point=F["spodumene"]),
    ])

    # 02 Brine, Salar de Atacama, Chile. The chemical plant gives no process data: its LiOH·H2O and
    # Li2CO3 take Istrate's brine defaults (7.70 and 3.62 kg CO2e/kg), secondary data.
    document("atacama-brine.jsonld", "2026-01-26T08:00:00" + CL, [
        add("2026-01-06T09:00:00", CL, F["salar"], [q(BRINE, 60)],
            {"ct:material": "lithium-brine", "ct:grade": "concentrated brine, 6 % Li", "ct:elementContent": {"Li": "0.06"},
             "cbvmda:countryOfOrigin": "CL"},
            energy([grid(20_000)], [fuel("diesel", 60_000, "3B")]), quality="primary", cert=CERT_IRMA_ATACAMA, stage=RAW),
        transform("2026-01-20T09:00:00", CL, F["antofagasta"], [q(BRINE, 60)], [q(LIOH_CL, 8), q(LI2CO3_CL, 8)],
                  {"ct:lots": [
                      {"epcClass": LIOH_CL, "ct:material": "lithium-hydroxide", "ct:grade": "battery-grade LiOH·H2O",
                       "ct:elementContent": {"Li": "0.1654"}},
                      {"epcClass": LI2CO3_CL, "ct:material": "lithium-carbonate", "ct:grade": "battery-grade Li2CO3",
                       "ct:elementContent": {"Li": "0.1878"}}]}),
        ship("2026-01-25T09:00:00", CL, "atacama-brine", "hunan-cathode", [q(LIOH_CL, 4), q(LI2CO3_CL, 6)],
             [("sea", 19_000), ("rail", 900)], read_point=F["antofagasta"]),
    ])

    # 03 Nickel laterite, Morowali, Indonesia: two routes to NiSO4·6H2O (22.33 % Ni).
    # HPAL ≈ 20 t CO2e per t Ni → 4.47 kg per kg NiSO4·6H2O: per 40 t, 60 t coal × 2.441 + 400 GJ diesel
    # × 0.0741 = 176 t. RKEF ≈ 54 t CO2e per t Ni → 12.06 kg per kg: 180 t coal + 700 GJ diesel = 491 t.
    # Ore at 1.3 % (limonite) and 1.8 % Ni (saprolite), 90 % recovery; mining 100 MJ diesel per t.
    document("morowali-nickel.jsonld", "2026-01-19T08:00:00" + WITA, [
        add("2026-01-04T07:00:00", WITA, F["laterite"], [q(LIMONITE, 800), q(SAPROLITE, 600)],
            {"ct:lots": [
                {"epcClass": LIMONITE, "ct:material": "laterite-ore", "ct:grade": "limonite", "ct:elementContent": {"Ni": "0.013"},
                 "cbvmda:countryOfOrigin": "ID"},
                {"epcClass": SAPROLITE, "ct:material": "laterite-ore", "ct:grade": "saprolite", "ct:elementContent": {"Ni": "0.018"},
                 "cbvmda:countryOfOrigin": "ID"}]},
            energy(fuels=[fuel("diesel", 140_000, "3B")]), quality="primary", stage=RAW),
        transform("2026-01-12T07:00:00", WITA, F["hpal"], [q(LIMONITE, 765)], [q(NISO4_HPAL, 40)],
                  {"ct:material": "nickel-sulfate", "ct:grade": "NiSO4·6H2O via HPAL", "ct:elementContent": {"Ni": "0.2233"}},
                  energy(fuels=[fuel("coal", 60, "TNE"), fuel("diesel", 400_000, "3B")]), quality="primary"),
        transform("2026-01-14T07:00:00", WITA, F["rkef"], [q(SAPROLITE, 552)], [q(NISO4_RKEF, 40)],
                  {"ct:material": "nickel-sulfate", "ct:grade": "NiSO4·6H2O via RKEF matte", "ct:elementContent": {"Ni": "0.2233"}},
                  energy(fuels=[fuel("coal", 180, "TNE"), fuel("diesel", 700_000, "3B")]), quality="primary"),
        ship("2026-01-18T07:00:00", WITA, "morowali-nickel", "hunan-cathode", [q(NISO4_HPAL, 38), q(NISO4_RKEF, 38)],
             [("sea", 3500), ("rail", 1000)], read_point=F["hpal"]),
    ])

    # 04–05 Cobalt hydroxide (30 % Co), DR Congo: an industrial Cu-Co mine and an artisanal site
    # flagged high-risk. The refiner in China gives no process data, so mining here does not change
    # the cobalt sulfate's footprint (Istrate's 14.99 default replaces its upstream); it is recorded
    # for custody and due diligence.
    document("katanga-copper-cobalt.jsonld", "2026-01-16T08:00:00" + CD, [
        add("2026-01-07T08:00:00", CD, F["katanga"], [q(COOH_KATANGA, 8)],
            {"ct:material": "cobalt-hydroxide", "ct:grade": "Co(OH)2, 30 % Co", "ct:elementContent": {"Co": "0.30"},
             "cbvmda:countryOfOrigin": "CD"},
            energy(fuels=[fuel("diesel", 860_000, "3B")]), quality="primary", stage=RAW),
        ship("2026-01-15T08:00:00", CD, "katanga-copper-cobalt", "zhejiang-cobalt", [q(COOH_KATANGA, 8)],
             [("road", 2500), ("sea", 11_500)], read_point=F["katanga"]),
    ])
    document("kolwezi-artisanal.jsonld", "2026-01-16T09:00:00" + CD, [
        add("2026-01-09T08:00:00", CD, F["artisanal"], [q(COOH_ARTISANAL, 0.9)],
            {"ct:material": "cobalt-hydroxide", "ct:grade": "Co(OH)2, 30 % Co, artisanal", "ct:elementContent": {"Co": "0.30"},
             "cbvmda:countryOfOrigin": "CD"}, stage=RAW, quality="secondary"),
        ship("2026-01-15T09:00:00", CD, "kolwezi-artisanal", "zhejiang-cobalt", [q(COOH_ARTISANAL, 0.9)],
             [("road", 2500), ("sea", 11_500)], read_point=F["artisanal"]),
    ])

    # 06 Natural graphite, Jixi (Heilongjiang). Istrate (Engels 2022): 10.56 kg CO2e per kg of
    # coated spherical graphite, electricity 8.32 of it. Flake: 1.5 kWh × 0.5122 (Northeast grid) +
    # 5 MJ diesel × 0.0741 = 1.14 per kg; spheroidisation keeps half the mass: 2 × 1.14 + 15 kWh ×
    # 0.5122 + 8 MJ gas × 0.0561 = 10.4 per kg.
    document("heilongjiang-graphite.jsonld", "2026-01-21T08:00:00" + CN, [
        add("2026-01-05T08:00:00", CN, F["graphite-mine"], [q(FLAKE, 60)],
            {"ct:material": "graphite-flake", "ct:grade": "flake concentrate, 95 % C", "ct:elementContent": {"graphite": "0.95"},
             "cbvmda:countryOfOrigin": "CN"},
            energy([grid(90_000)], [fuel("diesel", 300_000, "3B")]), quality="primary", stage=RAW),
        transform("2026-01-16T08:00:00", CN, F["spherical"], [q(FLAKE, 56)], [q(SPHERICAL, 28)],
                  {"ct:material": "natural-graphite", "ct:grade": "spherical, coated", "ct:elementContent": {"graphite": "0.995"}},
                  energy([grid(420_000)], [fuel("natural-gas", 224_000, "3B")]), quality="primary"),
        ship("2026-01-20T08:00:00", CN, "heilongjiang-graphite", "inner-mongolia-graphite", [q(SPHERICAL, 28)],
             [("rail", 1500)], read_point=F["spherical"]),
    ])

    # 07 LiOH·H2O in Sichuan (hydro grid, 0.1404) from Australian spodumene. Per kg: 5 kWh, 1.5 kg coal
    # and 80 MJ gas for roasting and evaporation (heat ≈ 8.2), 2 kg of reagents at Istrate's 2.78 kg
    # CO2e per kg LiOH (estimated default, secondary). Sodium sulfate is a co-product; the price ratio
    # (11 ÷ 0.12) exceeds 4, so the burden is shared economically.
    document("sichuan-lithium.jsonld", "2026-02-10T08:00:00" + CN, [
        receive("2026-02-02T09:00:00", CN, F["lioh"], [q(SC6, 120)]),
        add("2026-02-03T09:00:00", CN, F["lioh"], [q(REAGENTS, 32)],
            {"ct:material": "lioh-reagents", "ct:grade": "sulfuric acid, soda ash, lime", "cbvmda:countryOfOrigin": "CN"}),
        transform("2026-02-06T09:00:00", CN, F["lioh"], [q(SC6, 112), q(REAGENTS, 32)], [q(LIOH_SC, 16), q(NA2SO4, 19)],
                  {"ct:lots": [
                      {"epcClass": LIOH_SC, "ct:material": "lithium-hydroxide", "ct:grade": "battery-grade LiOH·H2O",
                       "ct:elementContent": {"Li": "0.1654"}},
                      {"epcClass": NA2SO4, "ct:material": "sodium-sulfate", "ct:grade": "anhydrous, by-product"}]},
                  energy([grid(80_000)], [fuel("coal", 24, "TNE"), fuel("natural-gas", 1_280_000, "3B")]),
                  quality="primary",
                  extra={"ct:coProductPrices": [
                      {"epcClass": LIOH_SC, "pricePerKg": "11.0", "currency": "USD"},
                      {"epcClass": NA2SO4, "pricePerKg": "0.12", "currency": "USD"}]}),
        ship("2026-02-09T09:00:00", CN, "sichuan-lithium", "hunan-cathode", [q(LIOH_SC, 12)], [("rail", 1200)],
             read_point=F["lioh"]),
    ])

    # 08 Cobalt sulfate in Zhejiang, from both DRC sources; no process data shared (Istrate 14.99
    # default), certified under a refiner audit programme.
    document("zhejiang-cobalt.jsonld", "2026-02-15T08:00:00" + CN, [
        receive("2026-02-10T09:00:00", CN, F["cobalt"], [q(COOH_KATANGA, 8), q(COOH_ARTISANAL, 0.9)]),
        transform("2026-02-12T09:00:00", CN, F["cobalt"], [q(COOH_KATANGA, 8), q(COOH_ARTISANAL, 0.9)], [q(COSO4, 12.1)],
                  {"ct:material": "cobalt-sulfate", "ct:grade": "CoSO4·7H2O", "ct:elementContent": {"Co": "0.2096"}},
                  quality="secondary", extra={"certificationInfo": CERT_RMAP_ZHEJIANG, "ct:yield": "1.4"}),
        ship("2026-02-14T09:00:00", CN, "zhejiang-cobalt", "hunan-cathode", [q(COSO4, 10.5)], [("road", 900)],
             read_point=F["cobalt"]),
    ])

    # 09 Synthetic graphite and anode, Baotou (Inner Mongolia grid, 0.6849). Istrate (Carrère 2024):
    # 43.87 kg CO2e per kg, electricity 34.57 of it. Here 48 kWh and 90 MJ gas per kg = 37.9 (crucibles
    # and coating left out). Anode: 80 % natural, 20 % synthetic, blended and coated with 1 kWh per kg.
    document("inner-mongolia-graphite.jsonld", "2026-02-09T08:00:00" + CN, [
        add("2026-01-25T08:00:00", CN, F["synthetic"], [q(SYNTHETIC, 7)],
            {"ct:material": "synthetic-graphite", "ct:grade": "Acheson, from needle coke", "ct:elementContent": {"graphite": "0.999"},
             "cbvmda:countryOfOrigin": "CN"},
            energy([grid(336_000)], [fuel("natural-gas", 630_000, "3B")]), quality="primary", stage=RAW),
        receive("2026-02-01T08:00:00", CN, F["anode"], [q(SPHERICAL, 28)]),
        transform("2026-02-05T08:00:00", CN, F["anode"], [q(SPHERICAL, 27.2), q(SYNTHETIC, 6.8)], [q(ANODE, 34)],
                  {"ct:material": "anode-graphite", "ct:grade": "80 % natural / 20 % synthetic, coated",
                   "ct:elementContent": {"graphite": "0.95"}},
                  energy([grid(34_000)]), quality="primary"),
        ship("2026-02-08T08:00:00", CN, "inner-mongolia-graphite", "debrecen-cells", [q(ANODE, NMC_IN["anode"])],
             [("rail", 9800)], read_point=F["anode"]),
        ship("2026-02-08T09:00:00", CN, "inner-mongolia-graphite", "changzhou-cells",
             [q(ANODE, round(NMC_IN["anode"] + LFP_IN["anode"], 2))], [("rail", 1400)], read_point=F["anode"]),
    ])

    # 10 Cathodes in Hunan (Central China grid 0.5271 as the proxy). pCAM (Ni0.8Co0.1Mn0.1(OH)2):
    # 2.28 kg NiSO4·6H2O and 0.304 kg CoSO4·7H2O per kg, half HPAL, half RKEF nickel, with 3 kWh and
    # 10 MJ gas per kg for precipitation and drying; 0.183 kg MnSO4·H2O per kg, bought in with an
    # estimated 1.5 kWh and 5 MJ per kg (no published figure, so marked secondary). NMC811 CAM:
    # 0.95 kg pCAM and 0.45 kg LiOH·H2O per kg, calcined with 9 kWh per kg (estimated). LFP: 1.19 kg
    # FePO4·2H2O (made on site, 4 kWh and 10 MJ per kg) and 0.24 kg Li2CO3 per kg, calcined with 5 kWh.
    document("hunan-cathode.jsonld", "2026-02-27T08:00:00" + CN, [
        receive("2026-02-16T08:00:00", CN, F["pcam"], [q(NISO4_HPAL, 38), q(NISO4_RKEF, 38), q(COSO4, 10.5)]),
        add("2026-02-17T08:00:00", CN, F["pcam"], [q(MNSO4, 6.1)],
            {"ct:material": "manganese-sulfate", "ct:grade": "MnSO4·H2O, bought from Guangxi",
             "ct:elementContent": {"Mn": "0.325"}, "cbvmda:countryOfOrigin": "CN"},
            energy([grid(9_150)], [fuel("natural-gas", 30_500, "3B")]), quality="secondary", stage=RAW),
        transform("2026-02-18T08:00:00", CN, F["pcam"],
                  [q(NISO4_HPAL, 37.6), q(NISO4_RKEF, 37.6), q(COSO4, 10.0), q(MNSO4, 6.05)], [q(PCAM, 33)],
                  {"ct:material": "pcam-nmc811", "ct:grade": "Ni0.8Co0.1Mn0.1(OH)2",
                   "ct:elementContent": {"Ni": "0.508", "Co": "0.0638", "Mn": "0.0595"}},
                  energy([grid(99_000)], [fuel("natural-gas", 330_000, "3B")]), quality="primary"),
        receive("2026-02-19T08:00:00", CN, F["cam"], [q(LIOH_SC, 12), q(LIOH_CL, 4)]),
        transform("2026-02-22T08:00:00", CN, F["cam"], [q(PCAM, 32.3), q(LIOH_SC, 12), q(LIOH_CL, 3.3)], [q(CAM, 34)],
                  {"ct:material": "cam-nmc811", "ct:grade": "LiNi0.8Co0.1Mn0.1O2",
                   "ct:elementContent": {"Li": "0.0718", "Ni": "0.4836", "Co": "0.0606", "Mn": "0.0568"}},
                  energy([grid(306_000)]), quality="primary"),
        add("2026-02-19T10:00:00", CN, F["lfp"], [q(FEPO4, 26)],
            {"ct:material": "iron-phosphate", "ct:grade": "FePO4·2H2O precursor", "ct:elementContent": {"Fe": "0.299", "P": "0.166"},
             "cbvmda:countryOfOrigin": "CN"},
            energy([grid(104_000)], [fuel("natural-gas", 260_000, "3B")]), quality="primary", stage=RAW),
        transform("2026-02-24T08:00:00", CN, F["lfp"], [q(FEPO4, 25), q(LI2CO3_CL, 5.0)], [q(LFP, 21)],
                  {"ct:material": "cam-lfp", "ct:grade": "LiFePO4/C",
                   "ct:elementContent": {"Li": "0.044", "Fe": "0.354", "P": "0.196"}},
                  energy([grid(105_000)], [fuel("natural-gas", 105_000, "3B")]), quality="primary"),
        ship("2026-02-26T08:00:00", CN, "hunan-cathode", "debrecen-cells", [q(CAM, NMC_IN["cam"])], [("rail", 9800)],
             read_point=F["cam"]),
        ship("2026-02-26T09:00:00", CN, "hunan-cathode", "changzhou-cells", [q(CAM, NMC_IN["cam"]), q(LFP, LFP_IN["cam"])],
             [("road", 1100)], read_point=F["cam"]),
    ])

    # 11 Electrolyte, Jiangsu (East China grid 0.5500): process energy only; solvents and LiPF6 are not
    # in the published reference set, so they are not counted (see expected.json).
    document("jiangsu-electrolyte.jsonld", "2026-02-13T08:00:00" + CN, [
        add("2026-02-10T08:00:00", CN, F["electrolyte"], [q(ELECTROLYTE, 20)],
            {"ct:material": "electrolyte", "ct:grade": "1 M LiPF6 in EC/EMC", "cbvmda:countryOfOrigin": "CN"},
            energy([grid(20_000)], [fuel("natural-gas", 100_000, "3B")]), quality="primary", stage=RAW),
        ship("2026-02-12T08:00:00", CN, "jiangsu-electrolyte", "debrecen-cells", [q(ELECTROLYTE, NMC_IN["electrolyte"])],
             [("rail", 10_200)], read_point=F["electrolyte"]),
        ship("2026-02-12T09:00:00", CN, "jiangsu-electrolyte", "changzhou-cells",
             [q(ELECTROLYTE, round(NMC_IN["electrolyte"] + LFP_IN["electrolyte"], 2))], [("road", 150)],
             read_point=F["electrolyte"]),
    ])

    # 12 Cell plant in Changzhou (Jiangsu, East China grid): 30 kWh of electricity and 20 MJ of gas per
    # kWh of cells (dry rooms, NMP recovery, formation), all from the grid.
    nmc_kwh, lfp_kwh = NMC_CELLS * 0.25, LFP_CELLS * 0.32
    cn_nmc_prefix, cn_lfp_prefix = "urn:epc:id:sgtin:6930001.081100.", "urn:epc:id:sgtin:6930001.040100."
    document("changzhou-cells.jsonld", "2026-03-10T08:00:00" + CN, [
        add("2026-03-01T08:00:00", CN, F["cells-cn"], [q(COMPONENTS_CN, round(NMC_IN["components"] + LFP_IN["components"], 2))],
            {"ct:material": "cell-components", "ct:grade": "Cu and Al foils, separator, casing", "cbvmda:countryOfOrigin": "CN"}),
        transform("2026-03-05T08:00:00", CN, F["cells-cn"],
                  [q(CAM, NMC_IN["cam"]), q(ANODE, NMC_IN["anode"]), q(ELECTROLYTE, NMC_IN["electrolyte"]),
                   q(COMPONENTS_CN, NMC_IN["components"])], [q(CELLS_CN_NMC, NMC_T)],
                  {"ct:material": "cell-nmc811", "ct:grade": "prismatic NMC811, 0.25 kWh"},
                  energy([grid(round(30 * nmc_kwh))], [fuel("natural-gas", round(20 * nmc_kwh), "3B")]), quality="primary",
                  extra={"ct:lifeCycleStage": "main-production"}),
        transform("2026-03-06T08:00:00", CN, F["cells-cn"],
                  [q(LFP, LFP_IN["cam"]), q(ANODE, LFP_IN["anode"]), q(ELECTROLYTE, LFP_IN["electrolyte"]),
                   q(COMPONENTS_CN, LFP_IN["components"])], [q(CELLS_CN_LFP, LFP_T)],
                  {"ct:material": "cell-lfp", "ct:grade": "prismatic LFP, 0.32 kWh"},
                  energy([grid(round(30 * lfp_kwh))], [fuel("natural-gas", round(20 * lfp_kwh), "3B")]), quality="primary",
                  extra={"ct:lifeCycleStage": "main-production"}),
        commission("2026-03-07T08:00:00", CN, F["cells-cn"], CELLS_CN_NMC, cn_nmc_prefix, NMC_CELLS, 0.9, 0.25, "CT-NMC811-E25"),
        commission("2026-03-07T09:00:00", CN, F["cells-cn"], CELLS_CN_LFP, cn_lfp_prefix, LFP_CELLS, 1.75, 0.32, "CT-LFP-E32"),
        *pack("2026-03-09T08:00:00", CN, F["cells-cn"], "6930001", cn_nmc_prefix, 1, "NMC"),
        *pack("2026-03-09T10:00:00", CN, F["cells-cn"], "6930001", cn_lfp_prefix, 1, "LFP"),
    ])

    # 13 Cell plant in Debrecen (Hungary): the same recipe, with 70 % of its electricity under a wind
    # PPA with guarantees of origin (stated 0.0336 kg CO2e/kWh, the published life-cycle factor of wind
    # power) and 30 % from the grid. The first commissioning gives the wrong energy per cell (0.52 kWh
    # for 0.25); 14 declares it in error and records the right one.
    hu_prefix = "urn:epc:id:sgtin:5990001.081100."
    wrong = commission("2026-03-26T08:00:00", HU, F["cells-hu"], CELLS_HU_NMC, hu_prefix, NMC_CELLS, 0.9, 0.52,
                       "CT-NMC811-E25")
    document("debrecen-cells.jsonld", "2026-03-26T12:00:00" + HU, [
        receive("2026-03-18T08:00:00", HU, F["cells-hu"],
                [q(CAM, NMC_IN["cam"]), q(ANODE, NMC_IN["anode"]), q(ELECTROLYTE, NMC_IN["electrolyte"])]),
        add("2026-03-19T08:00:00", HU, F["cells-hu"], [q(COMPONENTS_HU, NMC_IN["components"])],
            {"ct:material": "cell-components", "ct:grade": "Cu and Al foils, separator, casing", "cbvmda:countryOfOrigin": "HU"}),
        transform("2026-03-25T08:00:00", HU, F["cells-hu"],
                  [q(CAM, NMC_IN["cam"]), q(ANODE, NMC_IN["anode"]), q(ELECTROLYTE, NMC_IN["electrolyte"]),
                   q(COMPONENTS_HU, NMC_IN["components"])], [q(CELLS_HU_NMC, NMC_T)],
                  {"ct:material": "cell-nmc811", "ct:grade": "prismatic NMC811, 0.25 kWh"},
                  {"ct:electricity": [grid(round(0.3 * 30 * nmc_kwh)),
                                      {"quantity": round(0.7 * 30 * nmc_kwh), "uom": "KWH", "supply": "ppa",
                                       "kgCO2ePerKWh": "0.0336", "certificates": CERT_GO}],
                   "ct:fuels": [fuel("natural-gas", round(20 * nmc_kwh), "3B")]},
                  quality="primary", extra={"ct:lifeCycleStage": "main-production"}),
        wrong,
    ])
    # The corrective event has an eventID of its own, which the declaration names.
    corrective = {"eventID": "urn:uuid:0b9f6a3e-5c1d-4f7a-9e2b-5990001d2603",
                  **commission("2026-03-27T10:00:00", HU, F["cells-hu"], CELLS_HU_NMC, hu_prefix, NMC_CELLS, 0.9, 0.25,
                               "CT-NMC811-E25")}
    declared = dict(wrong)
    declared["errorDeclaration"] = {"declarationTime": "2026-03-27T09:00:00" + HU, "reason": "incorrect_data",
                                    "correctiveEventIDs": [corrective["eventID"]]}
    document("debrecen-cells-correction.jsonld", "2026-03-30T12:00:00" + HU, [
        declared,
        corrective,
        *pack("2026-03-30T08:00:00", HU, F["cells-hu"], "5990001", hu_prefix, 1, "NMC"),
    ])


def commission(time, tz, facility, cell_lot, prefix, count, kg, kwh, model):
    return {"type": "ObjectEvent", "eventTime": time + tz, "eventTimeZoneOffset": tz, "action": "ADD",
            "bizStep": "commissioning", "bizLocation": {"id": facility}, "epcList": [],
            "ct:cellLot": cell_lot, "ct:serialRanges": [{"prefix": prefix, "first": "1", "last": str(count)}],
            "ct:cellMass": {"quantity": kg, "uom": "KGM"}, "ct:nominalEnergy": {"quantity": kwh, "uom": "KWH"},
            "ct:batteryModel": model}


def pack(time, tz, facility, company, prefix, number, chemistry):
    """Four modules of twelve cells in one pack (a demonstration pack, not a whole EV pack)."""
    date, clock = time.split("T")
    events = []
    modules = []
    for module in range(4):
        module_id = f"urn:epc:id:giai:{company}.{chemistry}-MOD-{number:04d}-{module + 1}"
        modules.append(module_id)
        first = 1 + module * 12
        events.append({"type": "AggregationEvent", "eventTime": f"{date}T{clock[:3]}{module + 10}:00" + tz,
                       "eventTimeZoneOffset": tz, "action": "ADD", "bizStep": "assembling", "bizLocation": {"id": facility},
                       "parentID": module_id, "childEPCs": [prefix + str(serial) for serial in range(first, first + 12)]})
    events.append({"type": "AggregationEvent", "eventTime": f"{date}T{clock[:3]}30:00" + tz, "eventTimeZoneOffset": tz,
                   "action": "ADD", "bizStep": "packing", "bizLocation": {"id": facility},
                   "parentID": f"urn:epc:id:giai:{company}.{chemistry}-PACK-{number:04d}", "childEPCs": modules})
    return events


if __name__ == "__main__":
    main()
