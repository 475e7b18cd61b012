import MeshNet
import MeshTesting
import NIOCore
import Testing

/// TCP servers of a Gateway: bytes relayed to the cluster's endpoints, and the listener's
/// connection limit counting every kind of connection down when it closes.
@Suite("Gateway TCP servers")
struct GatewayTCPTests {
    /// A Gateway `tcp` with a TCP server on `port` and a VirtualService relaying it to `app` port 80.
    static func tcpServer(port: Int) -> String {
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
        """
    }

    @Test("a TCP server relays each connection; closed connections free their slot under the limit")
    func relayAndLimit() async throws {
        var settings = ProxySettings()
        settings.maxConnections = 2
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let report = try await harness.apply(
            Self.tcpServer(port: port) + "\n---\n" + GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"),
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

/// Listeners allow half-closure for the TCP relays; HTTP connections must still end when their
/// client closes, or each closed client would hold a connection slot until the idle timeout.
@Suite("Closed clients free their connection slots")
struct ClosedClientTests {
    @Test("HTTP/1.1 after a request, HTTP/2, and a connection that never spoke all free their slot at once")
    func slotsFreed() async throws {
        var settings = ProxySettings()
        settings.maxConnections = 2
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"])
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        let resolve = "\(harness.host):\(harness.port):127.0.0.1"
        // More clients one after another than there are slots; each must be served.
        for round in 0..<4 {
            // The server sees each close a moment later: a new client may find the slot still
            // taken for that moment (then it is closed at once) and tries again. Without the
            // fix the slot stays taken for the 60 s idle timeout.
            try await eventually("round \(round): a keep-alive client served") {
                let client = try await harness.client()
                let status = (try? await client.send("GET", "/keep-alive/\(round)", host: harness.host))?.status
                await client.close()
                return status == 200
            }
            let silent = try await ByteConnection.connect(port: harness.port, group: harness.group)
            await silent.close()
            try await eventually("round \(round): HTTP/2 served after the closed clients") {
                let curl = try await GatewayTLSTests.run(
                    "curl", ["-sS", "--max-time", "5", "--http2-prior-knowledge", "--resolve", resolve, "-w", " %{http_version}",
                             "http://\(harness.host):\(harness.port)/h2/\(round)"])
                return curl.output == "v1 2"
            }
        }
        await harness.shutdown(backends)
    }
}
