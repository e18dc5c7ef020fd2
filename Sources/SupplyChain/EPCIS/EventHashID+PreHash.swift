import LedgerCore

// Writing the pre-hash string from the element tree, as the reference implementation's
// hash_generator.py does: first the elements of the canonical property order (each group of equal
// names sorted), then everything else (extensions, ILMD, the bizTransaction, source and destination
// lists) sorted as whole strings.

extension EventHashID {
    /// The element names the canonical property order mentions, plus the few the writer treats specially.
    enum Name: UInt8, CaseIterable {
        case other
        case eventTime, eventTimeZoneOffset, certificationInfo, parentID, epcList, inputEPCList, childEPCs
        case quantityList, childQuantityList, inputQuantityList, outputEPCList, outputQuantityList, action
        case transformationID, bizStep, disposition, persistentDisposition, readPoint, bizLocation
        case sensorElementList, epc, quantityElement, epcClass, quantity, uom, set, unset, id
        case sensorElement, sensorMetadata, sensorReport, time, startTime, endTime, deviceID, deviceMetadata
        case rawData, dataProcessingMethod, bizRules, type, exception, microorganism, chemicalSubstance, value
        case component, stringValue, booleanValue, hexBinaryValue, uriValue, minValue, maxValue, meanValue
        case sDev, percRank, percValue, coordinateReferenceSystem, bizTransaction, source, destination
        case recordTime, eventID, errorDeclaration, bizTransactionList, sourceList, destinationList

        /// The known names by UTF-8 length, for a lookup that hashes nothing.
        private static let byLength: [[(utf8: [UInt8], name: Name)]] = {
            var table: [[(utf8: [UInt8], name: Name)]] = Array(repeating: [], count: 32)
            for name in allCases.dropFirst() {
                let utf8 = Array("\(name)".utf8)
                table[utf8.count].append((utf8, name))
            }
            return table
        }()

        /// The known name `name` is, or ``other``.
        init(_ name: String) {
            self = name.withUTF8Bytes(Self.lookUp)
        }

        private static func lookUp(_ bytes: some RandomAccessCollection<UInt8>) -> Name {
            // Extension names start with "{" and are never in the order.
            guard bytes.count < byLength.count, let first = bytes.first, first != UInt8(ascii: "{") else {
                return .other
            }
            for candidate in byLength[bytes.count] where candidate.utf8[0] == first {
                var matches = true
                var index = bytes.startIndex
                for byte in candidate.utf8 {
                    if byte != bytes[index] {
                        matches = false
                        break
                    }
                    index = bytes.index(after: index)
                }
                if matches { return candidate.name }
            }
            return .other
        }
    }

    /// A set of ``Name``s, as bits by raw value: two words, no allocation.
    struct NameSet: Equatable, Sendable {
        private var low: UInt64 = 0
        private var high: UInt64 = 0

        mutating func insert(_ name: Name) {
            let raw = name.rawValue
            if raw < 64 { low |= 1 << raw } else { high |= 1 << (raw - 64) }
        }

        /// Whether `name` is in this set.
        func contains(_ name: Name) -> Bool {
            let raw = name.rawValue
            return raw < 64 ? low & (1 << raw) != 0 : high & (1 << (raw - 64)) != 0
        }

        /// Whether every name of this set is in `other`.
        func isSubset(of other: NameSet) -> Bool { low & ~other.low == 0 && high & ~other.high == 0 }
    }

    /// One entry of the canonical property order: a name, and the order of its children when it has
    /// children the order knows.
    struct OrderItem: Sendable {
        let name: Name
        let children: [OrderItem]?

        /// Whether the value is a timestamp: the reference normalises a name that contains "time"
        /// but not "offset", ignoring case.
        var isTime: Bool {
            name == .eventTime || name == .time || name == .startTime || name == .endTime
        }

        init(_ name: Name, _ children: [OrderItem]? = nil) {
            self.name = name
            self.children = children
        }
    }

    /// The canonical property order of the reference implementation (`PROP_ORDER`), which puts
    /// `certificationInfo` after `eventTimeZoneOffset` and `parentID` before `epcList`.
    ///
    /// `bizTransactionList`, `sourceList` and `destinationList` are in the reference's order too, but
    /// its order entry for them can never match, so they are written with the remaining elements.
    static let propertyOrder: [OrderItem] = {
        let epc = [OrderItem(.epc)]
        let quantityElement = [
            OrderItem(.quantityElement, [OrderItem(.epcClass), OrderItem(.quantity), OrderItem(.uom)])
        ]
        let sensorMetadata: [Name] = [
            .time, .startTime, .endTime, .deviceID, .deviceMetadata, .rawData, .dataProcessingMethod, .bizRules,
        ]
        let sensorReport: [Name] = [
            .type, .exception, .deviceID, .deviceMetadata, .rawData, .dataProcessingMethod, .time, .microorganism,
            .chemicalSubstance, .value, .component, .stringValue, .booleanValue, .hexBinaryValue, .uriValue,
            .minValue, .maxValue, .meanValue, .sDev, .percRank, .percValue, .uom, .coordinateReferenceSystem,
        ]
        return [
            OrderItem(.eventTime),
            OrderItem(.eventTimeZoneOffset),
            OrderItem(.certificationInfo),
            OrderItem(.parentID),
            OrderItem(.epcList, epc),
            OrderItem(.inputEPCList, epc),
            OrderItem(.childEPCs, epc),
            OrderItem(.quantityList, quantityElement),
            OrderItem(.childQuantityList, quantityElement),
            OrderItem(.inputQuantityList, quantityElement),
            OrderItem(.outputEPCList, epc),
            OrderItem(.outputQuantityList, quantityElement),
            OrderItem(.action),
            OrderItem(.transformationID),
            OrderItem(.bizStep),
            OrderItem(.disposition),
            OrderItem(.persistentDisposition, [OrderItem(.set), OrderItem(.unset)]),
            OrderItem(.readPoint, [OrderItem(.id)]),
            OrderItem(.bizLocation, [OrderItem(.id)]),
            OrderItem(
                .sensorElementList,
                [
                    OrderItem(
                        .sensorElement,
                        [
                            OrderItem(.sensorMetadata, sensorMetadata.map { OrderItem($0) }),
                            OrderItem(.sensorReport, sensorReport.map { OrderItem($0) }),
                        ]
                    )
                ]
            ),
        ]
    }()

    /// Writes the pre-hash string into one byte buffer.
    struct PreHashWriter {
        /// The pre-hash string so far.
        var out: [UInt8] = []
        /// The value being written.
        var value: [UInt8] = []
        /// Scratch space for Digital Link conversion and for sorting.
        private var work: [UInt8] = []
        /// Scratch space for CBV URN rewriting.
        private var vocabulary: [UInt8] = []
        /// Where each written element ends, for the groups being sorted (a stack across nesting levels);
        /// sorting a group briefly stacks its elements' ranges on top.
        var ends: [Int] = []
        /// A timestamp already read into its UTC form (``appendingUTCTimestamp(_:to:)``), such as the
        /// event's `eventTime` that ``EPCISEvent`` reads before the hash: written again without
        /// being read again when the value is that text.
        var knownTime: (text: String, utc: String)?
        /// The elements of top-level members that earlier events of the batch repeated, when the
        /// writer serves a batch (``Scratch``); `nil` for a writer of one event.
        var memberCache: MemberCache?

        init(capacity: Int) {
            out.reserveCapacity(capacity)
            value.reserveCapacity(128)
            work.reserveCapacity(512)
            ends.reserveCapacity(64)
        }

        /// Empties the writer, keeping the capacity of its buffers.
        mutating func reset() {
            out.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }

        /// Writes the elements of `order`, each group of equal names sorted, and removes from
        /// `children` what was written, as `_recurse_through_children_in_order` does.
        ///
        /// Extensions (`{namespace}localName` names whose namespace ends in `/`) of a nested element
        /// are written after its ordered children; what is neither ordered nor such an extension is left
        /// in `children` for ``writeRemaining(_:)``.
        ///
        /// - Throws: ``SupplyChainError`` when a timestamp cannot be read.
        mutating func writeOrdered(_ children: inout [Node], order: [OrderItem]) throws {
            var extensions: [Node] = []
            if children.count > 1, !children.contains(where: Self.blocksExtensions) {
                if children.contains(where: Self.isUserExtension) {
                    extensions = children.filter(Self.isUserExtension)
                    children.removeAll(where: Self.isUserExtension)
                }
            }
            for item in order {
                let groupStart = out.count
                let base = ends.count
                var index = 0
                while index < children.count {
                    guard !children[index].isPair, children[index].known == item.name else {
                        index += 1
                        continue
                    }
                    let start = out.count
                    try writeOrderedElement(&children[index], item: item)
                    if out.count > start { ends.append(out.count) }
                    if children[index].children.isEmpty {
                        children.remove(at: index)
                    } else {
                        index += 1
                    }
                }
                sortGroup(from: groupStart, endsFrom: base)
            }
            if !extensions.isEmpty { writeRemaining(extensions) }
        }

        /// Writes `name=value` and the ordered children of one element, or nothing when both are empty.
        mutating func writeOrderedElement(_ node: inout Node, item: OrderItem) throws {
            let start = out.count
            appendUTF8(node.name)
            let nameEnd = out.count
            if item.isTime {
                try writeTimestamp(node.text, field: node.name)
            } else {
                writeValue(node.text)
            }
            if let order = item.children {
                try writeOrdered(&node.children, order: order)
            }
            if out.count == nameEnd { truncate(to: start) }
        }

        /// Writes elements as the reference's `_generic_child_list_to_prehash_string`: each as its
        /// name, `=value` when it has one, then its children; sorted as whole strings unless the
        /// elements hold a bizTransaction, source or destination (whose pairs keep type first).
        mutating func writeRemaining(_ children: [Node]) {
            let groupStart = out.count
            let base = ends.count
            let keepsOrder = children.contains {
                !$0.isPair && ($0.known == .bizTransaction || $0.known == .source || $0.known == .destination)
            }
            if keepsOrder {
                // JSON has no member order; the reference keeps the document's, and documents (like
                // the XML form) put the type first. Write the type first, then the rest by name.
                let ordered = children.indices.sorted { a, b in
                    let typeA = children[a].known == .type
                    let typeB = children[b].known == .type
                    if typeA != typeB { return typeA }
                    if children[a].name != children[b].name {
                        return children[a].name.utf8.lexicographicallyPrecedes(children[b].name.utf8)
                    }
                    return a < b
                }
                for index in ordered { writeRemainingElement(children[index]) }
            } else {
                for child in children {
                    writeRemainingElement(child)
                    ends.append(out.count)
                }
                sortGroup(from: groupStart, endsFrom: base)
            }
            popEnds(to: base)
        }

        mutating func writeRemainingElement(_ node: Node) {
            if !node.isPair {
                appendUTF8(node.name)
                writeValue(node.text)
            }
            if !node.children.isEmpty { writeRemaining(node.children) }
        }

        /// Writes `=` and the canonical value, unless the value is absent or blank.
        mutating func writeValue(_ text: Text) {
            switch text {
            case .none:
                return
            case .string(let string):
                guard loadTrimmed(string) else { return }
                out.append(UInt8(ascii: "="))
                EventHashID.appendCanonical(value, to: &out, work: &work, vocabulary: &vocabulary)
            case .number(let number):
                out.append(UInt8(ascii: "="))
                EventHashID.appendNumber(number, to: &out)
            case .bool(let bool):
                out.append(contentsOf: (bool ? "=True" : "=False").utf8)
            case .null:
                out.append(contentsOf: "=None".utf8)
            }
        }

        /// Writes `=` and the timestamp in UTC with milliseconds, unless the value is absent or blank.
        mutating func writeTimestamp(_ text: Text, field: String) throws {
            switch text {
            case .none:
                return
            case .string(let string):
                if let knownTime, knownTime.text == string {
                    out.append(UInt8(ascii: "="))
                    appendUTF8(knownTime.utc)
                    return
                }
                guard loadTrimmed(string) else { return }
                out.append(UInt8(ascii: "="))
                guard EventHashID.appendUTCTimestamp(value, to: &out) else { throw Self.badTimestamp(field) }
            default:
                throw Self.badTimestamp(field)
            }
        }

        private static func badTimestamp(_ field: String) -> SupplyChainError {
            SupplyChainError(
                code: .invalidDocument,
                message: """
                    The event's '\(field)' is not an ISO 8601 extended-format date-time (YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]) \
                    in years 1 to 9999, so the event hash ID cannot be computed; correct the event.
                    """
            )
        }

        /// Appends the UTF-8 of a string to the pre-hash string.
        mutating func appendUTF8(_ string: String) {
            string.withUTF8Bytes { out.append(contentsOf: $0) }
        }

        /// Appends the UTF-8 of a substring to the pre-hash string.
        mutating func appendUTF8(_ string: some StringProtocol) {
            if string.utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil {
                out.append(contentsOf: string.utf8)
            }
        }

        /// Cuts the pre-hash string back to `count` bytes.
        mutating func truncate(to count: Int) {
            // A few single removals are cheaper than a range replacement.
            while out.count > count && out.count - count <= 8 { out.removeLast() }
            if out.count > count { out.removeLast(out.count - count) }
        }

        /// Forgets the element ends recorded from `base` on.
        mutating func popEnds(to base: Int) {
            while ends.count > base && ends.count - base <= 8 { ends.removeLast() }
            if ends.count > base { ends.removeLast(ends.count - base) }
        }

        /// Loads the trimmed UTF-8 of `string` into `value`; returns whether anything is left.
        private mutating func loadTrimmed(_ string: String) -> Bool {
            value.removeAll(keepingCapacity: true)
            string.withUTF8Bytes { value.append(contentsOf: $0) }
            if let first = value.first, let last = value.last, Self.mayBeSpace(first) || Self.mayBeSpace(last) {
                EventHashID.strip(&value)
            }
            return !value.isEmpty
        }

        /// Whether a first or last byte may belong to whitespace (ASCII whitespace, or a non-ASCII byte).
        private static func mayBeSpace(_ byte: UInt8) -> Bool {
            byte <= 0x20 || byte >= 0x80
        }

        /// Sorts the elements written since `groupStart`, whose ends are `ends[base...]`, as whole
        /// strings (UTF-8 order is code point order, as Python sorts), and pops their ends.
        mutating func sortGroup(from groupStart: Int, endsFrom base: Int) {
            let count = ends.count - base
            guard count > 1 else {
                popEnds(to: base)
                return
            }
            // Each element as (start << 32 | end), sorted in place after the ends.
            var start = groupStart
            for index in base..<(base + count) {
                let end = ends[index]
                ends.append(start << 32 | end)
                start = end
            }
            let packed = (base + count)..<(base + 2 * count)
            let isSorted = out.withUnsafeBufferPointer { bytes in
                var index = packed.lowerBound + 1
                while index < packed.upperBound {
                    if Self.precedes(bytes, ends[index], ends[index - 1]) { return false }
                    index += 1
                }
                return true
            }
            if !isSorted {
                out.withUnsafeBufferPointer { bytes in
                    ends[packed].sort { Self.precedes(bytes, $0, $1) }
                }
                work.removeAll(keepingCapacity: true)
                out.withUnsafeBufferPointer { bytes in
                    for element in ends[packed] {
                        let range = (element >> 32)..<(element & 0xFFFF_FFFF)
                        work.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
                    }
                }
                // The group keeps its length: copy the sorted bytes back over it.
                work.withUnsafeBufferPointer { sorted in
                    out.withUnsafeMutableBufferPointer { bytes in
                        guard let source = sorted.baseAddress, let target = bytes.baseAddress else { return }
                        (target + groupStart).update(from: source, count: sorted.count)
                    }
                }
            }
            popEnds(to: base)
        }

        /// Whether the bytes of packed range `a` come before those of packed range `b`.
        private static func precedes(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
            let aStart = a >> 32
            let bStart = b >> 32
            let aCount = (a & 0xFFFF_FFFF) - aStart
            let bCount = (b & 0xFFFF_FFFF) - bStart
            let length = min(aCount, bCount)
            var offset = 0
            while offset < length {
                let x = bytes[aStart + offset]
                let y = bytes[bStart + offset]
                if x != y { return x < y }
                offset += 1
            }
            return aCount < bCount
        }

        /// Whether an element stops extension gathering at its level: the reference gathers nowhere
        /// an element name contains "eventTime" or "action".
        static func blocksExtensions(_ node: Node) -> Bool {
            guard !node.isPair else { return false }
            switch node.known {
            case .eventTime, .eventTimeZoneOffset, .action, .bizTransaction, .bizTransactionList:
                return true
            case .other:
                return contains(node.name, "eventTime") || contains(node.name, "action")
            default:
                return false
            }
        }

        /// Whether an element is a user extension the reference appends to its parent: its name holds
        /// `{` and `/}`.
        static func isUserExtension(_ node: Node) -> Bool {
            !node.isPair && node.known == .other && contains(node.name, "{") && contains(node.name, "/}")
        }

        static func contains(_ text: String, _ part: StaticString) -> Bool {
            part.withUTF8Buffer { needle in
                let utf8 = text.utf8
                guard let first = needle.first, utf8.count >= needle.count else { return false }
                var index = utf8.startIndex
                while let found = utf8[index...].firstIndex(of: first) {
                    if utf8[found...].starts(with: needle) { return true }
                    index = utf8.index(after: found)
                }
                return false
            }
        }
    }
}
