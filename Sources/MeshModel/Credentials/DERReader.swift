/// Reads DER (the ASN.1 encoding of certificates and keys) just far enough to check a TLS
/// credential: tags, lengths and nesting, never interpreting what it does not need.
///
/// Every failure is a `DERReader.Failure` with a short reason; callers turn it into a field issue.
struct DERReader {
    struct Failure: Error, Equatable {
        var reason: String
    }

    /// One TLV: its tag byte and its content.
    struct Element {
        var tag: UInt8
        var content: ArraySlice<UInt8>

        static let sequence: UInt8 = 0x30
        static let integer: UInt8 = 0x02
        static let bitString: UInt8 = 0x03
        static let octetString: UInt8 = 0x04
        static let objectIdentifier: UInt8 = 0x06
        static let utcTime: UInt8 = 0x17
        static let generalizedTime: UInt8 = 0x18

        /// The elements inside a constructed element (a SEQUENCE or an explicit tag).
        func children() throws(Failure) -> [Element] {
            var reader = DERReader(content)
            var found: [Element] = []
            while !reader.isAtEnd { found.append(try reader.next()) }
            return found
        }

        /// A BIT STRING's bits (whole bytes only, as keys use them).
        func bitStringBytes() throws(Failure) -> ArraySlice<UInt8> {
            guard tag == Element.bitString, let unused = content.first, unused == 0 else {
                throw Failure(reason: "expected a BIT STRING")
            }
            return content.dropFirst()
        }

        /// An INTEGER's magnitude without leading zero bytes.
        func unsignedInteger() throws(Failure) -> [UInt8] {
            guard tag == Element.integer, !content.isEmpty else { throw Failure(reason: "expected an INTEGER") }
            return Array(content.drop { $0 == 0 })
        }
    }

    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { bytes.isEmpty }

    /// Parses `bytes` as exactly one element.
    static func single(_ bytes: [UInt8]) throws(Failure) -> Element {
        var reader = DERReader(bytes[...])
        let element = try reader.next()
        guard reader.isAtEnd else { throw Failure(reason: "trailing bytes after the DER structure") }
        return element
    }

    mutating func next() throws(Failure) -> Element {
        guard let tag = bytes.first else { throw Failure(reason: "truncated DER") }
        // High-tag-number forms never occur in certificates or keys.
        guard tag & 0x1f != 0x1f else { throw Failure(reason: "unsupported DER tag") }
        var rest = bytes.dropFirst()
        guard let first = rest.first else { throw Failure(reason: "truncated DER") }
        rest = rest.dropFirst()
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4, rest.count >= count else { throw Failure(reason: "bad DER length") }
            for byte in rest.prefix(count) { length = length << 8 | Int(byte) }
            rest = rest.dropFirst(count)
        }
        guard rest.count >= length else { throw Failure(reason: "truncated DER") }
        let content = rest.prefix(length)
        bytes = rest.dropFirst(length)
        return Element(tag: tag, content: content)
    }
}

/// Object identifiers meshbox tells apart, in DER content form.
enum KnownOID {
    static let rsaEncryption: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
    static let ecPublicKey: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
    static let ed25519: [UInt8] = [0x2b, 0x65, 0x70]
    static let ed448: [UInt8] = [0x2b, 0x65, 0x71]

    static func name(_ oid: [UInt8]) -> String {
        switch oid {
        case rsaEncryption: "RSA"
        case ecPublicKey: "EC"
        case ed25519: "Ed25519"
        case ed448: "Ed448"
        default: "unknown algorithm"
        }
    }
}
