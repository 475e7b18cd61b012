/// The `Decoder` of `StrictDecoder` for one value of the tree.
struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    /// The type being decoded, to tell unsupported fields from unknown ones.
    let type: Any.Type
    let log: IssueLog

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy keyType: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw log.mismatch("map", value, codingPath) }
        // A declared-unsupported field is refused even when the type keeps a property for it (the
        // Swift API may still carry it), so Istio YAML that sets it never decodes into a silent no-op.
        let unsupported = (type as? any UnsupportedFieldsDeclaring.Type)?.unsupportedFields ?? []
        for name in object.keys.sorted() where unsupported.contains(name) || Key(stringValue: name) == nil {
            _ = log.report(codingPath + [NameKey(name)], unsupported.contains(name) ? "not supported" : "unknown field")
        }
        return KeyedDecodingContainer(ObjectContainer<Key>(object: object, codingPath: codingPath, log: log))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else { throw log.mismatch("list", value, codingPath) }
        return ArrayContainer(array: array, codingPath: codingPath, log: log)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        ScalarContainer(value: value, codingPath: codingPath, log: log)
    }
}

struct ObjectContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: JSONValue]
    let codingPath: [any CodingKey]
    let log: IssueLog

    var allKeys: [Key] { object.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { (object[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = object[key.stringValue], value != .null else {
            throw log.report(codingPath + [key], "missing required field")
        }
        return try log.decode(T.self, from: value, at: codingPath + [key])
    }

    /// A bad optional field is logged and read as absent, so decoding goes on to its siblings.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = object[key.stringValue], value != .null else { return nil }
        do {
            return try log.decode(T.self, from: value, at: codingPath + [key])
        } catch is ReportedIssue {
            return nil
        }
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: .object(object), codingPath: codingPath, type: Any.self, log: log)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }

    private func decoder(for key: Key) throws -> ValueDecoder {
        guard let value = object[key.stringValue] else {
            throw log.report(codingPath + [key], "missing required field")
        }
        return ValueDecoder(value: value, codingPath: codingPath + [key], type: Any.self, log: log)
    }

    // The standard library's default `decodeIfPresent` for these types would skip the recovery above.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try optional(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optional(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optional(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optional(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optional(type, key) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try required(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try required(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try required(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try required(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try required(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try required(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try required(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try required(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try required(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try required(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try required(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try required(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try required(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try required(type, key) }

    private func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        try decodeIfPresent(type, forKey: key)
    }

    private func required<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        try decode(type, forKey: key)
    }
}

struct ArrayContainer: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let codingPath: [any CodingKey]
    let log: IssueLog
    private(set) var currentIndex = 0

    init(array: [JSONValue], codingPath: [any CodingKey], log: IssueLog) {
        self.array = array
        self.codingPath = codingPath
        self.log = log
    }

    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    /// On a bad element the remaining elements are still checked, so their issues are logged too.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try element(type) }

    private mutating func element<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else { throw log.report(codingPath + [IndexKey(currentIndex)], "missing list element") }
        let index = currentIndex
        do {
            let element = try log.decode(T.self, from: array[index], at: codingPath + [IndexKey(index)])
            currentIndex += 1
            return element
        } catch {
            for rest in (index + 1)..<array.count {
                _ = try? log.decode(T.self, from: array[rest], at: codingPath + [IndexKey(rest)])
            }
            currentIndex = array.count
            throw error
        }
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try element(type) }
    mutating func decode(_ type: String.Type) throws -> String { try element(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try element(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try element(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try element(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try element(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try element(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try element(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try element(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try element(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try element(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try element(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try element(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try element(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try nextDecoder() }

    private mutating func nextDecoder() throws -> ValueDecoder {
        guard !isAtEnd else { throw log.report(codingPath + [IndexKey(currentIndex)], "missing list element") }
        defer { currentIndex += 1 }
        return ValueDecoder(
            value: array[currentIndex],
            codingPath: codingPath + [IndexKey(currentIndex)],
            type: Any.self,
            log: log
        )
    }
}

struct ScalarContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let log: IssueLog

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try log.decode(T.self, from: value, at: codingPath)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: String.Type) throws -> String { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try log.decode(type, from: value, at: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try log.decode(type, from: value, at: codingPath) }
}
