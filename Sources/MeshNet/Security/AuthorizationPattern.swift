import MeshModel

/// One value of an AuthorizationPolicy string field, compiled: Istio's string match `*` (present and
/// non-empty), `prefix*`, `*suffix`, or exact, tried in that order as `AuthorizationEvaluator` does.
///
/// Compared byte for byte (as Envoy's string matchers compare), with no allocation per request.
enum AuthorizationPattern: Sendable, Hashable {
    case present
    case prefix([UInt8])
    case suffix([UInt8])
    case exact([UInt8])

    init(_ pattern: String) {
        if pattern == "*" {
            self = .present
        } else if pattern.hasSuffix("*") {
            self = .prefix(Array(pattern.utf8.dropLast()))
        } else if pattern.hasPrefix("*") {
            self = .suffix(Array(pattern.utf8.dropFirst()))
        } else {
            self = .exact(Array(pattern.utf8))
        }
    }

    /// A principal pattern: `spiffe://` is dropped, as principals are compared without it.
    static func principal(_ pattern: String) -> AuthorizationPattern {
        AuthorizationPattern(pattern.hasPrefix("spiffe://") ? String(pattern.dropFirst("spiffe://".count)) : pattern)
    }

    /// A host pattern: hosts compare case-insensitively, so the pattern is lower-cased once here.
    static func host(_ pattern: String) -> AuthorizationPattern {
        AuthorizationPattern(pattern.lowercased())
    }

    func matches(_ value: Substring.UTF8View?) -> Bool {
        guard let value else { return false }
        switch self {
        case .present:
            return !value.isEmpty
        case .prefix(let prefix):
            return value.starts(with: prefix)
        case .suffix(let suffix):
            return ASCII.hasSuffix(value, suffix)
        case .exact(let exact):
            return value.elementsEqual(exact)
        }
    }

    func matches(_ value: String?) -> Bool {
        matches(value.map { $0[...].utf8 })
    }

    func matches(_ value: Substring?) -> Bool {
        matches(value?.utf8)
    }
}

/// An `ipBlocks` entry or IP condition value, compiled; a value that is no address or CIDR never matches.
struct AuthorizationIPBlock: Sendable, Hashable {
    let bytes: [UInt8]
    let prefixLength: Int

    /// nil when `text` is not an address or CIDR (validation refuses those; a snapshot may still carry one).
    init?(_ text: String) {
        guard let block = IPBlock(text) else { return nil }
        bytes = block.bytes
        prefixLength = block.prefixLength
    }

    /// Whether the address (network-order bytes, as `AuthorizationIPBlock.address(_:)` gives) lies in the
    /// block; an IPv4 address is never in an IPv6 block and the other way round.
    func contains(_ address: [UInt8]?) -> Bool {
        guard let address, address.count == bytes.count else { return false }
        var remaining = prefixLength
        var index = 0
        while remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != address[index] & mask { return false }
            remaining -= bits
            index += 1
        }
        return true
    }

    /// The network-order bytes of an address (IPv4-mapped IPv6 read as IPv4), or nil.
    static func address(_ text: String?) -> [UInt8]? {
        guard let text, let block = IPBlock(text), block.prefixLength == block.bytes.count * 8 else { return nil }
        return block.bytes
    }
}
