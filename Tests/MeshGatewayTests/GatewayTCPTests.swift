import MeshNet
import MeshTesting
import NIOCore
import Testing

/// TCP servers of a Gateway: bytes relayed to the cluster's endpoints, and the listener's
/// connection limit counting every kind of connection down when it closes.
@Suite("Gateway TCP servers")
struct GatewayTCPTests {
    @Test("a TCP server relays each connection; closed connections free their slot under the limit")
    func relayAndLimit() async throws {
        var settings = ProxySettings()
        settings.maxConnectionsPerListener = 2  // one per event loop of the harness's two
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let report = try await harness.apply(
            """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: tcp, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: tcp, protocol: TCP}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: tcp, namespace: default}
            spec:
              hosts: ["*"]
              gateways: ["tcp"]
              tcp:
              - route: [{destination: {host: app, port: {number: 80}}}]
            """ + "\n---\n" + GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"),
            backends: backends)
        #expect(report.failed.isEmpty && report.bound.count == 2, "\(report)")
        // More connections, one after another, than the limit allows at once.
        for index in 0..<6 {
            try await eventually("connection \(index) to be relayed") {
                let result = try await RawClient.exchange(
                    port: port, bytes: Array("GET /\(index) HTTP/1.1\r\nHost: raw\r\nConnection: close\r\n\r\n".utf8), quietPeriod: 2)
                return result.firstStatus == 200 && result.text.hasSuffix("v1")
            }
        }
        #expect(backends[0].received.map(\.uri).suffix(6) == (0..<6).map { "/\($0)" })
        await harness.shutdown(backends)
    }
}
