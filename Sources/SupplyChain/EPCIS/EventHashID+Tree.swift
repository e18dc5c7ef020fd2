import LedgerCore

// The element tree the pre-hash string is written from. The reference implementation turns a JSON
// event into the element tree of its XML form (json_to_py.py, json_xml_model_mismatch_correction.py):
// a list becomes repeated elements; `epcList` becomes `epcList` with `epc` children, `inputEPCList`
// and `outputEPCList` likewise; quantity lists get `quantityElement` children; `bizTransactionList`,
// `sourceList` and `destinationList` get (type, value) pairs; extension names become
// `{namespace}localName`. This file builds the same tree.

extension EventHashID {
    /// One element: a name, an optional text value and child elements.
    struct Node {
        /// The element name: a property name, or `{namespace}localName` for an extension.
        var name: String
        /// The name, when the canonical property order mentions it.
        var known: Name
        /// The element's text value.
        var text: Text
        /// The child elements, in no particular order.
        var children: [Node]
        /// Whether this stands for a (type, value) pair of a bizTransaction, source or destination list.
        var isPair = false

        init(name: String, text: Text = .none, children: [Node] = []) {
            self.name = name
            self.known = Name(name)
            self.text = text
            self.children = children
        }

        /// A (type, value) pair of `bizTransactionList`, `sourceList` or `destinationList`.
        static func pair(_ members: [Node]) -> Node {
            var node = Node(name: "", children: members)
            node.isPair = true
            return node
        }
    }

    /// A scalar value, kept as JSON gave it until it is written.
    enum Text {
        /// No value (an object or array).
        case none
        /// A string.
        case string(String)
        /// A number.
        case number(Double)
        /// `true` or `false`, written as the reference writes them: `True`, `False`.
        case bool(Bool)
        /// `null`, written `None` as by the reference.
        case null

        init(_ value: JSONValue) {
            switch value {
            case .string(let string): self = .string(string)
            case .number(let number): self = .number(number)
            case .bool(let bool): self = .bool(bool)
            case .null: self = .null
            case .array, .object: self = .none
            }
        }
    }

    /// Builds the element tree of one event.
    struct TreeBuilder {
        /// The event's CBV-typed values, expanded; see ``EventHashID/bareValue(_:candidates:)``.
        let vocabularyIRIs: [String]

        /// The elements of an object's members.
        ///
        /// - Parameters:
        ///   - members: The object's members.
        ///   - namespaces: The prefixes in force.
        ///   - ignoring: Member names to leave out (the event's ignored fields; empty below the event).
        ///   - raw: Whether to skip the XML-model corrections, as the reference does inside pairs.
        /// - Returns: The elements.
        func children(
            of members: JSONObject,
            namespaces: EPCISNamespaces,
            ignoring: Set<String> = [],
            raw: Bool = false
        ) -> [Node] {
            let namespaces = Self.scoped(namespaces, by: members)
            var nodes: [Node] = []
            nodes.reserveCapacity(members.count)
            for (key, value) in members {
                if Self.isIgnored(key) || (!ignoring.isEmpty && ignoring.contains(key)) { continue }
                appendNodes(forKey: key, value: value, namespaces: namespaces, raw: raw, to: &nodes)
            }
            if !raw { Self.group(&nodes) }
            return nodes
        }

        /// The elements of one member of an event, with the list correction applied to them.
        ///
        /// The correction groups elements of the same name only, so it gives the same result member by
        /// member as for the whole event.
        ///
        /// - Parameters:
        ///   - key: The member name, as the event spells it.
        ///   - value: The member's value.
        ///   - namespaces: The prefixes in force.
        /// - Returns: The elements.
        func nodes(forKey key: String, value: JSONValue, namespaces: EPCISNamespaces) -> [Node] {
            var nodes: [Node] = []
            appendNodes(forKey: key, value: value, namespaces: namespaces, raw: false, to: &nodes)
            Self.group(&nodes)
            return nodes
        }

        /// Appends the element (or, for an array, the elements) of one member.
        private func appendNodes(
            forKey key: String,
            value: JSONValue,
            namespaces: EPCISNamespaces,
            raw: Bool,
            to nodes: inout [Node]
        ) {
            let name = namespaces.expandKey(key)
            // The reference builds the pairs of these lists from uncorrected elements.
            let rawElements = raw || name == "bizTransactionList" || name == "sourceList" || name == "destinationList"
            if case .array(let elements) = value {
                for element in elements {
                    nodes.append(node(named: name, value: element, namespaces: namespaces, raw: rawElements))
                }
            } else {
                nodes.append(node(named: name, value: value, namespaces: namespaces, raw: rawElements))
            }
        }

        /// The text of a scalar as the tree holds it: strings go through the bare-value replacement and
        /// compact IRI expansion.
        func text(of value: JSONValue, namespaces: EPCISNamespaces) -> Text {
            guard case .string(let string) = value else { return Text(value) }
            let bare = EventHashID.bareValue(string, candidates: vocabularyIRIs) ?? string
            return .string(namespaces.expand(bare))
        }

        /// The element for one value.
        private func node(named name: String, value: JSONValue, namespaces: EPCISNamespaces, raw: Bool) -> Node {
            var node: Node
            switch value {
            case .string:
                node = Node(name: name, text: text(of: value, namespaces: namespaces))
            case .object(let members):
                node = Node(name: name, children: children(of: members, namespaces: namespaces, raw: raw))
                if let text = members["#text"] {
                    node.text = Text(text)
                    if case .string(let string) = text,
                        let bare = EventHashID.bareValue(string, candidates: vocabularyIRIs)
                    {
                        node.text = .string(bare)
                    }
                }
            case .array(let elements):
                // An array inside an array: its elements keep the names the reference gives them.
                var inner: [Node] = []
                for element in elements {
                    let elementName = element["type"]?.stringValue ?? ""
                    inner.append(self.node(named: elementName, value: element, namespaces: namespaces, raw: raw))
                }
                if !raw { Self.group(&inner) }
                node = Node(name: name, children: inner)
            default:
                node = Node(name: name, text: Text(value))
            }
            if !raw { Self.correctName(of: &node) }
            return node
        }

        /// Members that never take part: `#text` (an element's value), comments, JSON-LD contexts and
        /// XML namespace declarations.
        static func isIgnored(_ key: String) -> Bool {
            guard let first = key.utf8.first,
                first == UInt8(ascii: "#") || first == UInt8(ascii: "@") || first == UInt8(ascii: "r")
                    || first == UInt8(ascii: "c")
            else { return false }
            return key == "#text" || key == "rdfs:comment" || key == "comment" || key == "@context"
                || key.hasPrefix("@xmlns")
        }

        /// The namespaces for an object that declares its own, with a `@context` or `@xmlns:prefix` members.
        private static func scoped(_ namespaces: EPCISNamespaces, by members: JSONObject) -> EPCISNamespaces {
            var result = namespaces
            for (key, value) in members where key.utf8.first == UInt8(ascii: "@") {
                if key == "@context" {
                    result = result.adding(context: value)
                } else if key.hasPrefix("@xmlns:"), case .string(let iri) = value {
                    result = result.adding(context: [String(key.dropFirst(7)): .string(iri)])
                }
            }
            return result
        }

        /// The reference's renaming of XML elements that JSON names differently.
        private static func correctName(of node: inout Node) {
            switch node.name {
            case "inputEPC", "outputEPC":
                node.name = "epc"
            case "inputQuantity", "outputQuantity", "childQuantity":
                node.name = "quantityElement"
            case "quantity" where !node.children.isEmpty:
                node.name = "quantityElement"
            default:
                return
            }
            node.known = Name(node.name)
        }

        /// The reference's list correction, applied once to one level: the elements of `xyzList`
        /// become `xyz` children of one `xyzList` element (pairs for bizTransaction, source and
        /// destination lists), and `childEPCs` values become `epc` children of one `childEPCs` element.
        static func group(_ nodes: inout [Node]) {
            guard nodes.contains(where: { !$0.isPair && ($0.known == .childEPCs || isList($0.name)) }) else { return }
            var kept: [Node] = []
            var lists: [(name: String, elements: [Node])] = []
            var childEPCs: [Node] = []
            for node in nodes {
                if node.isPair {
                    kept.append(node)
                } else if isList(node.name) {
                    var element = node
                    element.name = String(decoding: node.name.utf8.dropLast(4), as: UTF8.self)
                    element.known = Name(element.name)
                    if let index = lists.firstIndex(where: { $0.name == node.name }) {
                        lists[index].elements.append(element)
                    } else {
                        lists.append((node.name, [element]))
                    }
                } else if node.known == .childEPCs {
                    childEPCs.append(Node(name: "epc", text: node.text))
                } else {
                    kept.append(node)
                }
            }
            for (name, elements) in lists {
                var list = Node(name: name)
                if name == "bizTransactionList" || name == "sourceList" || name == "destinationList" {
                    list.children = elements.map { $0.children.isEmpty ? $0 : .pair($0.children) }
                } else {
                    list.children = elements.map { element in
                        var element = element
                        correctName(of: &element)
                        return element
                    }
                    group(&list.children)
                }
                kept.append(list)
            }
            if !childEPCs.isEmpty {
                kept.append(Node(name: "childEPCs", children: childEPCs))
            }
            nodes = kept
        }

        static func isList(_ name: String) -> Bool {
            let endsInList = name.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.count >= 4 && bytes[bytes.count - 4] == UInt8(ascii: "L")
                    && bytes[bytes.count - 3] == UInt8(ascii: "i")
                    && bytes[bytes.count - 2] == UInt8(ascii: "s") && bytes[bytes.count - 1] == UInt8(ascii: "t")
            }
            return endsInList ?? name.hasSuffix("List")
        }
    }
}
