import Logging
import MeshNet
import MeshTesting
import Testing

/// `gateway.maxConnections` (`ProxySettings.maxConnections`): a flood of idle connections beyond
/// the limit cannot lock new clients out (they take the place of the oldest idle connections),
/// the gateway never holds more than its limit, and it says so in its log.
@Suite("Gateway connection limit")
struct GatewayConnectionLimitTests {
    @Test("three times the limit in idle connections: the gateway keeps its limit, a new client is served, the log says why")
    func idleFlood() async throws {
        // One event loop: the idle connections a new one may replace are all on its loop.
        let logs = AuthorizationLogRecorder()  // any engine log, despite its name
        var settings = ProxySettings()
        settings.maxConnections = 8
        let harness = try await GatewayHarness(settings: settings, threads: 1, logger: logs.logger)
        let backends = try await harness.backends(["v1"])
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        let (port, group, plane) = (harness.port, harness.group, harness.plane)
        var idle: [ByteConnection] = []
        for _ in 0..<24 { idle.append(try await ByteConnection.connect(port: port, group: group)) }
        // Every connection past the limit was refused or took an older one's place.
        try await eventually("all but the limit to be closed", timeout: .seconds(20)) {
            idle.filter(\.isClosed).count >= 24 - settings.maxConnections
        }
        try await eventually("the gateway to hold no more than its limit") { plane.openConnections <= settings.maxConnections }
        let response = try await ProxyClient.request(port: port, "GET", "/fresh", host: harness.host, group: group)
        #expect(response.status == 200 && response.text == "v1", "\(response)")
        let warnings = logs.all.filter { $0.level == .warning }.map(\.message)
        #expect(warnings.contains("Connections refused or replaced: the gateway is at its connection limit"), "\(warnings)")
        for connection in idle { await connection.close() }
        await harness.shutdown(backends)
    }

    @Test("on a TLS listener, connections that never finish their handshake make room for a new client")
    func idleTLSFlood() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-tls-flood")
        defer { directory.remove() }
        let (cert, key) = try GatewayTLSTests.appCertificate(in: directory)
        var settings = ProxySettings()
        settings.maxConnections = 4
        let harness = try await GatewayHarness(settings: settings, threads: 1)
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        try await harness.apply(GatewayTLSTests.simpleHTTPS(port: port, cert: cert, key: key), backends: backends)
        var idle: [ByteConnection] = []
        for _ in 0..<12 { idle.append(try await ByteConnection.connect(port: port, group: harness.group)) }
        try await eventually("all but the limit to be closed", timeout: .seconds(20)) {
            idle.filter(\.isClosed).count >= 12 - settings.maxConnections
        }
        let curl = try await GatewayTLSTests.run(
            "curl", ["-sS", "--max-time", "10", "-k", "--resolve", "app.example.com:\(port):127.0.0.1", "https://app.example.com:\(port)/x"])
        #expect(curl.status == 0 && curl.output == "v1", "\(curl.output)")
        for connection in idle { await connection.close() }
        await harness.shutdown(backends)
    }

    @Test("HTTP/2 connections without an open stream make room for a new client too")
    func idleHTTP2Flood() async throws {
        var settings = ProxySettings()
        settings.maxConnections = 4
        let harness = try await GatewayHarness(settings: settings, threads: 1)
        let backends = try await harness.backends(["v1"])
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        // The client preface and an empty SETTINGS frame: an h2c connection that opens no stream.
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        var idle: [ByteConnection] = []
        for _ in 0..<4 {
            let connection = try await ByteConnection.connect(port: harness.port, group: harness.group)
            try await connection.send(preface)
            idle.append(connection)
        }
        // Each is HTTP/2 once the server's SETTINGS came back.
        try await eventually("the server's SETTINGS on every connection") {
            idle.allSatisfy { $0.received.count >= 9 && $0.received[3] == 4 }
        }
        let response = try await ProxyClient.request(port: harness.port, "GET", "/fresh", host: harness.host, group: harness.group)
        #expect(response.status == 200 && response.text == "v1", "\(response)")
        try await eventually("an idle HTTP/2 connection to have made room") { idle.contains(where: \.isClosed) }
        for connection in idle { await connection.close() }
        await harness.shutdown(backends)
    }
}
