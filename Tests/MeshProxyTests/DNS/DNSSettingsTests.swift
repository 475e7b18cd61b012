import Foundation
import MeshProxy
import MeshTesting
import Testing

@Suite("DNS settings and upstreams")
struct DNSSettingsTests {
    @Test("resolv.conf's nameserver lines are the upstreams, in order; comments and options are not")
    func parsesResolvConf() {
        let text = """
            # generated
            search example.net
            nameserver 192.0.2.53
            options edns0 trust-ad
            ; nameserver 198.51.100.1
            nameserver\t2001:db8::35
            nameserver not-an-address
            """
        #expect(DNSUpstream.parse(resolvConf: text) == [DNSUpstream(host: "192.0.2.53"), DNSUpstream(host: "2001:db8::35")])
    }

    @Test("when resolv.conf names only systemd-resolved's stub, resolved's own upstreams are used")
    func skipsResolvedStub() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "nameserver 127.0.0.53\noptions edns0\n".write(toFile: directory.file("stub"), atomically: true, encoding: .utf8)
        try "nameserver 192.0.2.1\nnameserver 192.0.2.2\n".write(
            toFile: directory.file("resolved"), atomically: true, encoding: .utf8)
        try "nameserver 192.0.2.9\n".write(toFile: directory.file("plain"), atomically: true, encoding: .utf8)
        let upstreams = DNSUpstream.system(resolvConf: directory.file("stub"), resolvedConf: directory.file("resolved"))
        #expect(upstreams.map(\.host) == ["192.0.2.1", "192.0.2.2"])
        let plain = DNSUpstream.system(resolvConf: directory.file("plain"), resolvedConf: directory.file("resolved"))
        #expect(plain.map(\.host) == ["192.0.2.9"])
        let noResolved = DNSUpstream.system(resolvConf: directory.file("stub"), resolvedConf: directory.file("absent"))
        #expect(noResolved.map(\.host) == ["127.0.0.53"])
    }

    @Test("the server's own address is never an upstream (forwarding there would loop)")
    func leavesOutItself() throws {
        let upstreams = [
            DNSUpstream(host: "127.0.0.1"), DNSUpstream(host: "127.0.0.1", port: 5353), DNSUpstream(host: "192.0.2.1"),
        ]
        let settings = try DNSSettings(host: "127.0.0.1", port: 53, upstreams: upstreams)
        #expect(settings.upstreams == Array(upstreams.dropFirst()))
        let wildcard = try DNSSettings(host: "0.0.0.0", port: 53, upstreams: upstreams + [DNSUpstream(host: "127.0.0.53")])
        #expect(wildcard.upstreams.map(\.description) == ["127.0.0.1:5353", "192.0.2.1:53"])
        #expect(try DNSSettings(upstreams: upstreams).upstreams == upstreams)  // 15053 is not 53
    }

    @Test("an unusable setting is refused with its field path", arguments: [
        ("a..b", 15053, "proxy.dns.clusterDomain"), ("cluster.local", 70000, "proxy.dns.port"),
    ])
    func refusesBadSettings(_ domain: String, _ port: Int, _ field: String) {
        #expect(throws: DNSSettingsError.self) { try DNSSettings(port: port, clusterDomain: domain, upstreams: []) }
        do {
            _ = try DNSSettings(port: port, clusterDomain: domain, upstreams: [])
        } catch {
            #expect(error.field == field)
        }
    }
}
