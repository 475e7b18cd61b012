public import MeshDNS

/// Decides each query without I/O: an answer from the table, or a forward to the upstreams.
/// The server owns the sockets; this is the part tested query by query.
public struct DNSResponder: Sendable {
    public enum Decision: Sendable, Hashable {
        /// Send this message.
        case reply(Reply)
        /// Relay the query to the upstream resolvers.
        case forward
        /// Send nothing (a response sent to us, or bytes too short to hold a header).
        case drop
    }

    /// A response and what it counts as.
    public struct Reply: Sendable, Hashable {
        public var message: DNSMessage
        public var outcome: DNSOutcome
        /// The most octets the client takes over UDP: 512, or its EDNS size (at most 4096).
        public var udpLimit: Int

        /// The octets to send over UDP: truncated (TC) when over the client's limit.
        public func udpBytes() throws(DNSWireError) -> [UInt8] { try message.encoded(limit: udpLimit) }
    }

    /// The UDP payload size meshbox advertises in its own OPT records (the DNS flag day 2020 value).
    public static let advertisedUDPPayloadSize: UInt16 = 1232

    public var table: DNSTable
    /// TTL of answers and of negative answers (the SOA minimum).
    public var ttl: UInt32

    public init(table: DNSTable, ttl: UInt32) {
        self.table = table
        self.ttl = ttl
    }

    /// The decision for a datagram or TCP message as received.
    public func decide(_ bytes: [UInt8]) -> Decision {
        let query: DNSMessage
        do {
            query = try DNSMessage(bytes: bytes)
        } catch {
            guard bytes.count >= 12, let id = DNSMessage.id(of: bytes), bytes[2] & 0x80 == 0 else { return .drop }
            var header = DNSHeader(id: id, flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
            header = header.response(code: .formatError, authoritative: false)
            return .reply(Reply(message: DNSMessage(header: header), outcome: .malformed, udpLimit: 512))
        }
        return decide(query)
    }

    public func decide(_ query: DNSMessage) -> Decision {
        guard !query.header.isResponse else { return .drop }
        let udpLimit = query.ednsUDPPayloadSize.map { min(max($0, DNSMessage.classicUDPLimit), 4096) }
            ?? DNSMessage.classicUDPLimit
        func reply(_ message: DNSMessage, _ outcome: DNSOutcome) -> Decision {
            .reply(Reply(message: message, outcome: outcome, udpLimit: udpLimit))
        }
        guard query.header.opcode == 0 else { return reply(response(to: query, .notImplemented), .refused) }
        guard query.questions.count == 1, let question = query.questions.first else {
            return reply(response(to: query, .formatError), .malformed)
        }
        let authoritative = table.isAuthoritative(for: question.name)
        let entry = table.entry(for: question.name)
        guard authoritative || entry != nil else { return .forward }
        guard question.dnsClass == DNSRecord.classInternet else {
            return authoritative ? reply(response(to: query, .refused), .refused) : .forward
        }
        if !authoritative && ![.a, .aaaa, .srv, .any].contains(question.type) { return .forward }

        var message = response(to: query, .noError, authoritative: true)
        if let entry {
            message.answers = records(question.type, of: entry, owner: question.name)
            message.additionals.insert(contentsOf: targetAddresses(of: message.answers), at: 0)
        } else if question.name == table.domain && [.soa, .any].contains(question.type) {
            message.answers = [startOfAuthority]
        } else if !table.contains(question.name) {
            message.header.responseCode = .nameError
        }
        if message.answers.isEmpty && authoritative { message.authorities = [startOfAuthority] }
        return reply(message, message.header.responseCode == .nameError ? .nxdomain : .answered)
    }

    /// SERVFAIL for `query` (every upstream failed); nil when the bytes are no query.
    public func serverFailure(for bytes: [UInt8]) -> DNSMessage? {
        guard let query = try? DNSMessage(bytes: bytes) else { return nil }
        return response(to: query, .serverFailure)
    }

    /// The response skeleton: the question echoed as asked (none when there was not exactly one),
    /// and an OPT record when the query had one.
    private func response(to query: DNSMessage, _ code: DNSResponseCode, authoritative: Bool = false) -> DNSMessage {
        DNSMessage(
            header: query.header.response(code: code, authoritative: authoritative),
            questions: query.questions.count == 1 ? query.questions : [],
            additionals: query.ednsUDPPayloadSize == nil ? [] : [.opt(udpPayloadSize: Self.advertisedUDPPayloadSize)])
    }

    private func records(_ type: DNSRecordType, of entry: DNSTable.Entry, owner: DNSName) -> [DNSRecord] {
        var records: [DNSRecord] = []
        if type == .a || type == .any {
            records += entry.ipv4.map { DNSRecord(name: owner, type: .a, ttl: ttl, data: .a($0)) }
        }
        if type == .aaaa || type == .any {
            records += entry.ipv6.map { DNSRecord(name: owner, type: .aaaa, ttl: ttl, data: .aaaa($0)) }
        }
        if type == .srv || type == .any {
            records += entry.services.map {
                DNSRecord(
                    name: owner, type: .srv, ttl: ttl,
                    data: .srv(priority: 0, weight: 100, port: $0.port, target: $0.target))
            }
        }
        return records
    }

    /// The A and AAAA records of SRV targets, so a client needs no second query.
    private func targetAddresses(of answers: [DNSRecord]) -> [DNSRecord] {
        var targets: [DNSName] = []
        for case .srv(_, _, _, let target) in answers.map(\.data) where !targets.contains(target) {
            targets.append(target)
        }
        return targets.flatMap { target in
            table.entry(for: target).map { records(.any, of: DNSTable.Entry(ipv4: $0.ipv4, ipv6: $0.ipv6), owner: target) }
                ?? []
        }
    }

    /// The cluster domain's SOA (as CoreDNS writes it), in the authority section of negative answers.
    private var startOfAuthority: DNSRecord {
        let primary = DNSName(uncheckedLabels: [Array("ns".utf8), Array("dns".utf8)] + table.domain.labels)
        let mailbox = DNSName(uncheckedLabels: [Array("hostmaster".utf8)] + table.domain.labels)
        let soa = DNSRecord.SOA(
            primary: primary, mailbox: mailbox, serial: UInt32(truncatingIfNeeded: table.revision),
            refresh: 7200, retry: 1800, expire: 86400, minimum: ttl)
        return DNSRecord(name: table.domain, type: .soa, ttl: ttl, data: .soa(soa))
    }
}
