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

    @Test("the listening address is compared parsed: 0::1 is ::1, a wildcard listener owns every loopback")
    func comparesAddressesParsed() throws {
        let upstreams = [
            DNSUpstream(host: "::1", port: 5300), DNSUpstream(host: "0:0::1", port: 5300), DNSUpstream(host: "127.0.0.2", port: 5300),
            DNSUpstream(host: "192.0.2.1", port: 5300),
        ]
        let v6 = try DNSSettings(host: "0::1", port: 5300, upstreams: upstreams)
        #expect(v6.upstreams.map(\.host) == ["127.0.0.2", "192.0.2.1"])
        let wildcard = try DNSSettings(host: "0:0::0", port: 5300, upstreams: upstreams)
        #expect(wildcard.upstreams.map(\.host) == ["192.0.2.1"])
        let other = try DNSSettings(host: "127.0.0.1", port: 5300, upstreams: upstreams)
        #expect(other.upstreams == upstreams, "127.0.0.2 is another address than 127.0.0.1")
    }

    @Test(
        "an upstream is parsed from ADDRESS, ADDRESS:PORT or [IPv6]:PORT",
        arguments: [
            ("192.0.2.53", "192.0.2.53:53"), ("192.0.2.53:5353", "192.0.2.53:5353"), ("2001:db8::35", "[2001:db8::35]:53"),
            ("[2001:db8::35]:5353", "[2001:db8::35]:5353"), ("[::1]", "[::1]:53"), (" 10.0.0.1 ", "10.0.0.1:53"),
        ])
    func parsesUpstream(_ text: String, _ parsed: String) throws {
        #expect(try DNSUpstream(parsing: text, field: "u").description == parsed)
    }

    @Test(
        "an unusable upstream is refused with its field path and why",
        arguments: [
            ("", "must not be empty"), ("  ", "must not be empty"), ("dns.example", "\"dns.example\" is not an IP address"),
            ("192.0.2.1:0", "port must be 1-65535, got \"0\""), ("192.0.2.1:70000", "port must be 1-65535, got \"70000\""),
            ("[2001:db8::1]:x", "port must be 1-65535, got \"x\""), ("[2001:db8::1", "\"[2001:db8::1\" has no closing ]"),
            ("10.0.0.0/8", "\"10.0.0.0/8\" is not an IP address"),
        ])
    func refusesUpstream(_ text: String, _ reason: String) {
        #expect(throws: DNSSettingsError(field: "proxy.dns.upstreams[2]", reason: reason)) {
            try DNSUpstream(parsing: text, field: "proxy.dns.upstreams[2]")
        }
    }

    @Test("DNSSettings range-checks upstreams built in code, the listening address and the TCP idle timeout")
    func refusesBadValuesInCode() {
        let good = DNSUpstream(host: "192.0.2.1")
        #expect(throws: DNSSettingsError(field: "proxy.dns.upstreams[1]", reason: "port must be 1-65535, got 0")) {
            try DNSSettings(upstreams: [good, DNSUpstream(host: "192.0.2.2", port: 0)])
        }
        #expect(throws: DNSSettingsError(field: "proxy.dns.upstreams[0]", reason: "port must be 1-65535, got 65536")) {
            try DNSSettings(upstreams: [DNSUpstream(host: "192.0.2.2", port: 65536)])
        }
        #expect(throws: DNSSettingsError(field: "proxy.dns.upstreams[0]", reason: "\"resolver\" is not an IP address")) {
            try DNSSettings(upstreams: [DNSUpstream(host: "resolver")])
        }
        #expect(throws: DNSSettingsError(field: "proxy.dns.listen", reason: "\"localhost\" is not an IP address")) {
            try DNSSettings(host: "localhost", upstreams: [])
        }
        #expect(throws: DNSSettingsError(field: "proxy.dns.tcpIdleTimeout", reason: "must be positive")) {
            try DNSSettings(upstreams: [], tcpIdleTimeout: .zero)
        }
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
