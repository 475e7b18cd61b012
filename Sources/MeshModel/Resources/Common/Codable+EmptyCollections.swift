// Istio's proto3 JSON treats an absent list or map as empty. These overloads are picked by the
// synthesized Codable conformances of this module, so list and map fields can be non-optional
// (`[String]`, `[String: String]`) yet stay optional on input and are omitted from output when empty.

extension KeyedDecodingContainer {
    func decode<Element: Decodable>(_ type: [Element].Type, forKey key: Key) throws -> [Element] {
        try decodeIfPresent(type, forKey: key) ?? []
    }

    func decode<Value: Decodable>(_ type: [String: Value].Type, forKey key: Key) throws -> [String: Value] {
        try decodeIfPresent(type, forKey: key) ?? [:]
    }
}

extension KeyedEncodingContainer {
    mutating func encode<Element: Encodable>(_ value: [Element], forKey key: Key) throws {
        if !value.isEmpty { try encodeIfPresent(value, forKey: key) }
    }

    mutating func encode<Value: Encodable>(_ value: [String: Value], forKey key: Key) throws {
        if !value.isEmpty { try encodeIfPresent(value, forKey: key) }
    }
}
