import Foundation
import MeshAPI
import MeshProxy
import MeshTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Traffic from another machine: a client in a namespace of its own, linked to the proxy's
/// namespace by a veth, routes the VIP ranges through the proxy host. Its connections come in
/// through the nat PREROUTING jump, not OUTPUT, and the replies go back the same way.
@Suite("traffic from another host through the PREROUTING capture, real binary", .serialized)
struct ProxyPreroutingTests {
    /// A Service with no fixed vip, so it gets one of each family; port 80 to 8080.
    static func service(_ name: String) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata:
          name: \(name)
        spec:
          ports:
          - {name: http, number: 80, protocol: HTTP, targetPort: 8080}

        """
    }

    @Test(
        "a client on another host reaches a service VIP, IPv4 and IPv6, captured in PREROUTING",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func fromAnotherHost() async throws {
        try await NamespacedMeshbox.withNamespace { host, directory in
            try await NetworkNamespace.with { client in
                try await host.link(client: client, routing: ["240.240.0.0/16", "2001:2::/48"])
                let backend = try await NamespacedHTTPBackend.start(in: host, directory: directory, name: "reviews-v1")
                defer { backend.signal(SIGKILL) }

                let server = try await NamespacedMeshbox(
                    in: host, directory: directory, arguments: ["--roles", "config,registry,proxy,console"])
                defer { server.kill() }
                let applied = try await server.cli(["apply"], stdin: Self.service("reviews"))
                #expect(applied.status == 0, "\(applied.output)")
                let registered = try await server.cli(
                    ["register", "--service", "reviews", "--address", "127.0.0.1", "--port", "http:8080"])
                #expect(registered.status == 0, "\(registered.output)")

                func vip(_ type: String) async throws -> String {
                    try await host.run(
                        "dig", "@127.0.0.1", "-p", "15053", "+time=3", "+tries=1", "+short", type,
                        "reviews.default.svc.cluster.local"
                    ).trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let ipv4 = try await vip("A")
                let ipv6 = try await vip("AAAA")
                #expect(ipv4.hasPrefix("240.240."), "the service's IPv4 VIP: \(ipv4)")
                #expect(ipv6.hasPrefix("2001:2:"), "the service's IPv6 VIP: \(ipv6)")

                // The host itself has no route to the VIPs: only PREROUTING sees these connections.
                try await eventually("the VIP to answer the other host", timeout: .seconds(20)) {
                    (try? await client.run("curl", "-sS", "-m", "3", "http://\(ipv4)/")) == "reviews-v1"
                }
                try await eventually("the IPv6 VIP to answer the other host", timeout: .seconds(20)) {
                    (try? await client.run("curl", "-sS", "-m", "3", "http://[\(ipv6)]/")) == "reviews-v1"
                }
                let nat = try await host.natTable()
                #expect(nat.contains { $0.hasPrefix("-A PREROUTING -d 240.240.0.0/16 ") }, "\(nat)")
                #expect(await server.stop() == 0, "\(server.log)")
                // With the rules gone, the VIP answers no more (nothing on the host owns it).
                let after = try await client.runner.run(.init("curl", ["-sS", "-m", "2", "http://\(ipv4)/"]))
                #expect(after.status != 0, "\(after.standardOutput)")
            }
        }
    }
}
