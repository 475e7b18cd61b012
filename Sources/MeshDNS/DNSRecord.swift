/// A question (RFC 1035 §4.1.2).
public struct DNSQuestion: Sendable, Hashable {
    public var name: DNSName
    public var type: DNSRecordType
    /// 1 (IN) in practice.
    public var dnsClass: UInt16

    public init(name: DNSName, type: DNSRecordType, dnsClass: UInt16 = DNSRecord.classInternet) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
    }
}

/// A resource record (RFC 1035 §4.1.3) with the data of the types meshbox writes decoded.
public struct DNSRecord: Sendable, Hashable {
    /// Class IN.
    public static let classInternet: UInt16 = 1

    public var name: DNSName
    public var type: DNSRecordType
    /// The class; for OPT, the requester's UDP payload size.
    public var dnsClass: UInt16
    /// For OPT, the extended RCODE, version and flags.
    public var ttl: UInt32
    public var data: Data

    public init(name: DNSName, type: DNSRecordType, dnsClass: UInt16 = classInternet, ttl: UInt32, data: Data) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.data = data
    }

    public enum Data: Sendable, Hashable {
        /// Four octets.
        case a([UInt8])
        /// Sixteen octets.
        case aaaa([UInt8])
        case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
        case soa(SOA)
        /// Any other type, as the octets arrived. Names inside (a CNAME's) may hold compression
        /// pointers into the message they came in, so such data is only copied with that message.
        case opaque([UInt8])
    }

    /// Start of authority (RFC 1035 §3.3.13): the authority section of a negative answer.
    public struct SOA: Sendable, Hashable {
        public var primary: DNSName
        public var mailbox: DNSName
        public var serial: UInt32
        public var refresh: UInt32
        public var retry: UInt32
        public var expire: UInt32
        /// The TTL of negative answers (RFC 2308).
        public var minimum: UInt32

        public init(
            primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32,
            minimum: UInt32
        ) {
            self.primary = primary
            self.mailbox = mailbox
            self.serial = serial
            self.refresh = refresh
            self.retry = retry
            self.expire = expire
            self.minimum = minimum
        }
    }

    /// An EDNS(0) OPT record advertising `udpPayloadSize` (RFC 6891 §6.1.2).
    public static func opt(udpPayloadSize: UInt16) -> DNSRecord {
        DNSRecord(name: .root, type: .opt, dnsClass: udpPayloadSize, ttl: 0, data: .opaque([]))
    }
}

extension DNSRecord {
    init(reading reader: inout DNSWireReader) throws(DNSWireError) {
        name = try reader.readName()
        type = DNSRecordType(rawValue: try reader.readUInt16())
        dnsClass = try reader.readUInt16()
        ttl = try reader.readUInt32()
        let length = Int(try reader.readUInt16())
        let start = reader.offset
        guard reader.remaining >= length else { throw DNSWireError(.truncated, at: start) }
        let end = start + length
        switch type {
        case .a where dnsClass == Self.classInternet:
            guard length == 4 else { throw DNSWireError(.badRecordData, at: start) }
            data = .a(try reader.readBytes(4))
        case .aaaa where dnsClass == Self.classInternet:
            guard length == 16 else { throw DNSWireError(.badRecordData, at: start) }
            data = .aaaa(try reader.readBytes(16))
        case .srv:
            guard length >= 7 else { throw DNSWireError(.badRecordData, at: start) }
            let priority = try reader.readUInt16()
            let weight = try reader.readUInt16()
            let port = try reader.readUInt16()
            data = .srv(priority: priority, weight: weight, port: port, target: try reader.readName(limit: end))
        case .soa:
            let primary = try reader.readName(limit: end)
            let mailbox = try reader.readName(limit: end)
            guard end - reader.offset == 20 else { throw DNSWireError(.badRecordData, at: reader.offset) }
            data = .soa(
                SOA(
                    primary: primary, mailbox: mailbox, serial: try reader.readUInt32(),
                    refresh: try reader.readUInt32(), retry: try reader.readUInt32(),
                    expire: try reader.readUInt32(), minimum: try reader.readUInt32()))
        default:
            data = .opaque(try reader.readBytes(length))
        }
        guard reader.offset == end else { throw DNSWireError(.badRecordData, at: reader.offset) }
    }

    func write(to writer: inout DNSWireWriter) {
        writer.write(name)
        writer.write(type.rawValue)
        writer.write(dnsClass)
        writer.write(ttl)
        let lengthOffset = writer.count
        writer.write(UInt16(0))
        switch data {
        case .a(let octets), .aaaa(let octets), .opaque(let octets):
            writer.write(octets)
        case .srv(let priority, let weight, let port, let target):
            writer.write(priority)
            writer.write(weight)
            writer.write(port)
            writer.write(target, compress: false)  // RFC 2782: the target is not compressed
        case .soa(let soa):
            writer.write(soa.primary)
            writer.write(soa.mailbox)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.write(value) }
        }
        writer.overwrite(UInt16(truncatingIfNeeded: writer.count - lengthOffset - 2), at: lengthOffset)
    }
}
