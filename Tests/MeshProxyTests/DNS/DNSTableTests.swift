import MeshAPI
import MeshDNS
import MeshProxy
import Testing

@Suite("DNS table from the config store")
struct DNSTableTests {
    let table = DNSTestConfig.table

    @Test(
        "a Service answers by its full name and the forms a client in a namespace would write",
        arguments: ["reviews.default.svc.cluster.local", "reviews.default.svc", "reviews.default"])
    func serviceNames(_ name: String) throws {
        let entry = try #require(table.entry(for: DNSName(name)!))
        #expect(entry.ipv4 == [[240, 240, 0, 10]])
        #expect(entry.ipv6 == [[0xFD, 0, 2, 0x40] + Array(repeating: 0, count: 11) + [0xA]])
    }

    @Test("each named port is an SRV name pointing at the full name; unnamed ports are not")
    func serviceSRV() throws {
        let fqdn = DNSName("reviews.default.svc.cluster.local")!
        let http = try #require(table.entry(for: DNSName("_http._tcp.reviews.default.svc.cluster.local")!))
        #expect(http.services == [.init(port: 9080, target: fqdn)])
        #expect(table.entry(for: DNSName("_grpc._tcp.reviews.default")!)?.services == [.init(port: 9090, target: fqdn)])
        let udp = try #require(table.entry(for: DNSName("_statsd._udp.stats.ops.svc.cluster.local")!))
        #expect(udp.services.map(\.port) == [8125])
        #expect(table.entry(for: DNSName("_statsd._tcp.stats.ops.svc.cluster.local")!) == nil)
        #expect(table.entries.keys.filter { $0.description.contains("8080") }.isEmpty)
    }

    @Test("a ServiceEntry host answers with its VIP or its single addresses; CIDRs and wildcards are left out")
    func serviceEntryHosts() throws {
        #expect(table.entry(for: DNSName("API.example.com")!)?.ipv4 == [[240, 240, 1, 1]])
        #expect(table.entry(for: DNSName("_https._tcp.api.example.com")!)?.services.map(\.port) == [443])
        #expect(table.entry(for: DNSName("many.example.com")!)?.ipv4.count == 40)
        #expect(table.entry(for: DNSName("noaddress.example.com")!) == nil)
        #expect(!table.entries.keys.contains { $0.description.contains("wild") })
    }

    @Test("names between the cluster domain and a service exist; others under it do not")
    func interiorNames() {
        #expect(table.contains(DNSName("default.svc.cluster.local")!))
        #expect(table.contains(DNSName("svc.cluster.local")!))
        #expect(table.contains(DNSName("cluster.local")!))
        #expect(!table.contains(DNSName("nosuch.default.svc.cluster.local")!))
        #expect(!table.contains(DNSName("default.svc")!))
        #expect(table.revision == 7)
    }

    @Test("another cluster domain moves the full names, not the short forms")
    func otherDomain() {
        let table = DNSTable(config: DNSTestConfig.state(), domain: DNSName("mesh.internal")!)
        #expect(table.entry(for: DNSName("reviews.default.svc.mesh.internal")!) != nil)
        #expect(table.entry(for: DNSName("reviews.default.svc.cluster.local")!) == nil)
        #expect(table.entry(for: DNSName("reviews.default")!) != nil)
    }
}
