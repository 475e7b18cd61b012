import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import Testing

@Suite("service VIPs through the real binary and CLI")
struct ServiceVIPThroughServerTests {
    static func service(_ name: String, vip: String? = nil) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata:
          name: \(name)
        spec:
          \(vip.map { "vip: \($0)" } ?? "")
          ports:
          - name: http
            number: 80
            protocol: HTTP

        """
    }

    static func key(_ name: String) -> ResourceKey {
        ResourceKey(kind: .service, namespace: "default", name: name)
    }

    @Test("VIPs come from the configured range, show in get svc, survive a restart, refuse collisions and exhaustion")
    func lifecycle() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-it-vip")
        defer { directory.remove() }
        // Two usable addresses (240.240.0.1, .2), no IPv6: small enough to fill.
        let config = directory.file("meshbox.yaml")
        try "serviceCIDR: 240.240.0.0/30\nserviceCIDRv6: \"\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(directory: directory, arguments: ["--config", config])
        defer { server.process.kill() }

        _ = try await server.client.apply(Self.service("web"))
        let vips = try #require(try await server.client.get(Self.key("web")).status?.vips)
        #expect(vips.count == 1)
        let address = try #require(vips.first?.address)
        #expect(["240.240.0.1", "240.240.0.2"].contains(address))

        let table = try await runMeshboxCLI(["get", "svc"], environment: server.cliEnvironment)
        #expect(table.status == 0, "stderr: \(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.contains("VIP") == true, "\(table.stdout)")
        #expect(lines.contains { $0.contains("web") && $0.contains(address) }, "\(table.stdout)")

        let revision = try await server.client.revision()
        do {
            _ = try await server.client.apply(Self.service("thief", vip: address))
            Issue.record("a VIP another service holds was accepted")
        } catch let error as AdminClientError {
            #expect(error.status == 422)
            #expect(
                error.issues.map(\.description) == [
                    "Service default/thief: spec.vip: \(address) is already the VIP of Service default/web"
                ]
            )
        }
        _ = try await server.client.apply(Self.service("second"))
        do {
            _ = try await server.client.apply(Self.service("third"))
            Issue.record("a third service fitted in two addresses")
        } catch let error as AdminClientError {
            #expect(error.status == 422)
            #expect(error.issues.map(\.path) == ["spec.vip"])
            #expect(error.issues.first?.message.hasPrefix("no free address left in serviceCIDR 240.240.0.0/30") == true)
        }
        #expect(try await server.client.revision() == revision + 1, "only the second service was applied")
        #expect(await server.process.stop() == 0)

        let again = try await RunningServer.start(directory: directory, arguments: ["--config", config])
        defer { again.process.kill() }
        #expect(try await again.client.get(Self.key("web")).status?.vips == vips, "the VIP survives a restart")
        _ = try await again.client.apply(Self.service("web"))
        #expect(try await again.client.get(Self.key("web")).status?.vips == vips, "and a re-apply")

        _ = try await again.client.delete(Self.key("web"))
        _ = try await again.client.apply(Self.service("taker", vip: address))
        let taken = try await again.client.get(Self.key("taker")).status?.vips
        #expect(taken == [VIPAssignment(address: address, fixed: true)], "a delete frees the VIP")
        #expect(await again.process.stop() == 0)
    }
}
