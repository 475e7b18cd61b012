import Foundation
import MeshAPI
import MeshProxy
import MeshTesting
import Testing

/// `proxy.dns` through the real binary: two appliances on one host (one network namespace),
/// each with its own DNS port, answer side by side with their own VIPs.
@Suite("proxy.dns settings through the real binary, in a network namespace", .serialized)
struct ProxyDNSSideBySideTests {
    static func dig(_ namespace: NetworkNamespace, _ server: String, _ port: Int, _ name: String) async throws -> String {
        try await namespace.run("dig", "@\(server)", "-p", "\(port)", "+time=3", "+tries=1", "+short", name)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "two appliances on one host run their DNS servers side by side on the ports proxy.dns gives them",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func sideBySide() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, first in
            let second = try TemporaryDirectory(prefix: "meshbox-proxy-ns")
            defer { second.remove() }
            let ports = (dns: try FreePort.take(), outbound: try FreePort.take())
            // The first keeps every default (127.0.0.1:15053); the second moves its DNS server
            // and its outbound listener. Neither touches the nat table (capture: none).
            try "proxy:\n  capture: none\n".write(toFile: first.file("meshbox.yaml"), atomically: true, encoding: .utf8)
            try """
            proxy:
              capture: none
              outboundPort: \(ports.outbound)
              dns:
                listen: 127.0.0.2
                port: \(ports.dns)
                upstreams: []

            """.write(toFile: second.file("meshbox.yaml"), atomically: true, encoding: .utf8)
            let roles = ["--roles", "config,registry,proxy,console"]
            let one = try await NamespacedMeshbox(
                in: namespace, directory: first, arguments: roles + ["--config", first.file("meshbox.yaml")])
            defer { one.kill() }
            let two = try await NamespacedMeshbox(
                in: namespace, directory: second, arguments: roles + ["--config", second.file("meshbox.yaml")])
            defer { two.kill() }

            _ = try await one.cli(["apply"], stdin: ProxyRoleNamespaceTests.service("reviews", vip: "240.240.1.1"))
            _ = try await two.cli(["apply"], stdin: ProxyRoleNamespaceTests.service("reviews", vip: "240.240.2.2"))
            let name = "reviews.default.svc.cluster.local"
            try await eventually("the first appliance's answer") {
                try await Self.dig(namespace, "127.0.0.1", 15053, name) == "240.240.1.1"
            }
            try await eventually("the second appliance's answer") {
                try await Self.dig(namespace, "127.0.0.2", ports.dns, name) == "240.240.2.2"
            }
            #expect(two.log.contains("127.0.0.2:\(ports.dns)"), "the second logs where it listens: \(two.log)")
            #expect(await two.stop() == 0, "\(two.log)")
            #expect(await one.stop() == 0, "\(one.log)")
        }
    }

    @Test(
        "with proxy.dns.enabled: false the role runs without a DNS server",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func disabled() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            try "proxy:\n  capture: none\n  dns:\n    enabled: false\n".write(
                toFile: directory.file("meshbox.yaml"), atomically: true, encoding: .utf8)
            let server = try await NamespacedMeshbox(
                in: namespace, directory: directory,
                arguments: ["--roles", "config,registry,proxy,console", "--config", directory.file("meshbox.yaml")])
            defer { server.kill() }
            _ = try await server.cli(["apply"], stdin: ProxyRoleNamespaceTests.service("reviews", vip: "240.240.1.1"))
            try await eventually("the role's first pass") { try await server.proxyStatus().vipCount == 1 }
            let asked = try await namespace.runner.run(
                .init("dig", ["@127.0.0.1", "-p", "15053", "+time=1", "+tries=1", "+short", "reviews.default.svc.cluster.local"]))
            #expect(asked.status != 0, "nothing answers on 15053: \(asked.standardOutput)")
            #expect(!server.log.contains("DNS server listening"), "\(server.log)")
            #expect(await server.stop() == 0, "\(server.log)")
        }
    }
}
