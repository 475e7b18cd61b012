/// A domain name as a sequence of labels (RFC 1035 §3.1), kept as the bytes it arrived in.
///
/// Equality and hashing ignore ASCII case, as DNS names compare; `text` keeps the case written
/// (a response echoes the question's name exactly, so clients that randomise case still match).
public struct DNSName: Sendable, CustomStringConvertible {
    /// At most 255 octets on the wire, each label at most 63.
    public static let maxWireLength = 255
    public static let maxLabelLength = 63
    public static let root = DNSName(uncheckedLabels: [])

    public private(set) var labels: [[UInt8]]

    package init(uncheckedLabels labels: [[UInt8]]) {
        self.labels = labels
    }

    /// Labels from the wire, checked for the length limits.
    init(labels: [[UInt8]]) throws(DNSWireError) {
        var length = 1
        for label in labels {
            guard !label.isEmpty, label.count <= Self.maxLabelLength else { throw .labelTooLong }
            length += label.count + 1
        }
        guard length <= Self.maxWireLength else { throw .nameTooLong }
        self.labels = labels
    }

    /// A name in dotted text (`reviews.default.svc.cluster.local`, a trailing dot allowed); nil when
    /// a label is empty or too long, the name too long, or a byte is not a letter, digit, `-` or `_`.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasSuffix(".") { body = body.dropLast() }
        guard !body.isEmpty else {
            self = .root
            return
        }
        let labels = body.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        for label in labels {
            for byte in label where !Self.isHostByte(byte) { return nil }
        }
        guard let name = try? DNSName(labels: labels) else { return nil }
        self = name
    }

    /// The name with `prefix` labels in front (`_http._tcp` + `reviews…`).
    public func prepending(_ prefix: DNSName) -> DNSName? {
        try? DNSName(labels: prefix.labels + labels)
    }

    /// The name with `suffix` labels after it (`reviews.default.svc` + `cluster.local`).
    public func appending(_ suffix: DNSName) -> DNSName? {
        suffix.prepending(self)
    }

    /// Whether `self` is `suffix` or a name under it.
    public func isSubdomain(of suffix: DNSName) -> Bool {
        guard labels.count >= suffix.labels.count else { return false }
        return zip(labels.suffix(suffix.labels.count), suffix.labels).allSatisfy { Self.equalIgnoringCase($0, $1) }
    }

    /// The name without its first `count` labels.
    public func droppingFirst(_ count: Int = 1) -> DNSName {
        DNSName(uncheckedLabels: Array(labels.dropFirst(count)))
    }

    /// Octets on the wire, uncompressed (each label's length byte, the label, the root byte).
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    /// Lowercase dotted text without the trailing dot; bytes outside printable ASCII, dots and
    /// backslashes inside a label as `\DDD` (RFC 1035 §5.1).
    public var description: String {
        guard !labels.isEmpty else { return "." }
        return labels.map { label in
            var text = ""
            for byte in label {
                if byte > 0x20 && byte < 0x7f && byte != UInt8(ascii: ".") && byte != UInt8(ascii: "\\") {
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            return text
        }.joined(separator: ".")
    }

    static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func equalIgnoringCase(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        left.count == right.count && zip(left, right).allSatisfy { lower($0) == lower($1) }
    }
}

extension DNSName: Hashable {
    public static func == (left: DNSName, right: DNSName) -> Bool {
        left.labels.count == right.labels.count
            && zip(left.labels, right.labels).allSatisfy { equalIgnoringCase($0, $1) }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.lower(byte)) }
        }
    }
}
