import LedgerCore

// The fast path: writing the pre-hash string straight from the JSON members of an event, for the
// shapes events usually have, without building the element tree. Each member whose shape is not one of
// these is turned into tree elements on its own and written by the tree writer, which gives the same
// bytes; an event whose top level the fast path cannot order (no eventTime and no action) is left to
// the tree writer entirely.

extension EventHashID.PreHashWriter {
    typealias Name = EventHashID.Name
    typealias Node = EventHashID.Node
    typealias OrderItem = EventHashID.OrderItem

    /// What direct writing needs from the event as a whole.
    private struct DirectContext {
        let namespaces: EPCISNamespaces
        let builder: EventHashID.TreeBuilder
    }

    /// The position of each top-level name in the canonical property order, or -1.
    private static let rank: [Int] = {
        var rank = Array(repeating: -1, count: Name.allCases.count)
        for (index, item) in EventHashID.propertyOrder.enumerated() {
            rank[Int(item.name.rawValue)] = index
        }
        return rank
    }()

    /// Writes the elements of an event after `eventType`, straight from its members.
    ///
    /// - Returns: `false`, having written nothing, when the event needs the tree writer: when no
    ///   top-level element is named eventTime or action (the reference then treats top-level
    ///   extensions differently), when a top-level member is named bizTransaction, source or
    ///   destination, or declares namespaces of its own with `@xmlns`.
    /// - Throws: ``SupplyChainError`` when a timestamp cannot be read.
    mutating func writeDirectly(
        _ members: JSONObject,
        ignoring: Set<String>,
        namespaces: EPCISNamespaces
    ) throws -> Bool {
        // Members by position, not copied: ranks and positions are plain integers, which the
        // arrays neither retain nor destroy member by member.
        var ordered: [(rank: Int, position: Int)] = []
        ordered.reserveCapacity(members.count)
        var remaining: [Int] = []
        remaining.reserveCapacity(4)
        var hasEventTimeOrAction = false
        var vocabulary = EventHashID.VocabularyCollector(namespaces: namespaces)
        for position in members.indices {
            let (key, value) = members[position]
            if EventHashID.TreeBuilder.isIgnored(key) {
                // `@xmlns:prefix` would declare a namespace for the whole event.
                if key.utf8.first == UInt8(ascii: "@") && key != "@context" { return false }
                continue
            }
            let name = Name(key)
            // The reference looks for bare CBV values in every member, ignored ones included.
            vocabulary.collect(name, value)
            if !ignoring.isEmpty && ignoring.contains(key) { continue }
            switch name {
            case .type, .recordTime, .eventID, .errorDeclaration:
                continue
            case .bizTransaction, .source, .destination:
                return false
            case .eventTime, .eventTimeZoneOffset, .action:
                if case .array(let elements) = value, elements.isEmpty {} else { hasEventTimeOrAction = true }
            default:
                break
            }
            let rank = Self.rank[Int(name.rawValue)]
            if rank >= 0 {
                ordered.append((rank, position))
            } else {
                remaining.append(position)
            }
        }
        guard hasEventTimeOrAction else { return false }
        let context = DirectContext(
            namespaces: namespaces,
            builder: EventHashID.TreeBuilder(vocabularyIRIs: vocabulary.iris)
        )

        ordered.sort { $0.rank < $1.rank }
        var leftovers: [Node] = []
        for (rank, position) in ordered {
            let (key, value) = members[position]
            let item = EventHashID.propertyOrder[rank]
            let start = out.count
            let base = ends.count
            let written: Bool
            switch item.name {
            case .epcList, .inputEPCList, .outputEPCList, .childEPCs:
                written = try writeEPCList(item, key: key, value: value, context: context)
            case .quantityList, .childQuantityList, .inputQuantityList, .outputQuantityList:
                written = try writeQuantityList(item, key: key, value: value, context: context)
            case .persistentDisposition:
                written = try writePersistentDisposition(item, key: key, value: value, context: context)
            case .readPoint, .bizLocation:
                written = try writeLocation(item, key: key, value: value, context: context)
            case .sensorElementList:
                written = false
            default:
                written = try writeField(item, key: key, value: value, context: context)
            }
            if !written {
                rollBack(to: start, endsFrom: base)
                var nodes = context.builder.nodes(forKey: key, value: value, namespaces: context.namespaces)
                try writeOrderedGroup(&nodes, item: item)
                leftovers += nodes
            }
        }

        let groupStart = out.count
        let base = ends.count
        for position in remaining {
            let (key, value) = members[position]
            let start = out.count
            let memberBase = ends.count
            let written: Bool
            switch key {
            case "bizTransactionList":
                written = writePairList(key: key, value: value, valueKey: "bizTransaction", context: context)
            case "sourceList":
                written = writePairList(key: key, value: value, valueKey: "source", context: context)
            case "destinationList":
                written = writePairList(key: key, value: value, valueKey: "destination", context: context)
            default:
                written = writeRepeatedMember(
                    key: key,
                    value: value,
                    namespaces: context.namespaces,
                    vocabularyIRIs: context.builder.vocabularyIRIs
                ) { writer in
                    writer.writeMember(key: key, value: value, context: context)
                }
            }
            if !written {
                rollBack(to: start, endsFrom: memberBase)
                leftovers += context.builder.nodes(forKey: key, value: value, namespaces: context.namespaces)
            }
        }
        for node in leftovers {
            writeRemainingElement(node)
            ends.append(out.count)
        }
        sortGroup(from: groupStart, endsFrom: base)
        return true
    }

    /// Writes the elements of `nodes` that `item` names, as one sorted group, removing those written whole.
    private mutating func writeOrderedGroup(_ nodes: inout [Node], item: OrderItem) throws {
        let groupStart = out.count
        let base = ends.count
        var index = 0
        while index < nodes.count {
            guard !nodes[index].isPair, nodes[index].known == item.name else {
                index += 1
                continue
            }
            let start = out.count
            try writeOrderedElement(&nodes[index], item: item)
            if out.count > start { ends.append(out.count) }
            if nodes[index].children.isEmpty {
                nodes.remove(at: index)
            } else {
                index += 1
            }
        }
        sortGroup(from: groupStart, endsFrom: base)
    }

    private mutating func rollBack(to start: Int, endsFrom base: Int) {
        truncate(to: start)
        popEnds(to: base)
    }

    // MARK: Ordered members

    /// `name=value` for a scalar, one per element (sorted) for an array of scalars.
    private mutating func writeField(
        _ item: OrderItem,
        key: String,
        value: JSONValue,
        context: DirectContext
    ) throws -> Bool {
        let groupStart = out.count
        let base = ends.count
        if case .array(let elements) = value {
            guard elements.allSatisfy({ $0.isScalar }) else { return false }
            for element in elements {
                try writeScalarElement(named: key, item: item, value: element, context: context)
            }
        } else {
            guard value.isScalar else { return false }
            try writeScalarElement(named: key, item: item, value: value, context: context)
        }
        sortGroup(from: groupStart, endsFrom: base)
        return true
    }

    /// Writes `name=value` as one element of a sorted group, or nothing when the value is blank.
    private mutating func writeScalarElement(
        named name: String,
        item: OrderItem,
        value: JSONValue,
        context: DirectContext
    ) throws {
        let start = out.count
        appendUTF8(name)
        let nameEnd = out.count
        let text = context.builder.text(of: value, namespaces: context.namespaces)
        if item.isTime {
            try writeTimestamp(text, field: name)
        } else {
            writeValue(text)
        }
        if out.count == nameEnd {
            truncate(to: start)
        } else {
            ends.append(out.count)
        }
    }

    /// `epcList` followed by its sorted `epc=…` elements, for a list of scalars.
    private mutating func writeEPCList(
        _ item: OrderItem,
        key: String,
        value: JSONValue,
        context: DirectContext
    ) throws -> Bool {
        let elements: [JSONValue]
        if case .array(let array) = value { elements = array } else { elements = [value] }
        guard elements.allSatisfy({ $0.isScalar }) else { return false }
        let start = out.count
        appendUTF8(key)
        let nameEnd = out.count
        let base = ends.count
        for element in elements {
            try writeScalarElement(named: "epc", item: OrderItem(.epc), value: element, context: context)
        }
        sortGroup(from: nameEnd, endsFrom: base)
        if out.count == nameEnd { truncate(to: start) }
        return true
    }

    /// A quantity list whose elements have only `epcClass`, `quantity` and `uom`, all scalars.
    private mutating func writeQuantityList(
        _ item: OrderItem,
        key: String,
        value: JSONValue,
        context: DirectContext
    ) throws -> Bool {
        let elements: [JSONValue]
        if case .array(let array) = value { elements = array } else { elements = [value] }
        for element in elements {
            guard case .object(let members) = element, !members.isEmpty,
                members.allSatisfy({ Self.isQuantityField($0.key) && $0.value.isScalar })
            else { return false }
        }
        let start = out.count
        appendUTF8(key)
        let nameEnd = out.count
        let base = ends.count
        for case .object(let members) in elements {
            let elementStart = out.count
            appendUTF8("quantityElement")
            let elementNameEnd = out.count
            var epcClass: JSONValue?
            var quantity: JSONValue?
            var uom: JSONValue?
            for (field, fieldValue) in members {
                switch field {
                case "epcClass": epcClass = fieldValue
                case "quantity": quantity = fieldValue
                default: uom = fieldValue
                }
            }
            if let epcClass { try writeSingleField(named: "epcClass", .epcClass, value: epcClass, context: context) }
            if let quantity { try writeSingleField(named: "quantity", .quantity, value: quantity, context: context) }
            if let uom { try writeSingleField(named: "uom", .uom, value: uom, context: context) }
            if out.count == elementNameEnd {
                truncate(to: elementStart)
            } else {
                ends.append(out.count)
            }
        }
        sortGroup(from: nameEnd, endsFrom: base)
        if out.count == nameEnd { truncate(to: start) }
        return true
    }

    /// Writes `name=value` for a field that occurs once, so needs no sorting.
    private mutating func writeSingleField(
        named name: String,
        _ known: Name,
        value: JSONValue,
        context: DirectContext
    ) throws {
        let base = ends.count
        try writeScalarElement(named: name, item: OrderItem(known), value: value, context: context)
        popEnds(to: base)
    }

    private static func isQuantityField(_ key: String) -> Bool {
        key == "epcClass" || key == "quantity" || key == "uom"
    }

    /// `persistentDisposition` with `set` and `unset` values (scalars or lists of scalars).
    private mutating func writePersistentDisposition(
        _ item: OrderItem,
        key: String,
        value: JSONValue,
        context: DirectContext
    ) throws -> Bool {
        guard case .object(let members) = value,
            members.allSatisfy({ ($0.key == "set" || $0.key == "unset") && $0.value.isScalarOrScalars })
        else { return false }
        let start = out.count
        appendUTF8(key)
        let nameEnd = out.count
        for field in ["set", "unset"] {
            guard let fieldValue = members[field] else { continue }
            _ = try writeField(
                OrderItem(field == "set" ? .set : .unset),
                key: field,
                value: fieldValue,
                context: context
            )
        }
        if out.count == nameEnd { truncate(to: start) }
        return true
    }

    /// `readPoint` or `bizLocation` with an `id` and, after it, user extensions sorted as whole strings.
    private mutating func writeLocation(
        _ item: OrderItem,
        key: String,
        value: JSONValue,
        context: DirectContext
    ) throws -> Bool {
        guard case .object(let members) = value, let id = members["id"], id.isScalar else { return false }
        var extensions: [(key: String, value: JSONValue)] = []
        for (member, memberValue) in members where member != "id" {
            if EventHashID.TreeBuilder.isIgnored(member) {
                if member.utf8.first == UInt8(ascii: "@") { return false }
                continue
            }
            // Only extensions the reference gathers here: `{namespace/}name`, and none that stops it.
            let name = context.namespaces.expandKey(member)
            guard Self.contains(name, "{"), Self.contains(name, "/}"),
                !Self.contains(name, "eventTime"), !Self.contains(name, "action")
            else { return false }
            extensions.append((member, memberValue))
        }
        let start = out.count
        appendUTF8(key)
        let nameEnd = out.count
        let base = ends.count
        try writeScalarElement(named: "id", item: OrderItem(.id), value: id, context: context)
        popEnds(to: base)
        if !extensions.isEmpty {
            let groupStart = out.count
            for (member, memberValue) in extensions {
                let memberStart = out.count
                let memberBase = ends.count
                if !writeMember(key: member, value: memberValue, context: context) {
                    rollBack(to: memberStart, endsFrom: memberBase)
                    for node in context.builder.nodes(
                        forKey: member,
                        value: memberValue,
                        namespaces: context.namespaces
                    ) {
                        writeRemainingElement(node)
                        ends.append(out.count)
                    }
                }
            }
            sortGroup(from: groupStart, endsFrom: base)
        }
        if out.count == nameEnd { truncate(to: start) }
        return true
    }

    // MARK: Remaining members

    /// A bizTransaction, source or destination list whose entries hold only `type` and the value.
    private mutating func writePairList(
        key: String,
        value: JSONValue,
        valueKey valueName: String,
        context: DirectContext
    ) -> Bool {
        let elements: [JSONValue]
        if case .array(let array) = value { elements = array } else { elements = [value] }
        for element in elements {
            guard case .object(let members) = element, !members.isEmpty,
                members.allSatisfy({ ($0.key == "type" || $0.key == valueName) && $0.value.isScalar })
            else { return false }
        }
        guard !elements.isEmpty else { return true }
        appendUTF8(key)
        let groupStart = out.count
        let base = ends.count
        for case .object(let members) in elements {
            var type: JSONValue?
            var entry: JSONValue?
            for (member, memberValue) in members {
                if member == "type" { type = memberValue } else { entry = memberValue }
            }
            // The type first, as in the reference's pairs.
            if let type {
                appendUTF8("type")
                writeValue(context.builder.text(of: type, namespaces: context.namespaces))
            }
            if let entry {
                appendUTF8(valueName)
                writeValue(context.builder.text(of: entry, namespaces: context.namespaces))
            }
            ends.append(out.count)
        }
        sortGroup(from: groupStart, endsFrom: base)
        ends.append(out.count)
        return true
    }

    /// Writes the elements of one member as the reference writes unordered elements: each its name,
    /// `=value` for a scalar, then its members sorted as whole strings; one element per array element.
    ///
    /// - Returns: `false` when the member needs the tree writer: names the reference corrects (lists,
    ///   EPC and quantity elements, pair members), arrays of arrays, `#text` values and namespace
    ///   declarations. The caller rolls back what was written.
    private mutating func writeMember(key: String, value: JSONValue, context: DirectContext) -> Bool {
        // A prefixed name is written `{namespace}localName`, which the reference never corrects
        // unless it ends in "List".
        let expansion = context.namespaces.expansion(ofKey: key)
        guard
            expansion != nil
                ? !EventHashID.TreeBuilder.isList(key)
                : Self.isPlainName(key) || Self.isPlainQuantity(key: key, value: value)
        else { return false }
        if case .array(let elements) = value {
            for element in elements {
                guard writeElement(key: key, expansion: expansion, value: element, context: context) else {
                    return false
                }
            }
            return true
        }
        return writeElement(key: key, expansion: expansion, value: value, context: context)
    }

    private mutating func writeElement(
        key: String,
        expansion: (iri: String, localName: Substring)?,
        value: JSONValue,
        context: DirectContext
    ) -> Bool {
        if let expansion {
            out.append(UInt8(ascii: "{"))
            appendUTF8(expansion.iri)
            out.append(UInt8(ascii: "}"))
            appendUTF8(expansion.localName)
        } else {
            appendUTF8(key)
        }
        switch value {
        case .array:
            return false
        case .object(let members):
            let groupStart = out.count
            let base = ends.count
            for (key, member) in members {
                if EventHashID.TreeBuilder.isIgnored(key) {
                    if key.utf8.first == UInt8(ascii: "@") || key.utf8.first == UInt8(ascii: "#") { return false }
                    continue
                }
                guard writeMember(key: key, value: member, context: context) else { return false }
            }
            sortGroup(from: groupStart, endsFrom: base)
        default:
            writeValue(context.builder.text(of: value, namespaces: context.namespaces))
        }
        ends.append(out.count)
        return true
    }

    /// Whether a `quantity` member is written as it is: the reference renames a `quantity` element
    /// with children to `quantityElement`, but one with a scalar value (an extension's own quantity,
    /// such as an electricity supply's) keeps its name.
    private static func isPlainQuantity(key: String, value: JSONValue) -> Bool {
        Name(key) == .quantity && value.isScalarOrScalars
    }

    /// Whether an element name is written as it is: not one the reference renames or groups, and
    /// not one that keeps its siblings in document order.
    private static func isPlainName(_ name: String) -> Bool {
        if EventHashID.TreeBuilder.isList(name) { return false }
        switch Name(name) {
        case .childEPCs, .quantity, .bizTransaction, .source, .destination:
            return false
        default:
            switch name {
            case "inputEPC", "outputEPC", "inputQuantity", "outputQuantity", "childQuantity": return false
            default: return true
            }
        }
    }
}

extension JSONValue {
    /// Whether this is a string, number, Boolean or null.
    fileprivate var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    /// Whether this is a scalar or an array of scalars.
    fileprivate var isScalarOrScalars: Bool {
        if case .array(let elements) = self { return elements.allSatisfy({ $0.isScalar }) }
        return isScalar
    }
}
