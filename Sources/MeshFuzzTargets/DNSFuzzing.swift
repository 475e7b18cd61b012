import MeshDNS
import MeshProxy

/// The proxy's DNS server on arbitrary datagrams. Besides "no crash": a message that reads is
/// written and read back as the same message, and a reply over UDP never exceeds the client's limit.
enum DNSFuzzing {
    /// A table with a service, its SRV name and a ServiceEntry host, so answers take every path.
    static let responder: DNSResponder = {
        let domain = DNSName("cluster.local")!
        var table = DNSTable(domain: domain, revision: 3)
        let fqdn = DNSName("reviews.default.svc.cluster.local")!
        for name in [fqdn, DNSName("reviews.default")!] { table.add(name, addresses: ["240.240.0.10", "fd00::a"]) }
        table.add(DNSName("_http._tcp.reviews.default.svc.cluster.local")!, service: .init(port: 9080, target: fqdn))
        table.add(DNSName("many.example.com")!, addresses: (1...60).map { "10.9.0.\($0)" })
        return DNSResponder(table: table, ttl: 5)
    }()

    static func message(_ bytes: [UInt8]) {
        if let message = try? DNSMessage(bytes: bytes), let written = try? message.encoded() {
            guard let reread = try? DNSMessage(bytes: written), reread == message else {
                FuzzTarget.violated("a message does not read back as itself after writing: \(message)")
            }
        }
        guard case .reply(let reply) = responder.decide(bytes) else { return }
        guard let udp = try? reply.udpBytes(), udp.count <= reply.udpLimit else {
            FuzzTarget.violated("a reply over UDP does not fit the client's \(reply.udpLimit) octets: \(reply.message)")
        }
    }
}
