/// Why bytes are not a DNS message meshbox reads: the message is refused (FORMERR when the header
/// could be read, dropped otherwise), never trusted in part.
public struct DNSWireError: Error, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The message ends inside a field, a name or a record.
        public static let truncated = Code("truncated")
        /// A label longer than 63 octets, or an empty label in text.
        public static let labelTooLong = Code("label too long")
        /// A name longer than 255 octets (after following compression pointers).
        public static let nameTooLong = Code("name too long")
        /// A compression pointer that does not point back before the name part it is read from:
        /// what a loop needs, so every loop is refused and reading always ends.
        public static let badPointer = Code("bad compression pointer")
        /// Label type 01 or 10 (RFC 6891 retired the extended label types).
        public static let badLabelType = Code("bad label type")
        /// A record's data does not have its type's shape (an A record of 5 octets).
        public static let badRecordData = Code("bad record data")
        /// Bytes after the last record the header counts.
        public static let trailingBytes = Code("trailing bytes")
        /// An encoded message longer than 65,535 octets.
        public static let messageTooLong = Code("message too long")

        public var description: String { name }
    }

    public var code: Code
    /// Where in the message reading stopped.
    public var offset: Int

    public init(_ code: Code, at offset: Int = 0) {
        self.code = code
        self.offset = offset
    }

    public var description: String { "DNS message: \(code) at octet \(offset)" }

    static let labelTooLong = DNSWireError(.labelTooLong)
    static let nameTooLong = DNSWireError(.nameTooLong)
}
