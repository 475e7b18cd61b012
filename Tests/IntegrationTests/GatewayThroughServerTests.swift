import Foundation
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// The gateway role in the real binary: config applied with the CLI, a backend registered with
/// the CLI, traffic through the gateway port, the access log and metrics it leaves.
@Suite("Gateway through the real server")
struct GatewayThroughServerTests {
    @Test("a Gateway and VirtualService applied with the CLI route traffic to a registered backend")
    func routesTraffic() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw")
        let accessLog = directory.path + "/access.log"
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--gateway-listen", "127.0.0.1", "--gateway-threads", "1", "--access-log", accessLog])
        defer { server.cleanUp() }
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await TestBackend.start(name: "v1", group: group)
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
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: shop, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["shop.example.com"]
              gateways: ["edge"]
              http:
              - route: [{destination: {host: shop}}]
            """
        let file = directory.path + "/shop.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let apply = try await runMeshboxCLI(["apply", "-f", file], environment: server.cliEnvironment)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")
        let register = try await runMeshboxCLI(
            ["register", "--service", "shop", "--address", "127.0.0.1", "--port", "http:\(backend.port)", "--tcp-check",
             "--interval", "1s", "--timeout", "500ms"],
            environment: server.cliEnvironment)
        #expect(register.status == 0, "stderr: \(register.stderr)")

        try await eventually("the gateway to route to the healthy backend") {
            let response = try? await ProxyClient.request(port: port, "GET", "/cart", host: "shop.example.com", group: group)
            return response?.status == 200 && response?.text == "v1"
        }
        let missing = try await ProxyClient.request(port: port, "GET", "/", host: "other.example.com", group: group)
        #expect(missing.status == 404)

        try await eventually("the access log to hold both requests") {
            let text = (try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? ""
            return text.contains("\"path\":\"/cart\"") && text.contains("\"response_flags\":\"NR\"")
        }
        let line = try #require(
            String(contentsOfFile: accessLog, encoding: .utf8).split(separator: "\n").first { $0.contains("/cart") && $0.contains("200") })
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(entry["method"] as? String == "GET")
        #expect(entry["upstream_host"] as? String == "127.0.0.1:\(backend.port)")
        #expect((entry["request_id"] as? String)?.count == 36)

        let consolePort = try #require(server.process.consoleURL.port)
        let metrics = try await ProxyClient.request(
            port: consolePort, "GET", "/metrics", host: "127.0.0.1", headers: [("authorization", "Bearer \(server.process.adminToken)")],
            group: group)
        #expect(metrics.text.contains("istio_requests_total"), "metrics: \(metrics.text.prefix(400))")
        #expect(metrics.text.contains("response_code=\"200\""))

        // Requests alternating between label sets are each counted under their own.
        func counts() async throws -> (ok: Int, notFound: Int) {
            let text = try await ProxyClient.request(
                port: consolePort, "GET", "/metrics", host: "127.0.0.1",
                headers: [("authorization", "Bearer \(server.process.adminToken)")], group: group
            ).text
            func count(_ code: String) -> Int {
                text.split(separator: "\n").filter {
                    $0.hasPrefix("istio_requests_total{") && $0.contains("response_code=\"\(code)\"")
                }.compactMap { $0.split(separator: " ").last.flatMap { Int(Double($0) ?? -1) } }.reduce(0, +)
            }
            return (count("200"), count("404"))
        }
        let before = try await counts()
        for host in ["shop.example.com", "other.example.com", "shop.example.com", "shop.example.com", "other.example.com"] {
            _ = try await ProxyClient.request(port: port, "GET", "/cart", host: host, group: group)
        }
        try await eventually("the metrics to count the five requests") {
            let after = try await counts()
            return after.ok == before.ok + 3 && after.notFound == before.notFound + 2
        }
        await backend.stop()
        #expect(await server.process.stop() == 0)
    }
}
