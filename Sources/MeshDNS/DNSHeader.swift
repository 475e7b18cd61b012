/// The fixed part of a DNS message (RFC 1035 §4.1.1) without the section counts, which the
/// encoder derives from the sections.
public struct DNSHeader: Sendable, Hashable {
    public var id: UInt16
    /// QR, opcode, AA, TC, RD, RA, Z, AD, CD and RCODE, as on the wire.
    public var flags: UInt16

    public init(id: UInt16, flags: UInt16 = 0) {
        self.id = id
        self.flags = flags
    }

    public var isResponse: Bool {
        get { bit(15) }
        set { setBit(15, newValue) }
    }

    /// 0 is QUERY; meshbox answers nothing else.
    public var opcode: UInt8 {
        get { UInt8((flags >> 11) & 0xF) }
        set { flags = flags & ~(0xF << 11) | (UInt16(newValue & 0xF) << 11) }
    }

    public var isAuthoritative: Bool {
        get { bit(10) }
        set { setBit(10, newValue) }
    }

    public var isTruncated: Bool {
        get { bit(9) }
        set { setBit(9, newValue) }
    }

    public var recursionDesired: Bool {
        get { bit(8) }
        set { setBit(8, newValue) }
    }

    public var recursionAvailable: Bool {
        get { bit(7) }
        set { setBit(7, newValue) }
    }

    public var responseCode: DNSResponseCode {
        get { DNSResponseCode(rawValue: UInt8(flags & 0xF)) }
        set { flags = flags & ~0xF | UInt16(newValue.rawValue & 0xF) }
    }

    /// The header of the response to a query with this header: same ID, opcode, RD and CD.
    public func response(code: DNSResponseCode, authoritative: Bool) -> DNSHeader {
        var header = DNSHeader(id: id, flags: flags & (0xF << 11 | 1 << 8 | 1 << 4))
        header.isResponse = true
        header.isAuthoritative = authoritative
        header.recursionAvailable = true
        header.responseCode = code
        return header
    }

    private func bit(_ index: UInt16) -> Bool { flags & (1 << index) != 0 }

    private mutating func setBit(_ index: UInt16, _ value: Bool) {
        if value { flags |= 1 << index } else { flags &= ~(1 << index) }
    }
}

/// RCODE (RFC 1035 §4.1.1).
public struct DNSResponseCode: Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        default: "RCODE\(rawValue)"
        }
    }
}
