import ArgumentParser
import Carbon
import Exports
import LedgerCore
import Provenance
import SupplyChain

/// `celltrace impact`: which recorded exports a later entry changed.
struct ImpactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impact",
        abstract: "Recompute every recorded export against the ledger now: which a correction changed, and why.",
        discussion: prose(
            """
            Each export described the ledger at a size and stays true of it; entries recorded since
            (an event declared in error and its corrective event, a facility amended, a new factor
            table, a certificate) can change what the ledger gives for the same subject now. For each
            subject and size exported, impact computes the footprint then and now and lists the
            entries since that bear on it: status current, lineage-changed (same figures, new
            entries on its lineage), footprint-changed, withdrawn (no footprint now: the subject or
            what made it was declared in error), reissued (changed, but sent again since to the same
            recipient in the same format) or not-recomputed. With --changed, only the exports still
            to issue again, each with the command that does it.

            With --entry N, what one entry changed in every footprint, exported or not: the serial
            ranges whose footprint per cell, and the lots whose footprint per kg, differ just before
            the entry and just after it, and those it added (a commissioning, a lot made) or
            withdrew (declared in error). A submission's entry is compared with its events as one
            change. A shipment of cells, modules or packs by id charges its leg to the units it
            moved, as footprint does: each unit whose shipments' kg CO2e differ is listed, a cell
            with its footprint (its range's per cell plus its shipments).

            With --from N [--to M], what the entries N to M (the last entry when --to is not given)
            changed together, as one change: a figure that moved and moved back within them is not
            listed. Either may be a time instead (2026-03-01, 2026-03-01T12:00:00Z): --from the
            first entry recorded after it, --to the last recorded at or before it. --cells shows
            only the serial ranges, --lots only the lots. --subject narrows either to one cell
            serial, module, pack or lot: for cells, the ranges they were commissioned in and the
            changed lots upstream of them (why their footprint moved); for a lot, its own change,
            the lots it was made from and into, and the cells made from it (what the change
            reached). --csv prints the same rows for a spreadsheet. Without --entry or --from,
            --subject keeps the exports of that subject, and --csv prints one row an export.

            With files, the exports you kept: impact above compares the ledger's states with the
            method of the CellTrace at hand, so a release that changes the method moves no status.
            Each file is found in the disclosure log by its SHA-256, written again by this CellTrace
            as of the ledger size it describes, and compared figure by figure: reproduces (the same
            bytes), same-figures (other members differ: a link given when it was sent, the proofs of
            a custody bundle to today's checkpoint), method-changed (the figures that differ, kept
            and now), refused (this CellTrace no longer writes it, and why) or no-figures (an EPCIS
            document or a graph); then its status against the ledger now, as above.

            Example:
              celltrace impact --changed
              celltrace impact --recipient "OEM Europe GmbH" --json
              celltrace impact --entry 121
              celltrace impact --from 100 --to 130 --cells
              celltrace impact --from 2026-03-01 --to 2026-03-08 --json
              celltrace impact --from 100 --subject urn:epc:id:sgtin:5990001.081100.17
              celltrace impact --entry 121 --csv > impact.csv
              celltrace impact --changed --csv > to-reissue.csv
              celltrace impact sent/*.json
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Option(help: ArgumentHelp("Only the exports to this recipient.", valueName: "name")) var recipient: String?
    @Flag(help: "Only the exports still to issue again or withdraw (every status but current and reissued).")
    var changed = false
    @Option(
        help: ArgumentHelp(
            "Every cell and lot whose footprint this entry changed, exported or not, rather than the exports.",
            valueName: "sequence"
        )
    )
    var entry: UInt64?
    @Option(
        help: ArgumentHelp(
            "Every cell and lot whose footprint the entries from this one (or the first recorded after this time) "
                + "to --to changed, together.",
            valueName: "sequence|time"
        )
    )
    var from: String?
    @Option(
        help: ArgumentHelp(
            "The last entry of --from's run, or a time: the last entry recorded at or before it (default: the "
                + "ledger's last).",
            valueName: "sequence|time"
        )
    )
    var to: String?
    @Flag(help: "With --entry or --from: only the serial ranges, not the lots.") var cells = false
    @Flag(help: "With --entry or --from: only the lots, not the serial ranges.") var lots = false
    @Option(
        help: ArgumentHelp(
            "Only what bears on this cell serial, module, pack or lot (with --entry or --from), or only the "
                + "exports of this subject (as exported, or in its other GS1 form).",
            valueName: "id"
        )
    )
    var subject: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(
        help: "Print CSV with a header row: one row an export, or with --entry or --from one row a serial range or lot."
    )
    var csv = false
    @Argument(
        help: ArgumentHelp(
            "Exports you kept: each is found in the disclosure log by its SHA-256, written again by this CellTrace "
                + "at the ledger size it describes and compared figure by figure, then with the ledger now.",
            valueName: "file"
        )
    )
    var kept: [String] = []

    func validate() throws {
        if !kept.isEmpty,
            entry != nil || from != nil || changed || csv || cells || lots || recipient != nil || subject != nil
        {
            throw ValidationError(
                "kept files are compared one by one: give them with --as-of or --json only, not --entry, --from, "
                    + "--changed, --csv, --cells, --lots, --recipient or --subject"
            )
        }
        if entry != nil, from != nil {
            throw ValidationError("give --entry N for one entry or --from N [--to M] for a run, not both")
        }
        if to != nil, from == nil {
            throw ValidationError("--to ends the run that --from starts: give --from too")
        }
        for (name, text) in [("from", from), ("to", to)] {
            if let text, UInt64(text) == nil, PointInTime.time(text) == nil {
                throw ValidationError(
                    "--\(name) \(text): give an entry's sequence number or a time such as 2026-03-01 or "
                        + "2026-03-01T12:00:00Z"
                )
            }
        }
        if let from = from.flatMap(UInt64.init), let to = to.flatMap(UInt64.init), to < from {
            throw ValidationError("--to \(to) is before --from \(from)")
        }
        if entry != nil || from != nil, recipient != nil || changed || asOf.asOf != nil {
            throw ValidationError(
                "--\(entry != nil ? "entry" : "from") compares the ledger before and after entries: it takes no "
                    + "--recipient, --changed or --as-of"
            )
        }
        if entry == nil, from == nil, cells || lots {
            throw ValidationError("--cells and --lots choose what --entry or --from lists: give one of them")
        }
        if json, csv { throw ValidationError("give --json or --csv, not both") }
    }

    func run() throws {
        let chain = try options.openChain(readOnly: true)
        if !kept.isEmpty {
            try compareKept(chain: chain)
            return
        }
        if entry != nil || from != nil {
            var impact: EntryImpact
            do {
                if let entry {
                    impact = try EntryImpact.compute(entry: entry, chain: chain)
                } else if let from {
                    // The run as sizes: the ledger before its first entry and after its last.
                    let size = try chain.ledger.size
                    let start = try Self.size(at: from, pastEntry: false, in: chain.ledger, now: size)
                    let end = try to.map { try Self.size(at: $0, pastEntry: true, in: chain.ledger, now: size) } ?? size
                    guard start < end else {
                        // Nothing compared, but a subject the ledger never had is still named.
                        if let subject {
                            do {
                                _ = try chain.read { reader, txn, _ in
                                    try Subject.resolve(subject, reader: reader, size: start, txn)
                                }
                            } catch let error as ProvenanceError {
                                throw Failure.badInput("--subject: \(error.description)")
                            }
                        }
                        if csv {
                            Console.out(Self.csvHeader)
                        } else {
                            Console.out(json ? Self.emptyRunJSON(from: start).canonicalString : Self.emptyRun(from, to))
                        }
                        return
                    }
                    impact = try EntryImpact.compute(from: start, to: end - 1, chain: chain)
                } else {
                    preconditionFailure("--entry or --from is given")
                }
                if let subject {
                    impact = try impact.narrowed(to: subject, chain: chain)
                    if let focus = impact.focus {
                        noteRecordedForm(of: subject, as: focus.id, lot: focus.kind == .lot)
                    }
                }
            } catch let error as ExportError {
                throw Failure.badInput(error.message)
            }
            // Both flags, or neither, show both.
            let shown = Shown(ranges: cells || !lots, lots: lots || !cells)
            if csv {
                Console.out(Self.csv(impact, shown: shown))
            } else {
                Console.out(
                    json
                        ? Self.json(impact, run: from != nil, shown: shown).canonicalString
                        : Self.text(impact, run: from != nil, shown: shown)
                )
            }
            return
        }
        var review = try DisclosureReview.review(chain: chain, recipient: recipient, asOf: try asOf.point())
        if let subject {
            // As exported, or under the other GS1 form the ledger records it by.
            let forms =
                [subject]
                + (try chain.read { reader, txn, _ in try reader.recordedForm(of: subject, txn) }.map { [$0] } ?? [])
            review.items.removeAll { !forms.contains($0.subject) }
        }
        let items = changed ? review.items.filter { ![.current, .reissued].contains($0.status) } : review.items
        if csv {
            Console.out(Self.csv(items))
            return
        }
        if json {
            Console.out(
                JSONValue.object([
                    "size": .number(Double(review.size)),
                    "items": .array(items.map(Self.json)),
                ]).canonicalString
            )
            return
        }
        let exports = review.items.reduce(0) { $0 + $1.disclosures.count }
        guard !review.items.isEmpty else {
            Console.out(
                "no exports" + (subject.map { " of \($0)" } ?? "") + (recipient.map { " to \($0)" } ?? "")
                    + " recorded before ledger size \(review.size)"
            )
            return
        }
        let subjects = Set(review.items.map(\.subject)).count
        var counts: [String] = []
        for status in DisclosureReview.Status.allCases {
            let count = review.items.count { $0.status == status }
            if count > 0 { counts.append("\(count) \(status.rawValue)") }
        }
        var lines = [
            "\(exports) export\(exports == 1 ? "" : "s") of \(subjects) subject\(subjects == 1 ? "" : "s") "
                + "compared with ledger size \(review.size): \(counts.joined(separator: ", "))"
        ]
        if !items.isEmpty {
            var table = TextTable("SUBJECT", "AS OF", "STATUS", "LARGEST CHANGE", "EXPORTED")
            for item in items {
                table.add(
                    item.subject,
                    String(item.asOfSize),
                    item.status.rawValue,
                    Self.largestChange(item),
                    item.disclosures.map { "\($0.format) to \($0.recipient)" }.joined(separator: "; ")
                )
            }
            lines += ["", table.rendered]
        }
        // One block for the exports of a subject that changed alike (the same status, the same
        // figures then and now, the same entries since), whatever size each described.
        var blocks: [[DisclosureReview.Item]] = []
        for item in items where item.status != .current {
            if let index = blocks.firstIndex(where: { block in
                let first = block[0]
                return first.subject == item.subject && first.status == item.status && first.then == item.then
                    && first.now == item.now && first.changes == item.changes && first.reason == item.reason
            }) {
                blocks[index].append(item)
            } else {
                blocks.append([item])
            }
        }
        for block in blocks {
            lines.append("")
            lines += Self.text(block)
        }
        if changed, items.isEmpty { lines += ["", "every export is current"] }
        Console.out(lines.joined(separator: "\n"))
    }

    /// The figure that changed most, relatively: `kg CO2e -5.9 % (location)`; `-` when none did.
    static func largestChange(_ item: DisclosureReview.Item) -> String {
        switch item.status {
        case .withdrawn: return "no footprint now"
        case .notRecomputed: return "-"
        case .current, .lineageChanged, .footprintChanged, .reissued: break
        }
        guard let then = item.then, let now = item.now else { return "-" }
        var largest: (share: Double, text: String)?
        func consider(_ what: String, _ before: Double?, _ after: Double?) {
            guard let before, let after, DisclosureReview.differs(before, after) else { return }
            let share = before == 0 ? .infinity : (after - before) / before
            if abs(share) > abs(largest?.share ?? 0) {
                largest = (share, "\(what) \(Self.change(before, after))")
            }
        }
        for method in ElectricityMethod.allCases {
            consider("kg CO2e (\(method.label))", then.kgCO2e[method], now.kgCO2e[method])
            consider("per kWh (\(method.label))", then.perKWh[method], now.perKWh[method])
        }
        consider("cells", then.cells.map { Double($0) }, now.cells.map { Double($0) })
        return largest?.text ?? "figures unchanged"
    }

    /// The block of text of a subject's exports that changed alike.
    static func text(_ items: [DisclosureReview.Item]) -> [String] {
        let item = items[0]
        let sizes = items.map { String($0.asOfSize) }.joined(separator: ", ")
        var lines = ["\(item.subject) as of size\(items.count == 1 ? "" : "s") \(sizes): \(item.status.rawValue)"]
        let reissuedBy = items.reduce(into: [UInt64: UInt64]()) { $0.merge($1.reissuedBy) { a, _ in a } }
        for disclosure in items.flatMap(\.disclosures) {
            let entry = disclosure.sequenceNumber
            lines.append(
                "  exported  \(disclosure.format) to \(disclosure.recipient) (\(disclosure.profile)) as of size "
                    + "\(disclosure.asOfSize)\(entry.map { ", entry #\($0)" } ?? "")"
                    + (entry.flatMap { reissuedBy[$0] }.map { "; issued again as entry #\($0)" } ?? "")
            )
        }
        if let then = item.then {
            var table = TextTable("  FIGURE", "THEN", "NOW", "CHANGE")
            func row(_ label: String, _ before: Double?, _ after: Double?, _ format: (Double) -> String) {
                guard let before else { return }
                table.add(
                    "  " + label,
                    format(before),
                    after.map(format) ?? "none",
                    after.map { Self.change(before, $0) } ?? "-"
                )
            }
            for method in ElectricityMethod.allCases {
                row(
                    "kg CO2e per kWh \(then.perKWhBasis ?? "") (\(method.label))",
                    then.perKWh[method],
                    item.now?.perKWh[method]
                ) {
                    Number.fixed($0, 4)
                }
            }
            for method in ElectricityMethod.allCases {
                row("kg CO2e (\(method.label))", then.kgCO2e[method], item.now?.kgCO2e[method], Number.significant)
            }
            row("cells", then.cells.map { Double($0) }, item.now?.cells.map { Double($0) }) { Number.fixed($0, 0) }
            // The verified share, where either side has one: a change in percentage points.
            for method in ElectricityMethod.allCases {
                let before = then.verifiedShare[method] ?? 0
                let after = item.now?.verifiedShare[method]
                guard before > 0 || (after ?? 0) > 0 else { continue }
                let points = ((after ?? 0) - before) * 100
                table.add(
                    "  verified share (\(method.label))",
                    Number.percent(before),
                    after.map(Number.percent) ?? "none",
                    after == nil
                        ? "-"
                        : abs(points) < 0.05
                            ? "unchanged" : (points > 0 ? "+" : "") + Number.fixed(points, 1) + " points"
                )
            }
            lines.append(table.rendered)
        }
        if let reason = item.reason { lines.append("  why       \(reason)") }
        for (index, change) in item.changes.enumerated() {
            lines.append("  \(index == 0 ? "since" : "     ")     #\(change.sequenceNumber) \(change.summary)")
        }
        var seen: Set<String> = []
        for disclosure in items.flatMap(\.disclosures) {
            guard let command = reissue(disclosure, status: item.status, reissuedBy: reissuedBy),
                seen.insert(command).inserted
            else { continue }
            lines.append("  reissue   \(command)")
        }
        return lines
    }

    /// `+1.2 %`, `-0.4 %` or `unchanged`.
    private static func change(_ before: Double, _ after: Double) -> String {
        guard DisclosureReview.differs(before, after) else { return "unchanged" }
        return before == 0 ? "from 0" : (after > before ? "+" : "") + Number.percent((after - before) / before)
    }

    /// The command that issues an export of a subject in `status` again, or `nil`: when it is
    /// current or its figures were not recomputed, when it was issued again already (by
    /// `reissuedBy`, the later export of each earlier one), or as ``reissue(_:withdrawn:)`` says.
    static func reissue(
        _ disclosure: Disclosure,
        status: DisclosureReview.Status,
        reissuedBy: [UInt64: UInt64]
    ) -> String? {
        guard status != .current, status != .notRecomputed, reissuedBy[disclosure.sequenceNumber ?? .max] == nil
        else { return nil }
        return reissue(disclosure, withdrawn: status == .withdrawn)
    }

    /// The command that issues an export again from the ledger as it is now, or `nil` when the
    /// format has none or the subject is withdrawn (a recipient is then told so, not sent figures).
    static func reissue(_ disclosure: Disclosure, withdrawn: Bool) -> String? {
        guard !withdrawn else { return nil }
        let tail = "--profile \(disclosure.profile) --recipient \(quoted(disclosure.recipient)) -o FILE"
        let subject = quoted(disclosure.subject)
        switch disclosure.format {
        case "custody", "epcis", "graph": return "celltrace export \(disclosure.format) \(subject) \(tail)"
        case "battery-pass-1.2.0":
            let period = disclosure.declarationPeriod.map {
                " --declaration-from \(quoted($0.from)) --declaration-to \(quoted($0.to))"
            }
            return "celltrace export passport \(subject)\(period ?? "") \(tail)"
        case "pact-3.0.3", "pact-2.3.3":
            let version = disclosure.format == "pact-3.0.3" ? "" : " --pact-version 2"
            if let declaration = DeclarationSubject(disclosure.subject) {
                return
                    "celltrace export pact --model \(quoted(declaration.model)) --plant \(quoted(declaration.plant)) "
                    + "--from \(ExportEncoding.dateTime(declaration.from)) --to \(ExportEncoding.dateTime(declaration.to))"
                    + "\(version) \(tail)"
            }
            return "celltrace export pact \(subject)\(version) \(tail)"
        default: return nil
        }
    }

    /// A word as a shell reads it back: as it is when it is plain, else in single quotes.
    static func quoted(_ word: String) -> String {
        let plain =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || $0.properties.numericType != nil
                        || ":._-/@+,=".unicodeScalars.contains($0))
            }
        return plain ? word : "'" + word.replacing("'", with: #"'\''"#) + "'"
    }

    /// The ledger's size at one end of the run: before the entry `--from` names or after the one
    /// `--to` names (`pastEntry`), or as it stood at a time, the entries recorded at or before it.
    static func size(at text: String, pastEntry: Bool, in ledger: Ledger, now: UInt64) throws -> UInt64 {
        if let sequence = UInt64(text) {
            guard sequence < now else {
                throw Failure.badInput(
                    now == 0
                        ? "the ledger is empty: there is no entry to compare"
                        : "there is no entry #\(sequence): the ledger holds entries #0 to #\(now - 1) (a date is "
                            + "written 2026-03-01)"
                )
            }
            return pastEntry ? sequence + 1 : sequence
        }
        guard let time = PointInTime.time(text) else {
            throw Failure.badInput("--\(pastEntry ? "to" : "from") \(text): neither a sequence number nor a time")
        }
        return try PointInTime.time(time).size(in: ledger, now: now)
    }

    /// The text for a run in which no entry was recorded.
    static func emptyRun(_ from: String, _ to: String?) -> String {
        let start = UInt64(from) == nil ? "after \(from)" : "from entry #\(from)"
        let end = to.map { UInt64($0) == nil ? " and at or before \($0)" : " to entry #\($0)" } ?? ""
        return "no entries were recorded \(start)\(end): no cell's or lot's footprint changed"
    }

    /// The JSON for a run without entries: nothing compared, nothing changed.
    static func emptyRunJSON(from size: UInt64) -> JSONValue {
        [
            "from": .number(Double(size)), "entries": [], "changes": [], "lotChanges": [], "unitChanges": [],
            "cells": 0,
        ]
    }

    /// What `--entry` and `--from` list: the serial ranges, the lots, or both.
    struct Shown {
        var ranges: Bool
        var lots: Bool
    }

    /// The entries of a run that `--from` lists one to a line; the rest are counted by type.
    static let listedEntries = 20

    /// `--entry` and `--from`: the entries, a summary line, and tables of the ranges and lots they
    /// changed.
    static func text(_ impact: EntryImpact, run: Bool = false, shown: Shown = Shown(ranges: true, lots: true)) -> String
    {
        let compared =
            "\(impact.ranges) serial range\(impact.ranges == 1 ? "" : "s") in \(impact.cellLots) cell "
            + "lot\(impact.cellLots == 1 ? "" : "s"), \(impact.lots) lot\(impact.lots == 1 ? "" : "s")"
            + (impact.units == 0 ? "" : ", \(impact.units) unit\(impact.units == 1 ? "" : "s") shipped by id")
        var lines: [String]
        if run {
            let count = impact.entries.count
            let submissions = impact.entries.contains { $0.type == SupplyChainLedger.EntryType.submission }
            lines = [
                "entries #\(impact.entry)–#\(impact.through) compared as one change (\(count) "
                    + "entr\(count == 1 ? "y" : "ies")\(submissions ? ", each submission with its events" : "")):"
            ]
            for compared in impact.entries.prefix(Self.listedEntries) {
                lines.append("  #\(compared.sequenceNumber) \(compared.summary)")
            }
            let rest = impact.entries.dropFirst(Self.listedEntries)
            if !rest.isEmpty {
                var byType: [String: Int] = [:]
                for compared in rest { byType[compared.type, default: 0] += 1 }
                lines.append(
                    "  … and \(rest.count) more: "
                        + byType.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }
                        .joined(separator: ", ")
                )
            }
            lines.append(
                "compared before #\(impact.entry) (ledger size \(impact.entry)) and after #\(impact.through) "
                    + "(size \(impact.through + 1)): \(compared)"
            )
        } else {
            lines = [
                "entry #\(impact.entry) \(impact.type): \(impact.summary)",
                "compared before it (ledger size \(impact.entry)) and after "
                    + (impact.through == impact.entry ? "it" : "its last event #\(impact.through)")
                    + " (size \(impact.through + 1)): \(compared)",
            ]
        }
        if let focus = impact.focus {
            let lots = "\(focus.lineageLots) lot\(focus.lineageLots == 1 ? "" : "s") on its lineage"
            switch focus.kind {
            case .lot:
                lines.append(
                    "narrowed to lot \(focus.id): the \(lots) (made from it and into it) and the cells made from it"
                )
            case .cell, .assembly:
                lines.append(
                    "narrowed to \(focus.kind == .cell ? "cell" : "module or pack") \(focus.id): the ranges of its cells "
                        + "and the \(lots)"
                )
            }
        }
        let rangesShown = shown.ranges && !(impact.changes.isEmpty && impact.unitChanges.isEmpty)
        guard rangesShown || (shown.lots && !impact.lotChanges.isEmpty) else {
            switch (shown.ranges, shown.lots) {
            case (true, false): lines.append("no cell's footprint changed")
            case (false, true): lines.append("no lot's footprint changed")
            default: lines.append("no cell's or lot's footprint changed")
            }
            let attestations: Set = [
                SupplyChainLedger.EntryType.attestation, SupplyChainLedger.EntryType.attestationWithdraw,
            ]
            if impact.entries.contains(where: { attestations.contains($0.type) }) {
                lines.append(
                    "an attestation changes no figure, only the share of the figures that rests on attested data: "
                        + "`celltrace footprint` and `declaration` show that share, "
                        + "`celltrace impact` the exports it affects"
                )
            }
            return lines.joined(separator: "\n")
        }
        func counted(_ statuses: [EntryImpact.Status], _ noun: String, cells: (Int) -> UInt64?) -> String {
            var counts: [String] = []
            for status in [EntryImpact.Status.changed, .added, .withdrawn] {
                let count = statuses.indices.filter { statuses[$0] == status }
                guard !count.isEmpty else { continue }
                let cellCount = count.reduce(UInt64(0)) { $0 + (cells($1) ?? 0) }
                counts.append(
                    "\(count.count) \(noun)\(count.count == 1 ? "" : "s") \(status.rawValue)"
                        + (cells(count[0]) == nil ? "" : " (\(cellCount) cell\(cellCount == 1 ? "" : "s"))")
                )
            }
            return counts.joined(separator: ", ")
        }
        let methods = ElectricityMethod.allCases
        func figures(
            _ before: [ElectricityMethod: Double]?,
            _ after: [ElectricityMethod: Double]?,
            _ format: (Double) -> String = Number.significant
        ) -> [String] {
            methods.map { method in
                let then = before?[method].map(format) ?? "-"
                let now = after?[method].map(format) ?? "-"
                guard let old = before?[method], let new = after?[method] else { return "\(then) → \(now)" }
                return "\(then) → \(now) (\(Self.change(old, new)))"
            }
        }
        if shown.ranges, impact.changes.isEmpty {
            lines.append(
                impact.unitChanges.isEmpty ? "no cell's footprint changed" : "no range's footprint per cell changed"
            )
        } else if shown.ranges {
            lines.append(counted(impact.changes.map(\.status), "range") { impact.changes[$0].range.count })
            var table = TextTable(
                ["SERIALS", "CELLS", "STATUS", "KWH/CELL"]
                    + methods.map { "KG CO2E/CELL (\($0.label.uppercased()))" }
            )
            for change in impact.changes {
                let energy = change.range.nominalEnergyKWh.description
                table.add(
                    [
                        change.range.text, String(change.range.count), change.status.rawValue,
                        change.previous.map { "\($0.nominalEnergyKWh) → \(energy)" } ?? energy,
                    ] + figures(change.before, change.after)
                )
            }
            lines += ["", table.rendered]
            // The declared figure: per kWh over a cell's life, for the ranges of a battery model.
            let declared = impact.changes.filter { $0.beforePerLifetimeKWh != nil || $0.afterPerLifetimeKWh != nil }
            if !declared.isEmpty {
                var perKWh = TextTable(["SERIALS"] + methods.map { "KG CO2E/LIFETIME KWH (\($0.label.uppercased()))" })
                for change in declared {
                    perKWh.add(
                        [change.range.text]
                            + figures(change.beforePerLifetimeKWh, change.afterPerLifetimeKWh) { Number.fixed($0, 4) }
                    )
                }
                lines += ["", perKWh.rendered]
            }
        }
        if shown.ranges, !impact.unitChanges.isEmpty {
            // The units shipped by id: their share of each shipment's leg, and a cell's footprint.
            lines += ["", counted(impact.unitChanges.map(\.status), "shipped unit") { _ in nil }]
            var table = TextTable(
                ["UNIT", "KIND", "STATUS"] + methods.map { "KG CO2E SHIPPED BY ID (\($0.label.uppercased()))" }
            )
            for change in impact.unitChanges {
                table.add(
                    [change.unit, change.kind == .cell ? "cell" : "module or pack", change.status.rawValue]
                        + figures(change.before, change.after)
                )
            }
            lines += ["", table.rendered]
            let cells = impact.unitChanges.filter { $0.footprintBefore != nil || $0.footprintAfter != nil }
            if !cells.isEmpty {
                var footprints = TextTable(["CELL"] + methods.map { "KG CO2E/CELL (\($0.label.uppercased()))" })
                for change in cells {
                    footprints.add([change.unit] + figures(change.footprintBefore, change.footprintAfter))
                }
                lines += ["", footprints.rendered]
            }
        }
        if shown.lots, !impact.lotChanges.isEmpty {
            lines += ["", counted(impact.lotChanges.map(\.status), "lot") { _ in nil }]
            var table = TextTable(
                ["LOT", "MATERIAL", "STATUS"] + methods.map { "KG CO2E/KG (\($0.label.uppercased()))" }
            )
            for change in impact.lotChanges {
                table.add(
                    [change.lot, change.material ?? "-", change.status.rawValue] + figures(change.before, change.after)
                )
            }
            lines += ["", table.rendered]
        }
        return lines.joined(separator: "\n")
    }

    /// The columns of `--csv`: what each row is, then each electricity method's figure before and
    /// after (per cell for a range, per kg for a lot), then a range's per lifetime kWh.
    static let csvColumns: [String] =
        ["kind", "id", "lot", "lot_number", "material", "status", "cells", "commissioned_at", "unit"]
        + CSV.methodColumns("", ["_before", "_after"])
        + CSV.methodColumns("", ["_per_lifetime_kwh_before", "_per_lifetime_kwh_after"])

    /// The header row alone: what `--csv` prints when nothing was compared.
    static var csvHeader: String { CSV.row(csvColumns) }

    /// The rows of `--entry --csv` and `--from --csv`.
    ///
    /// A header row, then a row for each serial range (without `--lots`), each lot (without
    /// `--cells`) the entries changed, added or withdrew, and each unit shipped by id (without
    /// `--lots`) whose shipments they changed: its kg CO2e shipped by id. Figures
    /// are kg CO2e as Swift prints a double (the shortest text that reads back the same); a
    /// figure there is none of is an empty field.
    static func csv(_ impact: EntryImpact, shown: Shown) -> String {
        func figures(_ before: [ElectricityMethod: Double]?, _ after: [ElectricityMethod: Double]?) -> [String] {
            func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
            return ElectricityMethod.allCases.flatMap { method -> [String] in
                [text(before?[method]), text(after?[method])]
            }
        }
        var rows = [csvHeader]
        if shown.ranges {
            for change in impact.changes {
                rows.append(
                    CSV.row(
                        [
                            "range", change.range.text, change.range.lot, "", "", change.status.rawValue,
                            String(change.range.count), String(change.range.commissionedAt), "kg CO2e per cell",
                        ] + figures(change.before, change.after)
                            + figures(change.beforePerLifetimeKWh, change.afterPerLifetimeKWh)
                    )
                )
            }
            for change in impact.unitChanges {
                rows.append(
                    CSV.row(
                        [
                            "unit", change.unit, change.range?.lot ?? "", "", "", change.status.rawValue,
                            change.range == nil ? "" : "1", change.range.map { String($0.commissionedAt) } ?? "",
                            "kg CO2e shipped by id",
                        ] + figures(change.before, change.after) + figures(nil, nil)
                    )
                )
            }
        }
        if shown.lots {
            for change in impact.lotChanges {
                rows.append(
                    CSV.row(
                        [
                            "lot", change.lot, change.lot, String(change.number), change.material ?? "",
                            change.status.rawValue, "", "", "kg CO2e per kg",
                        ] + figures(change.before, change.after) + figures(nil, nil)
                    )
                )
            }
        }
        return rows.joined(separator: "\n")
    }

    /// The columns of `--csv` without `--entry` or `--from`: the export, what became of it, the
    /// figures it carried and those of now, and what to do.
    static let reviewColumns: [String] =
        [
            "subject", "as_of_size", "status", "format", "recipient", "profile", "entry", "recorded_at", "sha256",
            "reissued_by", "reissue", "changed_by", "reason", "per_kwh_basis",
        ]
        + CSV.methodColumns("kg_co2e_", ["_then", "_now"]) + CSV.methodColumns("per_kwh_", ["_then", "_now"])
        + ["cells_then", "cells_now"] + CSV.methodColumns("verified_share_", ["_then", "_now"])

    /// `impact --csv` without `--entry` or `--from`: a header row, then one row for each export of
    /// each item, in the order of the items.
    static func csv(_ items: [DisclosureReview.Item]) -> String {
        func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        var rows = [CSV.row(reviewColumns)]
        for item in items {
            let changedBy = item.changes.map { "#\($0.sequenceNumber)" }.joined(separator: " ")
            var figures: [String] = []
            for figure in [\DisclosureReview.Figures.kgCO2e, \.perKWh] {
                for method in ElectricityMethod.allCases {
                    figures += [text(item.then?[keyPath: figure][method]), text(item.now?[keyPath: figure][method])]
                }
            }
            figures += [item.then?.cells.map(String.init) ?? "", item.now?.cells.map(String.init) ?? ""]
            for method in ElectricityMethod.allCases {
                figures += [text(item.then?.verifiedShare[method]), text(item.now?.verifiedShare[method])]
            }
            for disclosure in item.disclosures {
                let reissuedBy = disclosure.sequenceNumber.flatMap { item.reissuedBy[$0] }
                let reissue = reissue(disclosure, status: item.status, reissuedBy: item.reissuedBy)
                rows.append(
                    CSV.row(
                        [
                            item.subject, String(item.asOfSize), item.status.rawValue, disclosure.format,
                            disclosure.recipient, disclosure.profile, disclosure.sequenceNumber.map(String.init) ?? "",
                            disclosure.recordedAt ?? "", disclosure.sha256, reissuedBy.map(String.init) ?? "",
                            reissue ?? "", changedBy, item.reason ?? "", item.then?.perKWhBasis ?? "",
                        ] + figures
                    )
                )
            }
        }
        return rows.joined(separator: "\n")
    }

    /// Figures by electricity method as JSON (`{"location-based": …}`); `null` for none.
    static func byMethod(_ values: [ElectricityMethod: Double]?) -> JSONValue {
        guard let values else { return .null }
        var members: [String: JSONValue] = [:]
        for (method, value) in values { members[method.rawValue] = .number(value) }
        return .object(JSONObject(members))
    }

    /// `--entry --json` and `--from --json`: for `--from`, `from` in place of `entry`, `type` and
    /// `summary`; `changes` (with `cells`, `units` and `unitChanges`) without `--lots`,
    /// `lotChanges` without `--cells`.
    static func json(
        _ impact: EntryImpact,
        run: Bool = false,
        shown: Shown = Shown(ranges: true, lots: true)
    )
        -> JSONValue
    {
        var members: JSONObject = [
            "through": .number(Double(impact.through)),
            "entries": .array(impact.entries.map(Self.json)),
            "lots": .number(Double(impact.lots)), "cellLots": .number(Double(impact.cellLots)),
            "ranges": .number(Double(impact.ranges)),
        ]
        if run {
            members["from"] = .number(Double(impact.entry))
        } else {
            members["entry"] = .number(Double(impact.entry))
            members["type"] = .string(impact.type)
            members["summary"] = .string(impact.summary)
        }
        if shown.ranges {
            members["cells"] = .number(Double(impact.cells))
            members["changes"] = changesJSON(impact)
            members["units"] = .number(Double(impact.units))
            members["unitChanges"] = unitChangesJSON(impact)
        }
        if shown.lots { members["lotChanges"] = lotChangesJSON(impact) }
        if let focus = impact.focus {
            members["subject"] = [
                "id": .string(focus.id), "kind": .string(focus.kind.rawValue),
                "lineageLots": .number(Double(focus.lineageLots)),
            ]
        }
        return .object(members)
    }

    /// An entry with what it records: `{"seq", "type", "summary"}`.
    static func json(_ change: DisclosureReview.Change) -> JSONValue {
        [
            "seq": .number(Double(change.sequenceNumber)), "type": .string(change.type),
            "summary": .string(change.summary),
        ]
    }

    /// The ranges an entry (or run) changed, as JSON.
    private static func changesJSON(_ impact: EntryImpact) -> JSONValue {
        .array(
            impact.changes.map { change in
                var members: JSONObject = [
                    "prefix": .string(change.range.prefix), "first": .string(String(change.range.first)),
                    "last": .string(String(change.range.last)), "lot": .string(change.range.lot),
                    "cells": .number(Double(change.range.count)), "status": .string(change.status.rawValue),
                    "commissionedAt": .number(Double(change.range.commissionedAt)),
                    "cellMassKg": .string(change.range.cellMassKg.description),
                    "nominalEnergyKWh": .string(change.range.nominalEnergyKWh.description),
                    "kgCO2ePerCellBefore": byMethod(change.before), "kgCO2ePerCellAfter": byMethod(change.after),
                    "kgCO2ePerLifetimeKWhBefore": byMethod(change.beforePerLifetimeKWh),
                    "kgCO2ePerLifetimeKWhAfter": byMethod(change.afterPerLifetimeKWh),
                ]
                if let previous = change.previous {
                    members["previous"] = [
                        "commissionedAt": .number(Double(previous.commissionedAt)),
                        "lot": .string(previous.lot), "cellMassKg": .string(previous.cellMassKg.description),
                        "nominalEnergyKWh": .string(previous.nominalEnergyKWh.description),
                    ]
                }
                return .object(members)
            }
        )
    }

    /// The units shipped by id whose shipments an entry (or run) changed, as JSON.
    private static func unitChangesJSON(_ impact: EntryImpact) -> JSONValue {
        .array(
            impact.unitChanges.map { change in
                [
                    "unit": .string(change.unit), "kind": .string(change.kind.rawValue),
                    "status": .string(change.status.rawValue), "lot": change.range.map { .string($0.lot) } ?? .null,
                    "kgCO2eShippedBefore": byMethod(change.before), "kgCO2eShippedAfter": byMethod(change.after),
                    "kgCO2ePerCellBefore": byMethod(change.footprintBefore),
                    "kgCO2ePerCellAfter": byMethod(change.footprintAfter),
                ]
            }
        )
    }

    /// The lots an entry (or run) changed, as JSON.
    private static func lotChangesJSON(_ impact: EntryImpact) -> JSONValue {
        .array(
            impact.lotChanges.map { change in
                [
                    "lot": .string(change.lot), "number": .number(Double(change.number)),
                    "material": change.material.map(JSONValue.string) ?? .null,
                    "status": .string(change.status.rawValue),
                    "kgCO2ePerKgBefore": byMethod(change.before), "kgCO2ePerKgAfter": byMethod(change.after),
                ]
            }
        )
    }

    static func json(_ item: DisclosureReview.Item) -> JSONValue {
        func figures(_ figures: DisclosureReview.Figures?) -> JSONValue {
            guard let figures else { return .null }
            var members: JSONObject = [:]
            if !figures.kgCO2e.isEmpty {
                members["kgCO2e"] = byMethod(figures.kgCO2e)
            }
            if let basis = figures.perKWhBasis, !figures.perKWh.isEmpty {
                members[basis == "lifetime" ? "perLifetimeKWh" : "perUsableKWh"] = byMethod(figures.perKWh)
            }
            if let cells = figures.cells { members["cells"] = .number(Double(cells)) }
            if !figures.verifiedShare.isEmpty { members["verifiedShare"] = byMethod(figures.verifiedShare) }
            return .object(members)
        }
        var members: JSONObject = [
            "subject": .string(item.subject),
            "asOfSize": .number(Double(item.asOfSize)),
            "status": .string(item.status.rawValue),
            "disclosures": .array(
                item.disclosures.map { disclosure in
                    var json = disclosure.json.objectValue ?? [:]
                    if let later = item.reissuedBy[disclosure.sequenceNumber ?? .max] {
                        json["reissuedBy"] = .number(Double(later))
                    } else if let command = reissue(disclosure, status: item.status, reissuedBy: item.reissuedBy) {
                        json["reissue"] = .string(command)
                    }
                    return .object(json)
                }
            ),
            "then": figures(item.then),
            "now": figures(item.now),
            "changes": .array(item.changes.map(Self.json)),
        ]
        if let reason = item.reason { members["reason"] = .string(reason) }
        return .object(members)
    }
}
