@testable import MeshModel

/// Lists every field a resource type's `init(from:)` asks for, by decoding the type from a decoder
/// that has every field: each key asked for is recorded as `Type.key` (the type that asks, without
/// the module: `VirtualServiceSpec.HTTPMatchRequest.uri`, one entry wherever that type is nested),
/// each list has one element,
/// each map one key (`*`), each enumeration its first value, and a nested value that does not decode
/// (a one-of with all its members set) is read as absent so its siblings are still asked for.
///
/// The list comes from the types themselves, so a field added to a type is listed without anyone
/// remembering to; the strict decoder accepts exactly the keys a type asks for, less the ones it
/// declares in `unsupportedFields` (those are recorded apart, as refusals).
final class FieldAuditProbe {
    /// Accepted fields, e.g. `StringMatch.exact`.
    private(set) var accepted: Set<String> = []
    /// Fields refused as `not supported`.
    private(set) var refused: Set<String> = []
    private var stack: [ObjectIdentifier] = []

    struct Cycle: Error {}

    /// The fields of `type` and of every type nested in it.
    static func fields<T: Decodable>(of type: T.Type) -> (accepted: Set<String>, refused: Set<String>) {
        let probe = FieldAuditProbe()
        _ = try? probe.make(type, at: "")
        return (probe.accepted.subtracting(probe.refused), probe.refused)
    }

    func make<T: Decodable>(_ type: T.Type, at path: String) throws -> T {
        let id = ObjectIdentifier(T.self)
        // A type met again inside itself has no new fields; stop instead of recursing for ever.
        guard stack.filter({ $0 == id }).count < 2 else { throw Cycle() }
        stack.append(id)
        defer { stack.removeLast() }
        return try T(from: ProbeDecoder(probe: self, path: path, type: T.self))
    }

    /// Records that `type` asks for `key` and returns the path below it (a map's `*` key is no field).
    func ask(_ key: String, at path: String, of type: Any.Type) -> String {
        let owner = Self.name(of: type)
        if !owner.hasPrefix("Dictionary<") { accepted.insert("\(owner).\(key)") }
        return path.isEmpty ? key : "\(path).\(key)"
    }

    func declare(_ type: Any.Type) {
        guard let declaring = type as? any UnsupportedFieldsDeclaring.Type else { return }
        let owner = Self.name(of: type)
        for key in declaring.unsupportedFields { refused.insert("\(owner).\(key)") }
    }

    static func name(of type: Any.Type) -> String {
        let name = String(reflecting: type)
        return name.hasPrefix("MeshModel.") ? String(name.dropFirst("MeshModel.".count)) : name.replacing("Swift.", with: "")
    }
}

private struct ProbeDecoder: Decoder {
    let probe: FieldAuditProbe
    let path: String
    let type: Any.Type
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy keyType: Key.Type) throws -> KeyedDecodingContainer<Key> {
        probe.declare(type)
        return KeyedDecodingContainer(ProbeKeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { ProbeUnkeyedContainer(decoder: self) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ProbeSingleValueContainer(decoder: self) }

    /// A string the type accepts: an enumeration's first value, else a placeholder.
    var sampleString: String {
        if let enumeration = type as? any StringEnumeration.Type, let first = enumeration.allowedValues.first {
            return first
        }
        if let cases = type as? any (CaseIterable & RawRepresentable).Type, let first = firstRawValue(cases) {
            return first
        }
        return "x"
    }
}

private func firstRawValue<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> String? {
    E.allCases.first?.rawValue as? String
}

private struct ProbeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: ProbeDecoder
    var codingPath: [any CodingKey] { [] }
    /// Maps (`[String: V]`) ask for their keys: one, `*`. Types with fixed keys never ask.
    var allKeys: [Key] { [Key(stringValue: "*")].compactMap { $0 } }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(type, key) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try? decode(T.self, forKey: key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(type, key) }

    private func value<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        let field = decoder.probe.ask(key.stringValue, at: decoder.path, of: decoder.type)
        return try decoder.probe.make(T.self, at: field)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try nested(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nested(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { nested(key) }

    private func nested(_ key: Key) -> ProbeDecoder {
        let field = decoder.probe.ask(key.stringValue, at: decoder.path, of: decoder.type)
        return ProbeDecoder(probe: decoder.probe, path: field, type: Any.self)
    }
}

private struct ProbeUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: ProbeDecoder
    var codingPath: [any CodingKey] { [] }
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    init(decoder: ProbeDecoder) { self.decoder = decoder }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try element(type) }
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

    private mutating func element<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try decoder.probe.make(T.self, at: decoder.path + "[]")
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<
        NestedKey
    > {
        currentIndex += 1
        return try ProbeDecoder(probe: decoder.probe, path: decoder.path + "[]", type: Any.self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return ProbeUnkeyedContainer(decoder: ProbeDecoder(probe: decoder.probe, path: decoder.path + "[]", type: Any.self))
    }

    mutating func superDecoder() throws -> any Decoder { decoder }
}

private struct ProbeSingleValueContainer: SingleValueDecodingContainer {
    let decoder: ProbeDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { false }
    func decode(_ type: String.Type) throws -> String { decoder.sampleString }
    func decode(_ type: Double.Type) throws -> Double { 0 }
    func decode(_ type: Float.Type) throws -> Float { 0 }
    func decode(_ type: Int.Type) throws -> Int { 0 }
    func decode(_ type: Int8.Type) throws -> Int8 { 0 }
    func decode(_ type: Int16.Type) throws -> Int16 { 0 }
    func decode(_ type: Int32.Type) throws -> Int32 { 0 }
    func decode(_ type: Int64.Type) throws -> Int64 { 0 }
    func decode(_ type: UInt.Type) throws -> UInt { 0 }
    func decode(_ type: UInt8.Type) throws -> UInt8 { 0 }
    func decode(_ type: UInt16.Type) throws -> UInt16 { 0 }
    func decode(_ type: UInt32.Type) throws -> UInt32 { 0 }
    func decode(_ type: UInt64.Type) throws -> UInt64 { 0 }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.probe.make(T.self, at: decoder.path)
    }
}
