import Exports
import LedgerCore
import SupplyChain

/// `celltrace impact FILE…`: exports kept by the sender, set against what this CellTrace writes
/// for the same records, and against the ledger now.
extension ImpactCommand {
    /// What writing a kept export again gave, as `impact` names it.
    static func method(_ outcome: KeptExport.Outcome) -> String {
        switch outcome {
        case .reproduces: "reproduces"
        case .sameFigures: "same-figures"
        case .methodChanged: "method-changed"
        case .refused: "refused"
        case .noFigures: "no-figures"
        }
    }

    /// Compares each kept file with its export written again, and with the ledger now.
    ///
    /// The ledger is the one as of `--as-of` when it is given. Every file is found in the
    /// disclosure log before anything is printed: a file that is not there is bad input, named
    /// with the others.
    func compareKept(chain: SupplyChainLedger) throws {
        var compared: [(file: String, kept: KeptExport)] = []
        var problems: [String] = []
        for file in kept {
            let bytes: [UInt8]
            do {
                bytes = try FileIO.readAll(file)
            } catch let error as FileIO.Error {
                problems.append(error.message)
                continue
            }
            do {
                compared.append((file, try KeptExport.compare(bytes, chain: chain)))
            } catch let error as ExportError {
                problems.append("\(file): \(error.message)")
            }
        }
        guard problems.isEmpty else { throw Failure.badInput(problems.joined(separator: "\n")) }
        let review = try DisclosureReview.review(chain: chain, asOf: try asOf.point())
        // Each export's item of the review, by the entry that recorded it.
        var items: [UInt64: DisclosureReview.Item] = [:]
        for item in review.items {
            for disclosure in item.disclosures { items[disclosure.sequenceNumber ?? .max] = item }
        }
        let rows = compared.map { file, kept in
            (file: file, kept: kept, item: kept.disclosures.lazy.compactMap { items[$0.sequenceNumber ?? .max] }.first)
        }
        if json {
            Console.out(
                JSONValue.object([
                    "size": .number(Double(review.size)),
                    "kept": .array(rows.map { Self.keptJSON($0.file, $0.kept, $0.item) }),
                ]).canonicalString
            )
            return
        }
        var counts: [String: Int] = [:]
        for row in rows { counts[Self.method(row.kept.outcome), default: 0] += 1 }
        let order = ["reproduces", "same-figures", "method-changed", "refused", "no-figures"]
        var lines = [
            "\(rows.count) kept export\(rows.count == 1 ? "" : "s") written again by this CellTrace at the "
                + "size each describes, and compared with ledger size \(review.size): "
                + order.compactMap { name in counts[name].map { "\($0) \(name)" } }.joined(separator: ", ")
        ]
        for (file, kept, item) in rows {
            let record = kept.disclosure
            let sent = kept.disclosures.map { disclosure in
                "#\(disclosure.sequenceNumber.map(String.init) ?? "?") to \(disclosure.recipient) (\(disclosure.profile))"
            }
            lines += [
                "",
                "\(file): \(record.format) of \(record.subject) as of ledger size \(record.asOfSize), "
                    + "recorded as entry \(sent.joined(separator: ", "))",
            ]
            lines += Self.keptText(kept)
            if let item {
                let change = item.status == .current ? "" : " (\(Self.largestChange(item)))"
                lines.append("  the ledger at size \(review.size): \(item.status.rawValue)\(change)")
            }
            if let command = Self.reissue(kept, item) { lines.append("  reissue   \(command)") }
        }
        Console.out(lines.joined(separator: "\n"))
    }

    /// The command that issues a kept export again from the ledger now: when this CellTrace
    /// gives other figures for the same entries, or refuses them, or the ledger changed them since.
    static func reissue(_ kept: KeptExport, _ item: DisclosureReview.Item?) -> String? {
        let methodMoved: Bool
        switch kept.outcome {
        case .methodChanged, .refused: methodMoved = true
        case .reproduces, .sameFigures, .noFigures: methodMoved = false
        }
        let ledgerMoved = item.map { ![.current, .reissued].contains($0.status) } ?? false
        guard methodMoved || ledgerMoved else { return nil }
        return reissue(kept.disclosure, withdrawn: item?.status == .withdrawn)
    }

    /// The lines that say what writing the export again gave.
    static func keptText(_ kept: KeptExport) -> [String] {
        let size = kept.disclosure.asOfSize
        switch kept.outcome {
        case .reproduces:
            return ["  this CellTrace at size \(size): reproduces (the same bytes)"]
        case .sameFigures(let others):
            return ["  this CellTrace at size \(size): same-figures" + Self.others(others)]
        case .methodChanged(let figures, let others):
            var lines = [
                "  this CellTrace at size \(size): method-changed, \(figures.count) figure"
                    + "\(figures.count == 1 ? "" : "s") differ\(figures.count == 1 ? "s" : "")"
                    + Self.others(others)
            ]
            var table = TextTable("FIGURE", "KEPT", "THIS CELLTRACE", "CHANGE")
            for figure in figures {
                var change = "-"
                if let (kept, now) = figure.values {
                    let share = kept == 0 ? 0 : (now - kept) / kept
                    change =
                        kept == 0
                        ? "from 0"
                        : abs(share) < 0.0005
                            ? (share > 0 ? "+" : "-") + "<0.05 %" : (share > 0 ? "+" : "") + Number.percent(share)
                }
                table.add(figure.pointer, figure.kept ?? "(absent)", figure.now ?? "(absent)", change)
            }
            lines += table.rendered.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
            return lines
        case .refused(let reason):
            return ["  this CellTrace at size \(size): refused: \(reason)"]
        case .noFigures:
            return [
                "  this CellTrace at size \(size): no-figures (the \(kept.disclosure.format) format states no footprint)"
            ]
        }
    }

    /// `; other members differ: /a, /b` with at most three named.
    private static func others(_ pointers: [String]) -> String {
        guard !pointers.isEmpty else { return "" }
        let named = pointers.prefix(3).joined(separator: ", ")
        return "; other members differ: \(named)" + (pointers.count > 3 ? " and \(pointers.count - 3) more" : "")
    }

    static func keptJSON(_ file: String, _ kept: KeptExport, _ item: DisclosureReview.Item?) -> JSONValue {
        let record = kept.disclosure
        var members: JSONObject = [
            "file": .string(file),
            "entries": .array(kept.disclosures.compactMap(\.sequenceNumber).map { .number(Double($0)) }),
            "format": .string(record.format),
            "subject": .string(record.subject),
            "recipient": .string(record.recipient),
            "profile": .string(record.profile),
            "asOfSize": .number(Double(record.asOfSize)),
            "sha256": .string(record.sha256),
            "method": .string(method(kept.outcome)),
        ]
        switch kept.outcome {
        case .sameFigures(let others):
            members["otherMembers"] = .array(others.map(JSONValue.string))
        case .methodChanged(let figures, let others):
            members["figures"] = .array(
                figures.map { figure in
                    .object([
                        "pointer": .string(figure.pointer),
                        "kept": figure.kept.map(JSONValue.string) ?? .null,
                        "now": figure.now.map(JSONValue.string) ?? .null,
                    ])
                }
            )
            members["otherMembers"] = .array(others.map(JSONValue.string))
        case .refused(let reason):
            members["reason"] = .string(reason)
        case .reproduces, .noFigures:
            break
        }
        if let item { members["status"] = .string(item.status.rawValue) }
        if let command = reissue(kept, item) { members["reissue"] = .string(command) }
        return .object(members)
    }
}
