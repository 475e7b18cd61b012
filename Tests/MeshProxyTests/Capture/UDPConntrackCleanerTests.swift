import Testing

@testable import MeshProxy

@Suite("Stale UDP conntrack entries")
struct UDPConntrackCleanerTests {
    let target = UDPForwarding.Target(address: "240.240.0.9", port: 53)

    func endpoint(_ address: String, _ port: Int = 5353) -> ServiceVIP.Endpoint {
        ServiceVIP.Endpoint(address: address, port: port)
    }

    @Test("a conntrack -L line gives the original destination and the reply source")
    func parse() throws {
        let v4 = try #require(
            UDPConntrackCleaner.entry(
                "udp      17 29 src=10.1.0.5 dst=240.240.0.9 sport=46560 dport=53 src=10.0.0.2 dst=10.1.0.5 sport=5353 dport=46560 mark=0 use=1"
            )
        )
        #expect(v4.destination == target && v4.replySource == endpoint("10.0.0.2"))
        let v6 = try #require(
            UDPConntrackCleaner.entry(
                "udp      17 24 src=fd00::5 dst=fd00:f0f0::9 sport=4000 dport=53 [UNREPLIED] src=fd00:1::2 dst=fd00::5 sport=5353 dport=4000 mark=0 use=1"
            )
        )
        #expect(v6.destination.description == "[fd00:f0f0::9]:53" && v6.replySource == endpoint("fd00:1::2"))
        #expect(
            UDPConntrackCleaner.entry("tcp      6 431999 ESTABLISHED src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2") == nil
        )
        #expect(UDPConntrackCleaner.entry("conntrack v1.4.7 (conntrack-tools): 6 flow entries have been shown.") == nil)
    }

    @Test("only flows of changed targets whose replies come from no wanted endpoint are stale")
    func stale() throws {
        let other = UDPForwarding.Target(address: "240.240.0.10", port: 53)
        let before = UDPForwarding(targets: [
            target: [endpoint("10.0.0.1"), endpoint("10.0.0.2")], other: [endpoint("10.0.0.7")],
        ])
        let after = UDPForwarding(targets: [target: [endpoint("10.0.0.2")], other: [endpoint("10.0.0.7")]])
        let scope = try #require(UDPConntrackCleaner.scope(from: before, to: after, range: nil))
        #expect(scope == .targets([target]))
        let entries = [
            UDPConntrackCleaner.Entry(destination: target, replySource: endpoint("10.0.0.1")),  // removed endpoint
            UDPConntrackCleaner.Entry(destination: target, replySource: endpoint("10.0.0.2")),  // kept
            UDPConntrackCleaner.Entry(destination: target, replySource: endpoint("240.240.0.9", 53)),  // never NATed
            UDPConntrackCleaner.Entry(destination: other, replySource: endpoint("10.0.0.9")),  // unchanged target
        ]
        #expect(UDPConntrackCleaner.stale(entries, scope: scope, wanted: after) == [entries[0], entries[2]])
        #expect(UDPConntrackCleaner.scope(from: after, to: after, range: nil) == nil)
    }

    @Test("with nothing known, every flow into the VIP range is judged; with nothing wanted either, none")
    func unknown() throws {
        let range = try #require(CanonicalAddress("240.240.0.0/16"))
        let after = UDPForwarding(targets: [target: [endpoint("10.0.0.2")]])
        let scope = try #require(UDPConntrackCleaner.scope(from: nil, to: after, range: range))
        let outside = UDPForwarding.Target(address: "10.9.9.9", port: 53)
        let entries = [
            UDPConntrackCleaner.Entry(destination: outside, replySource: endpoint("10.0.0.1")),
            UDPConntrackCleaner.Entry(
                destination: .init(address: "240.240.3.3", port: 9),
                replySource: endpoint("10.0.0.1")
            ),
            UDPConntrackCleaner.Entry(destination: target, replySource: endpoint("10.0.0.2")),
        ]
        #expect(UDPConntrackCleaner.stale(entries, scope: scope, wanted: after) == [entries[1]])
        #expect(UDPConntrackCleaner.scope(from: nil, to: UDPForwarding(), range: range) == nil)
    }
}
