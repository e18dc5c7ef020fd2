import Carbon
import LedgerCore
import SupplyChain

extension DemoTour {
    /// The tour: trace, recall, footprints, what-ifs, the published comparison and the audit.
    mutating func show(_ figures: Figures) throws {
        let first = figures.cells.first
        heading("Where a cell's materials came from: \(first?.label ?? firstSerial)")
        try run(["trace", firstSerial], show: true)
        say(
            """

            ⚑ marks a due-diligence flag on the facility (here an artisanal cobalt site flagged high-risk);
            ✓ a certificate recorded on a lot on the way.
            """
        )

        heading("The recall query: every cell and pack holding cobalt from the flagged artisanal site")
        try run(["where-used", "urn:celltrace:lot:cooh-kolwezi-asm-2601"], show: true)

        heading("Its carbon footprint, with the working shown")
        try run(["footprint", firstSerial], show: true)
        say(
            """

            Location-based counts each plant's grid; market-based counts contracts (Debrecen's wind PPA)
            and, for grid power, the residual mix, which is why the Chinese suppliers weigh more there;
            the draft EU rule counts national consumption mixes and direct connections only.
            """
        )

        for cell in figures.cells.dropFirst() {
            heading("The same for a cell from the other plant: \(cell.label)")
            let text = try run(["footprint", cell.serial])
            let sections = text.split(separator: "\n\n", omittingEmptySubsequences: false)
            say("$ celltrace footprint \(cell.serial)")
            for (index, section) in sections.enumerated()
            where index == 0 || index == 1 || section.hasPrefix("DATA GAPS") {
                if index > 0 { say("") }
                say(String(section))
            }
            say("(… contributions and receipt as above)")
        }

        heading("What if …")
        for (index, whatIf) in whatIfArguments.enumerated() {
            if index > 0 { say("") }
            say("# \(whatIf.label)")
            try run(["what-if", firstSerial] + whatIf.arguments, show: true)
        }

        heading("Against published figures (kg CO2e per kWh of nominal cell energy, cradle to gate)")
        var table = TextTable("CELL", "LOCATION", "MARKET", "EU DRAFT", "PRIMARY DATA", "PUBLISHED P5/P50/P95", "CHECK")
        for cell in figures.cells {
            table.add(
                cell.label,
                Number.fixed(cell.perNominalKWh[.locationBased] ?? 0, 1),
                Number.fixed(cell.perNominalKWh[.marketBased] ?? 0, 1),
                Number.fixed(cell.perNominalKWh[.euDraft] ?? 0, 1),
                Number.percent(cell.primaryShare[.locationBased] ?? 0),
                [cell.low, cell.published["median"]?.doubleValue ?? 0, cell.high].map { Number.fixed($0, 0) }
                    .joined(separator: " / "),
                cell.isWithinPublishedRange
                    ? Console.styled("within", .green) : Console.styled("OUTSIDE the published range", .red)
            )
        }
        say(table.rendered)
        for figure in Set(figures.cells.compactMap { $0.published["figure"]?.stringValue }).sorted() {
            say("  published: \(figure)")
        }
        say("")
        var stages = TextTable(["BY STAGE (location / market)"] + figures.cells.map(\.label))
        for stage in LifeCycleStage.allCases {
            stages.add(
                [stage.rawValue]
                    + figures.cells.map { cell in
                        [ElectricityMethod.locationBased, .marketBased].map {
                            Number.fixed(cell.perNominalKWhByStage[$0]?[stage] ?? 0, 1)
                        }.joined(separator: " / ")
                    }
            )
        }
        say(stages.rendered)
        if figures.cells.count >= 2, let hungary = figures.cells[0].perNominalKWh[.locationBased],
            let china = figures.cells[1].perNominalKWh[.locationBased], china > 0
        {
            say(
                """

                The same NMC811 cell made in Debrecen instead of Changzhou: \(Number.percent((hungary - china) / china))
                location-based (only the cell plant differs). Published for comparison: China's battery
                industry is said to be 20–40 % above Japan's and Korea's because of coal power (Qiu Lin,
                CAPBIIA meeting, 2024).
                """
            )
        }
        say("")
        var materials = TextTable("MATERIAL (per kg, location-based)", "DEMO", "PUBLISHED", "SOURCE")
        for material in figures.materials {
            materials.add(
                material.label,
                Number.fixed(material.perKg, 2),
                material.entry["published"]?["value"]?.doubleValue.map { Number.fixed($0, 2) } ?? "-",
                (material.entry["published"]?["figure"]?.stringValue ?? "")
                    + (material.entry["published"]?["note"]?.stringValue.map { " (\($0))" } ?? "")
            )
        }
        say(materials.rendered)

        heading("Anyone can verify it")
        try run(["verify", "--deep"], show: true)
        if let entry = figures.proofEntry {
            let proof = "\(proofsPath)/entry-\(entry).proof"
            let bytes = "\(proofsPath)/entry-\(entry).json"
            let vkey = "\(proofsPath)/ledger.vkey"
            say("")
            say(
                "# the Debrecen cell line's TransformationEvent (entry \(entry)), checked with nothing but three files:"
            )
            say("$ celltrace prove inclusion --seq \(entry) > \(proof)")
            try write(try run(["prove", "inclusion", "--seq", String(entry)]), to: proof)
            say("$ celltrace log --from \(entry) --to \(entry) > \(bytes)")
            try write(try run(["log", "--from", String(entry), "--to", String(entry)]), to: bytes)
            say("$ celltrace key > \(vkey)")
            let key = try run(["key"])
            try write(key, to: vkey)
            try run(
                [
                    "verify-proof", proof, "--entry", bytes, "--vkey",
                    String(key.prefix(while: { $0 != "\n" })),
                ],
                ledger: false,
                show: true
            )
            say("Without CellTrace installed: python3 tools/verify_proof.py \(proof) \(bytes) \(vkey)")
        }

        try showAttestations()
        try showExports()
    }

    /// A notified body's attestations, and the verified share they give the first cell.
    ///
    /// A verifier of role auditor attests the factor table and the cathode plant's submission at
    /// reasonable assurance and the Debrecen cell plant's at limited, and the footprint then shows
    /// the share of it resting on attested data. Left out for a dataset without those actors.
    mutating func showAttestations() throws {
        guard let table = factorTableEntry, let cathode = submissionEntries["hunan-cathode"],
            let cells = submissionEntries["debrecen-cells"]
        else { return }
        heading("A notified body attests the data it verified: the verified share")
        let key = "\(keysPath)/eu-verifier.pem"
        try run(["keygen", key], ledger: false)
        try run(
            [
                "actor", "add", "eu-verifier", "--role", "auditor", "--legal-name", "EU Verification Body (demo)",
                "--key", "\(keysPath)/eu-verifier.pub.pem",
            ],
            show: true
        )
        // Completed the day the tour runs (UTC): a verification is not completed before the
        // entries it covers were recorded, and the tour records them today.
        let today = String(Timestamp.now.rfc3339.prefix(10))
        let attestations: [(entries: [ClosedRange<Int>], level: String, completed: String, report: String?)] = [
            (
                [table...table] + cathode, "reasonable", today,
                "https://verifier.example/reports/hunan-2026-117.pdf"
            ),
            (cells, "limited", today, nil),
        ]
        for attestation in attestations {
            var arguments = [
                "attest", "--as", "eu-verifier", "--key", key, "--standard", "ISO 14067:2018", "--level",
                attestation.level, "--entries", Self.ranges(attestation.entries), "--completed", attestation.completed,
            ]
            if let report = attestation.report { arguments += ["--report", report] }
            try run(arguments, show: true)
        }
        attestedEntry = cathode.first?.lowerBound
        say(
            """

            The verifier checked the factor table and the cathode plant's submission (its metered
            electricity, fuels and yields) at reasonable assurance, the Debrecen cell plant's at limited;
            each statement is signed with its own key over the entries, the ledger size and the Merkle root
            it saw. A contribution counts as verified when its event and the factor table it uses are both
            attested, at the weaker level of the two:

            """
        )
        let text = try run(["footprint", firstSerial])
        say("$ celltrace footprint \(firstSerial)")
        for section in text.split(separator: "\n\n", omittingEmptySubsequences: false)
        where section.hasPrefix("KG CO2E") || section.hasPrefix("VERIFIED BY") {
            say(String(section))
            say("")
        }
        say("(… the contributions as above, each with the attestations it rests on in the VERIFIED column)")
    }

    /// Entry ranges as `attest --entries` takes them (`33,73-82`), adjacent ones joined.
    static func ranges(_ ranges: [ClosedRange<Int>]) -> String {
        var joined: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = joined.last, range.lowerBound <= last.upperBound + 1 {
                joined[joined.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                joined.append(range)
            }
        }
        return joined.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }

    /// Exports of the first cell in every format, each recorded as a disclosure, and the custody
    /// bundle checked offline.
    mutating func showExports() throws {
        heading("What leaves the company: exports, each recorded in the ledger as a disclosure")
        try FileIO.createDirectory(exportsPath)
        let bundle = "\(exportsPath)/cell.custody.json"
        let vkey = "\(proofsPath)/ledger.vkey"
        if (try? FileIO.readAll(vkey)) == nil { try write(try run(["key"]), to: vkey) }
        say("# for the verifier who audits the declaration: every sealed field revealed, so the footprint")
        say("# can be recomputed (the lithium refiner's economic allocation needs its co-product prices)")
        try run(
            [
                "export", "custody", firstSerial, "--profile", "auditor", "-o", bundle, "--recipient",
                "Notified body (verifier)",
            ],
            show: true
        )
        try run(["verify-bundle", bundle, "--vkey", vkey], ledger: false, show: true)
        say("Without CellTrace installed: python3 tools/verify_bundle.py \(bundle) \(vkey)")
        say("")
        try run(
            [
                "export", "epcis", firstSerial, "--profile", "public", "-o", "\(exportsPath)/cell.epcis.jsonld",
                "--recipient", "Battery passport registry",
            ],
            show: true
        )
        try run(
            [
                "export", "pact", firstSerial, "-o", "\(exportsPath)/cell.pact.json", "--recipient",
                "OEM Europe GmbH",
            ],
            show: true
        )
        try run(
            [
                "export", "passport", firstSerial, "--profile", "public", "-o",
                "\(exportsPath)/cell.passport.json", "--recipient", "Battery passport registry",
            ],
            show: true
        )
        do {
            try run(
                [
                    "export", "graph", firstSerial, "--format", "svg", "-o", "\(exportsPath)/cell-lineage.svg",
                    "--recipient", "OEM Europe GmbH",
                ],
                show: true
            )
        } catch let failure as Failure where failure.status == .badInput {
            say("(Graphviz is not installed here: the lineage is written as DOT text instead)")
            try run(
                [
                    "export", "graph", firstSerial, "-o", "\(exportsPath)/cell-lineage.dot", "--recipient",
                    "OEM Europe GmbH",
                ],
                show: true
            )
        }
        say("")
        try run(["disclosures"], show: true)
    }

    /// The closing lines: what was built, where, and what to try next.
    func finish(seconds: Double) {
        say("")
        say(Console.styled("Done in \(Number.fixed(seconds, 1)) s.", .bold))
        say("  dataset  \(datasetPath)/ (master data, factor table, one EPCIS 2.0 document per actor)")
        say("  keys     \(keysPath)/ (made fresh on this run; the private keys never enter the ledger)")
        say("  ledger   \(ledgerPath)/")
        say("  proofs   \(proofsPath)/")
        say("  exports  \(exportsPath)/ (custody bundle, EPCIS 2.0, PACT, passport section, lineage picture)")
        say("Try next (with CELLTRACE_LEDGER=\(ledgerPath)):")
        say("  celltrace lot show urn:celltrace:lot:cam811-hunan-2602")
        if let attestedEntry { say("  celltrace attestations --entry \(attestedEntry)") }
        say(
            "  celltrace declaration --model CT-NMC811-E25 --plant urn:epc:id:sgln:5990001.00001.0 --from 2026-03-01 --to 2026-03-31"
        )
        say("  celltrace trace urn:epc:id:giai:6930001.LFP-PACK-0001 --depth 2")
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try FileIO.writeNew(text, to: path)
        } catch let error as FileIO.Error {
            throw Failure.badInput(error.message)
        }
    }
}
