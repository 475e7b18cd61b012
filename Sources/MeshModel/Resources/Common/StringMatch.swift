/// How a string is matched: Istio's `StringMatch` (`{exact: ...}`, `{prefix: ...}` or `{regex: ...}`).
///
/// `regex` uses RE2 syntax in Istio; meshbox checks it compiles with Swift's regular expressions.
public enum StringMatch: Sendable, Hashable, Codable {
    case exact(String)
    case prefix(String)
    case regex(String)

    enum CodingKeys: String, CodingKey { case exact, prefix, regex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var found: [StringMatch] = []
        if let value = try container.decodeIfPresent(String.self, forKey: .exact) { found.append(.exact(value)) }
        if let value = try container.decodeIfPresent(String.self, forKey: .prefix) { found.append(.prefix(value)) }
        if let value = try container.decodeIfPresent(String.self, forKey: .regex) { found.append(.regex(value)) }
        guard found.count == 1, let match = found.first else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "exactly one of exact, prefix or regex must be set"
                )
            )
        }
        self = match
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .exact(let value): try container.encode(value, forKey: .exact)
        case .prefix(let value): try container.encode(value, forKey: .prefix)
        case .regex(let value): try container.encode(value, forKey: .regex)
        }
    }

    /// The text to compare with (the literal, the prefix or the pattern).
    public var value: String {
        switch self {
        case .exact(let value), .prefix(let value), .regex(let value): value
        }
    }
}
