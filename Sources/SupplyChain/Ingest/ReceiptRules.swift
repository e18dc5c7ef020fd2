import LedgerCore
import LedgerStorage

/// What the standing events say of one lot between one receiver and those that shipped it: the
/// shipments that brought the lot to the receiver and the receipts it recorded, each with its
/// event time and kilograms.
///
/// A receipt acknowledges what a shipment brought, once: by any time, a receiver has received no
/// more of a lot than was shipped to it by then (the receipt rule, new input only).
///
/// The shipments cut time into intervals, each from one shipment's time up to the next's (the
/// first from the beginning); the receipts are summed by interval. What was shipped is the same
/// all through an interval while what was received grows, so receipts can outrun shipments only
/// if they do at the last receipt of an interval: a receipt is weighed against one sum an
/// interval from its own on, whatever the order receipts come in.
struct ReceiptCustody {
    /// The standing shipments of the lot to the receiver, by event time: in UTC milliseconds, the
    /// kilograms moved and the entry.
    private(set) var shipped: [Shipment]
    /// The kilograms shipped before interval `i` ends: the first `i` shipments'.
    private var shippedBy: [ExactDecimal]
    /// The kilograms received in each interval; `nil` when the sum is beyond exact decimals.
    private var receivedIn: [ExactDecimal?]
    /// The time of the latest receipt in each interval; `nil` for none.
    private var latestIn: [Int64?]
    /// The standing receipts of the lot by the receiver, in the order recorded: event time in UTC
    /// milliseconds, the kilograms received (its lines together) and the entry.
    private(set) var received: [(milliseconds: Int64, kg: ExactDecimal, sequence: UInt64)] = []

    /// A shipment of the lot to the receiver: its event time in UTC milliseconds, the kilograms
    /// it moved there and its entry.
    typealias Shipment = (milliseconds: Int64, kg: ExactDecimal, sequence: UInt64)

    /// The custody of the lot with these shipments and no receipts.
    init(shipped: [Shipment]) {
        self.shipped = shipped.sorted { $0.milliseconds < $1.milliseconds }
        var sum = ExactDecimal.zero
        shippedBy = [sum]
        for shipment in self.shipped {
            sum = sum.adding(shipment.kg) ?? sum
            shippedBy.append(sum)
        }
        receivedIn = Array(repeating: .zero, count: shippedBy.count)
        latestIn = Array(repeating: nil, count: shippedBy.count)
    }

    /// The custody without the shipment recorded at entry `sequence`, its receipts kept.
    func leavingOut(shipment sequence: UInt64) -> ReceiptCustody {
        var custody = ReceiptCustody(shipped: shipped.filter { $0.sequence != sequence })
        for receipt in received { custody.addReceipt(receipt.kg, at: receipt.milliseconds, sequence: receipt.sequence) }
        return custody
    }

    /// The interval of time `milliseconds`: the number of shipments dated by then.
    private func interval(of milliseconds: Int64) -> Int {
        shipped.partitionPoint { $0.milliseconds > milliseconds }
    }

    /// Adds a receipt of `kg` at `milliseconds`, recorded at entry `sequence`.
    mutating func addReceipt(_ kg: ExactDecimal, at milliseconds: Int64, sequence: UInt64) {
        received.append((milliseconds, kg, sequence))
        let at = interval(of: milliseconds)
        receivedIn[at] = receivedIn[at]?.adding(kg)
        latestIn[at] = max(latestIn[at] ?? .min, milliseconds)
    }

    /// Where the receipts run ahead of the shipments.
    struct Excess {
        /// The event time, in UTC milliseconds, by which more was received than shipped.
        var milliseconds: Int64
        /// The kilograms received by then; `nil` when the sum is beyond exact decimals.
        var received: ExactDecimal?
        /// The kilograms shipped by then.
        var shipped: ExactDecimal

        /// The time, as RFC 3339 UTC text.
        var time: String { Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339 }
        /// The kilograms received, as messages say them.
        var receivedText: String { received.map { "\($0) kg" } ?? "more than exact decimals hold" }
        /// The kilograms shipped, as messages say them.
        var shippedText: String { shipped.isPositive ? "only \(shipped) kg" : "none" }
    }

    /// The first interval's last receipt by which the receipts, with `extra` among them, come to
    /// more than the shipments; with `extra`, only its interval and later ones are weighed.
    ///
    /// Shipments dated at the time of a receipt count by then.
    func firstExcess(with extra: (milliseconds: Int64, kg: ExactDecimal)? = nil) -> Excess? {
        let first = extra.map { interval(of: $0.milliseconds) } ?? 0
        var receivedKg: ExactDecimal? = .zero
        for at in 0..<first { receivedKg = receivedIn[at].flatMap { receivedKg?.adding($0) } }
        for at in first..<receivedIn.count {
            receivedKg = receivedIn[at].flatMap { receivedKg?.adding($0) }
            var latest = latestIn[at]
            if let extra, at == first {
                receivedKg = receivedKg?.adding(extra.kg)
                latest = max(latest ?? .min, extra.milliseconds)
            }
            // An interval without receipts has no time at which to weigh them.
            guard let latest else { continue }
            if receivedKg.map({ $0 > shippedBy[at] }) ?? true {
                return Excess(milliseconds: latest, received: receivedKg, shipped: shippedBy[at])
            }
        }
        return nil
    }
}

extension Rules {
    /// Refuses a receipt of `kg` of lot `lot` by `actor` that would take its receipts beyond what
    /// the shipments that stand brought it (new input only).
    ///
    /// - Parameters:
    ///   - event: The receiving event.
    ///   - lot: The lot received.
    ///   - kg: The kilograms received, the event's lines of the lot together.
    ///   - actor: The receiver, the event's submitter.
    ///   - field: The JSON pointer of the lot's first line.
    ///   - sink: Where the problem goes.
    ///   - txn: The transaction the ledger is read in.
    /// - Throws: A storage error, or an index that does not decode.
    mutating func checkReceiptShipped(
        _ event: EPCISEvent,
        lot: String,
        kg: ExactDecimal,
        actor: String,
        field: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        guard let number = try store.lotNumber(lot, txn) else { return }
        let custody = try receiptCustody(of: lot, number: number, at: actor, txn)
        guard let excess = custody.firstExcess(with: (event.eventTime, kg)) else { return }
        let earlier = custody.received.filter { $0.milliseconds <= excess.milliseconds }
        sink.add(
            field: field,
            "\(actor) would have received \(excess.receivedText) of lot \(lot) by \(excess.time) with this receipt's "
                + "\(kg) kg, but \(excess.shippedText) "
                + "was shipped to it by then\(receiptsNamed(earlier, before: "; received before: ")) "
                + "(custody rule: a shipment is received once)"
        )
    }

    /// Notes a receipt the batch recorded, for the next receipt of the lot by the same actor.
    mutating func noteReceipt(
        ofLot number: UInt64,
        kg: ExactDecimal,
        by actor: String,
        at milliseconds: Int64,
        sequence: UInt64
    ) {
        receiptCustodies["\(number) \(actor)"]?.addReceipt(kg, at: milliseconds, sequence: sequence)
    }

    /// Refuses to declare in error a shipment without which its receiver's receipts come to more
    /// than the shipments that stand brought it (new input only).
    ///
    /// A ledger whose receipts ran ahead of its shipments before this rule is not held to it: the
    /// declaration is refused only when it is the shipment that makes the excess.
    ///
    /// - Parameters:
    ///   - moves: The shipment's moves (``EventEffects/moved``).
    ///   - recorded: The shipment's entry.
    ///   - sink: Where the problems go.
    ///   - txn: The transaction the ledger is read in.
    /// - Throws: A storage error, or an index that does not decode.
    mutating func checkReceiptsKept(
        _ moves: [(lot: String, from: String, to: String, kg: ExactDecimal)],
        recorded: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        var checked: Set<[String]> = []
        for move in moves where checked.insert([move.lot, move.to]).inserted {
            guard let number = try store.lotNumber(move.lot, txn) else { continue }
            let with = try receiptCustody(of: move.lot, number: number, at: move.to, txn)
            guard with.firstExcess() == nil else { continue }
            // The shipments were read with the one declared in error among them.
            let without = with.leavingOut(shipment: recorded)
            guard let excess = without.firstExcess() else { continue }
            let receipts = without.received.filter { $0.milliseconds <= excess.milliseconds }
            sink.add(
                field: "/errorDeclaration",
                "declaring this shipment in error leaves \(move.to) with \(excess.receivedText) of lot \(move.lot) "
                    + "received by \(excess.time) and \(excess.shippedText) shipped to it by then\(receiptsNamed(receipts, before: ": ")); "
                    + "declare receipts in error first (custody rule: a shipment is received once)"
            )
        }
    }

    /// The shipments and receipts of lot `lot` (number `number`) between its shippers and
    /// `actor`, kept for the batch: a receiver recording many receipts of one lot reads the lot's
    /// events once.
    private mutating func receiptCustody(
        of lot: String,
        number: UInt64,
        at actor: String,
        _ txn: borrowing ReadTransaction
    ) throws -> ReceiptCustody {
        let key = "\(number) \(actor)"
        if let known = receiptCustodies[key] { return known }
        var custody = ReceiptCustody(
            shipped: try standingShipments(of: lot, number: number, to: actor, txn)
        )
        for (sequence, use) in try store.uses(ofLot: number, txn) where use == .received {
            guard let event = try standingEvent(at: sequence, txn), event.record["actor"]?.stringValue == actor
            else { continue }
            for receipt in EventEffects(json: event.record["effects"] ?? [:]).received where receipt.lot == lot {
                custody.addReceipt(receipt.kg, at: event.milliseconds, sequence: sequence)
            }
        }
        if receiptCustodies.count >= 4096 { receiptCustodies.removeAll(keepingCapacity: true) }
        receiptCustodies[key] = custody
        return custody
    }

    /// The shipments of lot `lot` (number `number`) to `actor` that stand, the one at entry
    /// `excluded` left out, in the ledger and the batches being checked: each with its event time,
    /// the kilograms it moved there and its entry.
    func standingShipments(
        of lot: String,
        number: UInt64,
        to actor: String,
        excluding excluded: UInt64? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> [ReceiptCustody.Shipment] {
        var found: [ReceiptCustody.Shipment] = []
        for (sequence, _) in try store.shipments(ofLot: number, txn) where sequence != excluded {
            guard let event = try standingEvent(at: sequence, txn) else { continue }
            for move in EventEffects(json: event.record["effects"] ?? [:]).moved
            where move.lot == lot && move.to == actor {
                found.append((event.milliseconds, move.kg, sequence))
            }
        }
        return found
    }

    /// The receipts, named for a message after `before`; empty for none.
    ///
    /// Each is named by its entry (or its index in this submission), with its kilograms and time,
    /// in time order; of more than three, the latest three, after how many came before them.
    private func receiptsNamed(
        _ receipts: [(milliseconds: Int64, kg: ExactDecimal, sequence: UInt64)],
        before: String
    ) -> String {
        guard !receipts.isEmpty else { return "" }
        let inTime = receipts.sorted { ($0.milliseconds, $0.sequence) < ($1.milliseconds, $1.sequence) }
        let named = inTime.suffix(3).map { receipt in
            "\(entryNamed(receipt.sequence)) (\(receipt.kg) kg at \(Timestamp(millisecondsSinceEpoch: receipt.milliseconds).rfc3339))"
        }
        let earlier = inTime.count > 3 ? "\(inTime.count - 3) receipts, then " : ""
        return before + earlier + named.joined(separator: ", ")
    }
}
