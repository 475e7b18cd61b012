import MeshDNS
import MeshTesting
import Testing

@Suite("DNS wire format")
struct DNSMessageTests {
    static let name = DNSName("reviews.default.svc.cluster.local")!

    static var response: DNSMessage {
        var header = DNSHeader(id: 0xBEEF)
        header.isResponse = true
        header.isAuthoritative = true
        header.recursionDesired = true
        let soa = DNSRecord.SOA(
            primary: DNSName("ns.dns.cluster.local")!, mailbox: DNSName("hostmaster.cluster.local")!, serial: 7,
            refresh: 7200, retry: 1800, expire: 86400, minimum: 5)
        return DNSMessage(
            header: header,
            questions: [DNSQuestion(name: name, type: .any)],
            answers: [
                DNSRecord(name: name, type: .a, ttl: 5, data: .a([240, 240, 0, 10])),
                DNSRecord(name: name, type: .aaaa, ttl: 5, data: .aaaa([0xFD, 0, 2, 0x40] + Array(repeating: 0, count: 11) + [0xA])),
                DNSRecord(
                    name: DNSName("_http._tcp.reviews.default.svc.cluster.local")!, type: .srv, ttl: 5,
                    data: .srv(priority: 0, weight: 100, port: 9080, target: name)),
                DNSRecord(name: name, type: .txt, ttl: 5, data: .opaque([3, 0x61, 0x62, 0x63])),
            ],
            authorities: [DNSRecord(name: DNSName("cluster.local")!, type: .soa, ttl: 5, data: .soa(soa))],
            additionals: [.opt(udpPayloadSize: 1232)])
    }

    @Test("a message with A, AAAA, SRV, SOA, opaque and OPT records reads back equal")
    func roundTrip() throws {
        let bytes = try Self.response.encoded()
        #expect(try DNSMessage(bytes: bytes) == Self.response)
        #expect(try DNSMessage(bytes: bytes).ednsUDPPayloadSize == 1232)
    }

    @Test("names repeated in a message are written as pointers to their first copy")
    func compressionOnWrite() throws {
        let message = DNSMessage(
            header: DNSHeader(id: 1), questions: [DNSQuestion(name: Self.name, type: .a)],
            answers: [
                DNSRecord(name: Self.name, type: .a, ttl: 5, data: .a([240, 240, 0, 10])),
                DNSRecord(name: DNSName("REVIEWS.default.svc.cluster.local")!, type: .a, ttl: 5, data: .a([240, 240, 0, 11])),
            ])
        let bytes = try message.encoded()
        // Header, the question written out once, then two answers of pointer + fixed fields + address.
        #expect(bytes.count == 12 + Self.name.wireLength + 4 + 2 * (2 + 10 + 4))
        let answerStart = 12 + Self.name.wireLength + 4
        #expect(Array(bytes[answerStart..<answerStart + 2]) == [0xC0, 12])
        #expect(try DNSMessage(bytes: bytes) == message)
    }

    @Test("names compare without regard to ASCII case and keep the case they were written in")
    func nameCase() {
        let upper = DNSName("Reviews.DEFAULT.svc.cluster.local.")!
        #expect(upper == Self.name)
        #expect(upper.hashValue == Self.name.hashValue)
        #expect(upper.description == "Reviews.DEFAULT.svc.cluster.local")
        #expect(upper.isSubdomain(of: DNSName("CLUSTER.local")!))
        #expect(!Self.name.isSubdomain(of: DNSName("ster.local")!))
    }

    @Test("text that is no host name is refused", arguments: ["a..b", "bad name.local", String(repeating: "a", count: 64) + ".x", Array(repeating: "abcdefghi", count: 26).joined(separator: ".")])
    func badText(_ text: String) {
        #expect(DNSName(text) == nil)
    }

    @Test("labels outside printable ASCII are shown escaped")
    func escapedText() throws {
        // A query for "a.b\001" whose first label holds a dot: one label "a.b" plus a control byte.
        let bytes: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0x61, 0x2E, 0x62, 1, 0, 0, 1, 0, 1]
        let message = try DNSMessage(bytes: bytes)
        #expect(message.questions.first?.name.description == "a\\046b\\001")
    }

    /// Header: ID 1, one question, nothing else; the rest of each case is the question section.
    static func query(_ question: [UInt8], counts: [UInt8] = [0, 1, 0, 0, 0, 0, 0, 0]) -> [UInt8] {
        [0, 1, 0, 0] + counts + question
    }

    static let malformed: [(String, [UInt8], DNSWireError.Code)] = [
        ("header cut short", [0, 1, 0], .truncated),
        ("question count with no question", query([]), .truncated),
        ("65,535 claimed answers", query([0, 0, 1, 0, 1], counts: [0, 1, 0xFF, 0xFF, 0, 0, 0, 0]), .truncated),
        ("label running past the end", query([10, 0x61, 0x62]), .truncated),
        ("pointer to itself", query([0xC0, 12, 0, 1, 0, 1]), .badPointer),
        ("pointer forward", query([0xC0, 14, 0, 0, 1, 0, 1]), .badPointer),
        ("two pointers pointing at each other", query([1, 0x61, 0xC0, 14, 0, 1, 0, 1, 0xC0, 12]), .badPointer),
        ("pointer cut in half", query([0xC0]), .truncated),
        ("extended label type", query([0x41, 0, 0, 1, 0, 1]), .badLabelType),
        ("name longer than 255 octets", query(Array(repeating: [63] + Array(repeating: 0x61, count: 63), count: 5).flatMap { $0 } + [0, 0, 1, 0, 1]), .nameTooLong),
        ("bytes after the last record", query([0, 0, 1, 0, 1, 0xFF]), .trailingBytes),
        ("A record of five octets", query([0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 5, 1, 2, 3, 4, 5], counts: [0, 1, 0, 1, 0, 0, 0, 0]), .badRecordData),
        ("SRV target running out of its data", query([0, 0, 33, 0, 1, 0, 0, 33, 0, 1, 0, 0, 0, 5, 0, 8, 0, 0, 0, 0, 0, 80, 5, 0x61], counts: [0, 1, 0, 1, 0, 0, 0, 0]), .truncated),
    ]

    @Test("malformed messages are refused with the reason, never read in part", arguments: malformed)
    func refusesMalformed(_ name: String, _ bytes: [UInt8], _ code: DNSWireError.Code) {
        #expect(throws: DNSWireError.self) { try DNSMessage(bytes: bytes) }
        do {
            _ = try DNSMessage(bytes: bytes)
        } catch {
            #expect(error.code == code, "\(name)")
        }
    }

    @Test("a pointer chain that only goes backward is followed")
    func backwardChain() throws {
        // Question "a.b" at 12, answer owner "c" + pointer to "b" (offset 14) inside the question.
        let bytes: [UInt8] = [0, 1, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0x61, 1, 0x62, 0, 0, 1, 0, 1]
            + [1, 0x63, 0xC0, 14, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4]
        let message = try DNSMessage(bytes: bytes)
        #expect(message.answers.first?.name == DNSName("c.b"))
    }

    /// Two answers: an opaque record (type 99) whose data is a root name and then `links` pointers,
    /// each to the one before, and an A record whose owner points at the last link.
    static func pointerChain(links: Int) -> [UInt8] {
        var data: [UInt8] = [0]
        for link in 0..<links {
            let target = link == 0 ? 23 : 24 + 2 * (link - 1)
            data += [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)]
        }
        let last = 24 + 2 * (links - 1)
        return [0, 1, 0x80, 0, 0, 0, 0, 2, 0, 0, 0, 0]
            + [0, 0, 99, 0, 1, 0, 0, 0, 0, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
            + [0xC0 | UInt8(last >> 8), UInt8(last & 0xFF), 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4]
    }

    @Test("a name following a chain of backward pointers stops after 127 of them")
    func pointerChainBounded() throws {
        let short = try DNSMessage(bytes: Self.pointerChain(links: 100))
        #expect(short.answers.last?.name == .root)
        #expect(throws: DNSWireError.self) { try DNSMessage(bytes: Self.pointerChain(links: 8_000)) }
        do {
            _ = try DNSMessage(bytes: Self.pointerChain(links: 200))
            Issue.record("a 200-pointer chain was followed")
        } catch {
            #expect(error.code == .badPointer)
        }
    }

    @Test("random corruptions of a valid message end in a message or an error, never a crash")
    func corruptedNeverCrash() throws {
        let valid = try Self.response.encoded()
        var generator = SplitMix(seed: 15)
        var refused = 0
        for _ in 0..<20_000 {
            var bytes = valid
            for _ in 0...(generator.next() % 4) {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 3 == 0 { bytes.removeLast(Int(generator.next() % UInt64(bytes.count))) }
            do {
                let message = try DNSMessage(bytes: bytes)
                _ = try? message.encoded()
            } catch {
                refused += 1
            }
        }
        #expect(refused > 0)
    }

    @Test("an answer over the limit is sent truncated: TC set, records left out, OPT kept")
    func truncation() throws {
        let whole = try Self.response.encoded()
        let cut = try DNSMessage(bytes: Self.response.encoded(limit: whole.count - 1))
        #expect(cut.header.isTruncated)
        #expect(cut.answers.isEmpty && cut.authorities.isEmpty)
        #expect(cut.additionals.map(\.type) == [.opt])
        #expect(cut.questions == Self.response.questions)
        #expect(try Self.response.encoded(limit: whole.count) == whole)
    }
}
