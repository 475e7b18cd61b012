import MeshDNS
import MeshProxy
import Testing

@Suite("DNS answers from the table")
struct DNSResponderTests {
    let responder = DNSResponder(table: DNSTestConfig.table, ttl: 5)

    static func query(_ name: String, _ type: DNSRecordType, id: UInt16 = 42, edns: UInt16? = nil) -> DNSMessage {
        var header = DNSHeader(id: id)
        header.recursionDesired = true
        return DNSMessage(
            header: header, questions: [DNSQuestion(name: DNSName(name)!, type: type)],
            additionals: edns.map { [.opt(udpPayloadSize: $0)] } ?? [])
    }

    func reply(_ query: DNSMessage) throws -> DNSResponder.Reply {
        guard case .reply(let reply) = responder.decide(query) else {
            Issue.record("expected a reply, got \(responder.decide(query))")
            throw CancellationError()
        }
        return reply
    }

    @Test("A for a service: its VIP, authoritative, the question echoed in the case it was asked")
    func serviceA() throws {
        let query = Self.query("Reviews.Default.svc.cluster.local", .a)
        let reply = try reply(query)
        #expect(reply.outcome == .answered)
        #expect(reply.message.header.id == 42 && reply.message.header.isResponse && reply.message.header.isAuthoritative)
        #expect(reply.message.header.recursionDesired)
        #expect(reply.message.questions == query.questions)
        #expect(reply.message.questions.first?.name.description == "Reviews.Default.svc.cluster.local")
        #expect(reply.message.answers.map(\.data) == [.a([240, 240, 0, 10])])
        #expect(reply.message.answers.first?.ttl == 5)
        #expect(reply.udpLimit == 512)
    }

    @Test("AAAA for a service: its IPv6 VIP")
    func serviceAAAA() throws {
        let reply = try reply(Self.query("reviews.default", .aaaa))
        #expect(reply.message.answers.map(\.type) == [.aaaa])
    }

    @Test("SRV for a named port: port and target, with the target's addresses in the additional section")
    func serviceSRV() throws {
        let reply = try reply(Self.query("_http._tcp.reviews.default.svc.cluster.local", .srv))
        let target = DNSName("reviews.default.svc.cluster.local")!
        #expect(reply.message.answers.map(\.data) == [.srv(priority: 0, weight: 100, port: 9080, target: target)])
        #expect(reply.message.additionals.map(\.type) == [.a, .aaaa])
        #expect(reply.message.additionals.allSatisfy { $0.name == target })
    }

    @Test("an unknown name under the cluster domain is NXDOMAIN with the domain's SOA")
    func nxdomain() throws {
        let reply = try reply(Self.query("nosuch.default.svc.cluster.local", .a))
        #expect(reply.outcome == .nxdomain)
        #expect(reply.message.header.responseCode == .nameError)
        #expect(reply.message.answers.isEmpty)
        guard case .soa(let soa) = reply.message.authorities.first?.data else {
            Issue.record("no SOA in \(reply.message.authorities)")
            return
        }
        #expect(soa.serial == 7 && soa.minimum == 5)
        #expect(reply.message.authorities.first?.name == DNSTestConfig.domain)
    }

    @Test("a name that exists without the asked type is NODATA, not NXDOMAIN", arguments: [
        ("stats.ops.svc.cluster.local", DNSRecordType.aaaa), ("default.svc.cluster.local", .a),
        ("reviews.default.svc.cluster.local", .txt),
    ])
    func nodata(_ name: String, _ type: DNSRecordType) throws {
        let reply = try reply(Self.query(name, type))
        #expect(reply.outcome == .answered)
        #expect(reply.message.header.responseCode == .noError)
        #expect(reply.message.answers.isEmpty)
        #expect(reply.message.authorities.map(\.type) == [.soa])
    }

    @Test("the cluster domain's SOA is answered")
    func apexSOA() throws {
        let reply = try reply(Self.query("cluster.local", .soa))
        #expect(reply.message.answers.map(\.type) == [.soa])
    }

    @Test("names outside the table, and other types of ServiceEntry hosts, are forwarded", arguments: [
        ("example.org", DNSRecordType.a), ("nosuch.default", .a), ("api.example.com", DNSRecordType(rawValue: 15)), ("reviews.default", .txt),
    ])
    func forwarded(_ name: String, _ type: DNSRecordType) {
        #expect(responder.decide(Self.query(name, type)) == .forward)
    }

    @Test("a ServiceEntry host's A is answered from the table")
    func serviceEntryA() throws {
        let reply = try reply(Self.query("api.example.com", .a))
        #expect(reply.message.answers.map(\.data) == [.a([240, 240, 1, 1])])
    }

    @Test("with EDNS the reply carries an OPT record and the client's UDP size, bounded to 512...4096", arguments: [
        (UInt16(1232), 1232), (100, 512), (65000, 4096),
    ])
    func edns(_ advertised: UInt16, _ limit: Int) throws {
        let reply = try reply(Self.query("reviews.default", .a, edns: advertised))
        #expect(reply.udpLimit == limit)
        #expect(reply.message.additionals.map(\.type) == [.opt])
    }

    @Test("40 addresses do not fit in 512 octets: TC over UDP, the whole answer over TCP")
    func truncatedOverUDP() throws {
        let reply = try reply(Self.query("many.example.com", .a))
        #expect(reply.message.answers.count == 40)
        let udp = try DNSMessage(bytes: reply.udpBytes())
        #expect(udp.header.isTruncated && udp.answers.isEmpty)
        #expect(try DNSMessage(bytes: reply.message.encoded()).answers.count == 40)
    }

    @Test("garbage with a header is FORMERR; a response or a runt is dropped")
    func malformed() throws {
        guard case .reply(let reply) = responder.decide([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12]) else {
            Issue.record("expected FORMERR")
            return
        }
        #expect(reply.outcome == .malformed)
        #expect(reply.message.header.id == 0x1234 && reply.message.header.responseCode == .formatError)
        #expect(reply.message.header.recursionDesired)
        #expect(responder.decide([0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]) == .drop)
        #expect(responder.decide([0x12, 0x34]) == .drop)
        var response = Self.query("reviews.default", .a)
        response.header.isResponse = true
        #expect(responder.decide(try response.encoded()) == .drop)
    }

    @Test("another opcode is NOTIMP; many questions are FORMERR, without echoing them")
    func unsupported() throws {
        var update = Self.query("reviews.default", .a)
        update.header.opcode = 5
        #expect(try reply(update).message.header.responseCode == .notImplemented)
        var many = Self.query("reviews.default.svc.cluster.local", .a)
        many.questions += Array(repeating: many.questions[0], count: 40)
        let refused = try reply(many)
        #expect(refused.message.header.responseCode == .formatError)
        #expect(refused.message.questions.isEmpty)
        #expect(try refused.udpBytes().count <= 512)
    }
}
