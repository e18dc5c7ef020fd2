/// What provenance and carbon queries read of a lot, in one compact row (`sc.lineage`): its master
/// data, where and when it was made, its mass, its certificates and what it was made from.
///
/// Written when the lot is made and rewritten when it is certified, when a certification of it is
/// declared in error or when its event is retracted; balances and holdings, which change with
/// every use, stay in `sc.lots` and `sc.holdings`.
public struct LotCard: Sendable, Hashable {
    /// The lot's identifier.
    public var id: String
    /// The material.
    public var material: String?
    /// The grade.
    public var grade: String?
    /// Mass fractions of elements.
    public var elementContent: [String: ExactDecimal]
    /// The country of origin from the lot's master data.
    public var countryOfOrigin: String?
    /// The facility that made it.
    public var facility: String
    /// The event that made it.
    public var createdBy: String
    /// The sequence number of that event's entry.
    public var createdAt: UInt64
    /// The event time (RFC 3339 UTC).
    public var eventTime: String
    /// The mass made, kg.
    public var producedKg: ExactDecimal
    /// Certificates with the entry that recorded each: those that stand.
    public var certifications: [(certificate: String, sequenceNumber: UInt64)]
    /// Certificates whose certification was declared in error, with the entry that recorded each
    /// and the declaration's entry, in the order they were recorded: kept for queries as of a
    /// size before the declaration (index layout 22).
    public var retractedCertifications: [(certificate: String, sequenceNumber: UInt64, retractedAt: UInt64)]
    /// The entry that retracted the event that made it, if one did.
    public var retractedAt: UInt64?
    /// What it was made from: one edge per input.
    public var inputs: [LineageEdge]
    /// The lot number of each input, in the order of ``inputs``: a lineage walk reads the next
    /// card by number (``LineageReader/card(number:_:)``) without looking the id up.
    public var inputNumbers: [UInt64]

    /// Cards are equal when every field is.
    public static func == (lhs: LotCard, rhs: LotCard) -> Bool { lhs.encoded == rhs.encoded }
    /// Hashes every field.
    public func hash(into hasher: inout Hasher) { hasher.combine(encoded) }

    /// The certificates the lot had when the ledger held its first `size` entries, in the order
    /// they were recorded: those recorded before `size` that stand, and those declared in error
    /// since.
    public func certifications(asOf size: UInt64) -> [String] {
        Self.certifications(certifications, retracted: retractedCertifications, asOf: size)
    }

    /// The certificates of a card's two lists (`certifications` and
    /// `retractedCertifications`) as of `size`, for a caller that reads them in place rather
    /// than copying the card.
    ///
    /// - Parameters:
    ///   - standing: The certificates that stand, in the order recorded.
    ///   - retracted: The certificates declared in error, in the order recorded.
    ///   - size: The ledger size.
    /// - Returns: The certificates recorded before `size` and not declared in error before it, in
    ///   the order recorded.
    public static func certifications(
        _ standing: [(certificate: String, sequenceNumber: UInt64)],
        retracted: [(certificate: String, sequenceNumber: UInt64, retractedAt: UInt64)],
        asOf size: UInt64
    ) -> [String] {
        var result: [String] = []
        var next = retracted.startIndex
        // Both lists are in the order recorded: the retracted ones that stood are merged in by entry.
        for (certificate, sequence) in standing where sequence < size {
            while next < retracted.endIndex, retracted[next].sequenceNumber < sequence {
                if retracted[next].retractedAt >= size { result.append(retracted[next].certificate) }
                next += 1
            }
            result.append(certificate)
        }
        for (certificate, sequence, retractedAt) in retracted[next...] where sequence < size && retractedAt >= size {
            result.append(certificate)
        }
        return result
    }

    private init(
        id: String,
        material: String?,
        grade: String?,
        elementContent: [String: ExactDecimal],
        countryOfOrigin: String?,
        facility: String,
        createdBy: String,
        createdAt: UInt64,
        eventTime: String,
        producedKg: ExactDecimal,
        certifications: [(certificate: String, sequenceNumber: UInt64)],
        retractedCertifications: [(certificate: String, sequenceNumber: UInt64, retractedAt: UInt64)],
        retractedAt: UInt64?,
        inputs: [LineageEdge],
        inputNumbers: [UInt64]
    ) {
        self.id = id
        self.material = material
        self.grade = grade
        self.elementContent = elementContent
        self.countryOfOrigin = countryOfOrigin
        self.facility = facility
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.eventTime = eventTime
        self.producedKg = producedKg
        self.certifications = certifications
        self.retractedCertifications = retractedCertifications
        self.retractedAt = retractedAt
        self.inputs = inputs
        self.inputNumbers = inputNumbers
    }

    /// The card of a lot as its event makes it: certificates and a retraction come later, through
    /// the rules that record them.
    ///
    /// - Parameters:
    ///   - lot: The lot made.
    ///   - inputs: One edge per input.
    ///   - inputNumbers: The inputs' lot numbers, in the same order.
    init(lot: borrowing Lot, inputs: [LineageEdge], inputNumbers: [UInt64]) {
        precondition(inputs.count == inputNumbers.count, "one number per input")
        id = lot.id
        material = lot.material
        grade = lot.grade
        elementContent = lot.elementContent
        countryOfOrigin = lot.countryOfOrigin
        facility = lot.facility
        createdBy = lot.createdBy
        createdAt = lot.createdAt
        eventTime = lot.eventTime
        producedKg = lot.producedKg
        certifications = []
        retractedCertifications = []
        retractedAt = nil
        self.inputs = inputs
        self.inputNumbers = inputNumbers
    }

    /// The lot number of input `lot`, or `nil` when the card has no edge from it.
    public func inputNumber(of lot: String) -> UInt64? {
        inputs.firstIndex { $0.from == lot }.map { inputNumbers[$0] }
    }

    /// Drops the inputs recorded by entries at or after `size`, with their numbers.
    public mutating func dropInputs(recordedFrom size: UInt64) {
        var kept: [LineageEdge] = []
        var numbers: [UInt64] = []
        for (edge, number) in zip(inputs, inputNumbers) where edge.sequenceNumber < size {
            kept.append(edge)
            numbers.append(number)
        }
        inputs = kept
        inputNumbers = numbers
    }

    /// Version 2 adds each input's lot number (index layout 4).
    private static let version: UInt8 = 2
    /// Version 3 adds the certificates declared in error after the inputs (index layout 22).
    ///
    /// A card without any is written in version 2, byte for byte as before: the card of every lot
    /// an import makes, and of most lots, is unchanged.
    private static let versionWithRetractions: UInt8 = 3

    var encoded: [UInt8] {
        Self.encoded(
            id: id,
            material: material,
            grade: grade,
            elementContent: elementContent,
            countryOfOrigin: countryOfOrigin,
            facility: facility,
            createdBy: createdBy,
            createdAt: createdAt,
            eventTime: eventTime,
            producedKg: producedKg,
            certifications: certifications,
            retractedCertifications: retractedCertifications,
            retractedAt: retractedAt,
            inputs: inputs,
            inputNumbers: inputNumbers
        )
    }

    /// The encoding of the card of a lot just made, read from the lot in place.
    ///
    /// These are the bytes of the card that `LotCard(lot:inputs:inputNumbers:)` builds; building
    /// the card first copies the lot's strings into it, only to encode them and drop the card.
    ///
    /// - Parameters:
    ///   - lot: The lot made.
    ///   - inputs: One edge per input.
    ///   - inputNumbers: The inputs' lot numbers, in the same order.
    /// - Returns: The card's bytes.
    static func encoded(madeOf lot: borrowing Lot, inputs: [LineageEdge], inputNumbers: [UInt64]) -> [UInt8] {
        precondition(inputs.count == inputNumbers.count, "one number per input")
        return encoded(
            id: lot.id,
            material: lot.material,
            grade: lot.grade,
            elementContent: lot.elementContent,
            countryOfOrigin: lot.countryOfOrigin,
            facility: lot.facility,
            createdBy: lot.createdBy,
            createdAt: lot.createdAt,
            eventTime: lot.eventTime,
            producedKg: lot.producedKg,
            certifications: [],
            retractedCertifications: [],
            retractedAt: nil,
            inputs: inputs,
            inputNumbers: inputNumbers
        )
    }

    private static func encoded(
        id: String,
        material: String?,
        grade: String?,
        elementContent: [String: ExactDecimal],
        countryOfOrigin: String?,
        facility: String,
        createdBy: String,
        createdAt: UInt64,
        eventTime: String,
        producedKg: ExactDecimal,
        certifications: [(certificate: String, sequenceNumber: UInt64)],
        retractedCertifications: [(certificate: String, sequenceNumber: UInt64, retractedAt: UInt64)],
        retractedAt: UInt64?,
        inputs: [LineageEdge],
        inputNumbers: [UInt64]
    ) -> [UInt8] {
        var writer = BinaryWriter(version: retractedCertifications.isEmpty ? Self.version : Self.versionWithRetractions)
        writer.string(id)
        writer.optionalString(material)
        writer.optionalString(grade)
        writer.optionalString(countryOfOrigin)
        writer.string(facility)
        writer.string(createdBy)
        writer.u64(createdAt)
        writer.string(eventTime)
        writer.decimal(producedKg)
        writer.u64(retractedAt.map { $0 + 1 } ?? 0)
        writer.u16(elementContent.count)
        for (element, fraction) in elementContent.sorted(by: { $0.key < $1.key }) {
            writer.string(element)
            writer.decimal(fraction)
        }
        writer.u16(certifications.count)
        for (certificate, sequence) in certifications {
            writer.string(certificate)
            writer.u64(sequence)
        }
        writer.u16(inputs.count)
        for (edge, number) in zip(inputs, inputNumbers) {
            writer.string(edge.from)
            writer.decimal(edge.kg)
            writer.u64(edge.sequenceNumber)
            writer.u64(number)
        }
        if !retractedCertifications.isEmpty {
            writer.u16(retractedCertifications.count)
            for (certificate, sequence, retracted) in retractedCertifications {
                writer.string(certificate)
                writer.u64(sequence)
                writer.u64(retracted)
            }
        }
        return writer.bytes
    }

    init?(encoded bytes: [UInt8]) {
        guard let card = bytes.withUnsafeBytes({ LotCard(encoded: $0) }) else { return nil }
        self = card
    }

    init?(encoded raw: UnsafeRawBufferPointer) {
        guard
            let card = BinaryReader.read(raw, version: Self.version, { Self.decode(&$0, retractions: false) })
                ?? BinaryReader.read(raw, version: Self.versionWithRetractions, { Self.decode(&$0, retractions: true) })
        else { return nil }
        self = card
    }

    private static func decode(_ reader: inout BinaryReader, retractions: Bool) -> LotCard {
        let id = reader.string()
        let material = reader.optionalString()
        let grade = reader.optionalString()
        let country = reader.optionalString()
        let facility = reader.string()
        let createdBy = reader.string()
        let createdAt = reader.u64()
        let eventTime = reader.string()
        let producedKg = reader.decimal()
        let retracted = reader.u64()
        let elementCount = reader.u16()
        var content = [String: ExactDecimal](minimumCapacity: elementCount)
        for _ in 0..<elementCount {
            let element = reader.string()
            content[element] = reader.decimal()
        }
        var certifications: [(certificate: String, sequenceNumber: UInt64)] = []
        for _ in 0..<reader.u16() {
            let certificate = reader.string()
            certifications.append((certificate, reader.u64()))
        }
        let inputCount = reader.u16()
        var inputs: [LineageEdge] = []
        inputs.reserveCapacity(inputCount)
        var inputNumbers: [UInt64] = []
        inputNumbers.reserveCapacity(inputCount)
        for _ in 0..<inputCount {
            let from = reader.string()
            let kg = reader.decimal()
            inputs.append(LineageEdge(from: from, to: id, kg: kg, sequenceNumber: reader.u64(), eventID: createdBy))
            inputNumbers.append(reader.u64())
        }
        var retractedCertifications: [(certificate: String, sequenceNumber: UInt64, retractedAt: UInt64)] = []
        if retractions {
            for _ in 0..<reader.u16() {
                let certificate = reader.string()
                let sequence = reader.u64()
                retractedCertifications.append((certificate, sequence, reader.u64()))
            }
        }
        return LotCard(
            id: id,
            material: material,
            grade: grade,
            elementContent: content,
            countryOfOrigin: country,
            facility: facility,
            createdBy: createdBy,
            createdAt: createdAt,
            eventTime: eventTime,
            producedKg: producedKg,
            certifications: certifications,
            retractedCertifications: retractedCertifications,
            retractedAt: retracted == 0 ? nil : retracted - 1,
            inputs: inputs,
            inputNumbers: inputNumbers
        )
    }

}
