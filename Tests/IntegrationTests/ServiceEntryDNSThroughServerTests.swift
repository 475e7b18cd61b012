import Foundation
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// ServiceEntry `resolution: DNS` in the real binary: the registry asks a DNS server on loopback
/// (`registry.dns.servers`), the gateway routes to the addresses it answers, and follows a new
/// answer once the old one's TTL has run out.
@Suite("ServiceEntry resolution: DNS through the real server")
struct ServiceEntryDNSThroughServerTests {
    @Test("a DNS ServiceEntry host gets one instance per answered address and traffic follows the answer")
    func followsTheAnswer() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let dns = try await TestDNSServer.start(group: group)
        let backend = try await TestBackend.start(name: "v1", group: group)
        let directory = try TemporaryDirectory(prefix: "meshbox-dns")
        dns.set("backend.example.test", ["127.0.0.1"], ttl: 1)
        let config = directory.path + "/meshbox.yaml"
        try "registry:\n  dns:\n    servers: [\"127.0.0.1:\(dns.port)\"]\n    minTTL: 1s\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--config", config, "--gateway-listen", "127.0.0.1", "--gateway-threads", "1"])
        defer { server.cleanUp() }
        let port = try FreePort.take()
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["shop.example.com"]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: backend, namespace: default}
            spec:
              hosts: ["backend.example.test"]
              location: MESH_EXTERNAL
              ports:
              - {number: 80, name: http, protocol: HTTP, targetPort: \(backend.port)}
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["shop.example.com"]
              gateways: ["edge"]
              http:
              - route: [{destination: {host: backend.example.test, port: {number: 80}}}]
            """
        let file = directory.path + "/shop.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let apply = try await runMeshboxCLI(["apply", "-f", file], environment: server.cliEnvironment)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")

        try await eventually("the gateway to route to the backend the name resolves to") {
            let response = try? await ProxyClient.request(port: port, "GET", "/", host: "shop.example.com", group: group)
            return response?.status == 200 && response?.text == "v1"
        }

        func addresses() async throws -> Set<String> {
            Set(try await server.client.instances(service: "backend.example.test", namespace: "default").map(\.address))
        }
        dns.set("backend.example.test", ["127.0.0.1", "127.0.0.3", "::1"], ttl: 1)
        try await eventually("an instance per address of the new answer") {
            try await addresses() == ["127.0.0.1", "127.0.0.3", "::1"]
        }

        // The name moves to an address nothing listens on: the gateway follows it.
        dns.set("backend.example.test", ["127.0.0.4"], ttl: 1)
        try await eventually("the gateway to follow the moved name") {
            let response = try? await ProxyClient.request(port: port, "GET", "/", host: "shop.example.com", group: group)
            return response?.status == 503
        }
        #expect(try await addresses() == ["127.0.0.4"])
        #expect(dns.queries.contains { $0.name == "backend.example.test" && $0.type == "AAAA" })

        _ = await server.process.stop()
        await backend.stop()
        await dns.stop()
    }
}
