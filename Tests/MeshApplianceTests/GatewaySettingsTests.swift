import MeshAppliance
import Testing

@Suite("GatewaySettings")
struct GatewaySettingsTests {
    @Test("gateway.tcpIdleTimeout: Envoy's 1h by default, a duration, 0s to switch it off; garbage is an error")
    func tcpIdleTimeout() throws {
        #expect(GatewaySettings().tcpIdleTimeout == .seconds(3600))
        let set = try ApplianceConfiguration.parse(yaml: "gateway:\n  tcpIdleTimeout: 90s\n", source: "t.yaml")
        #expect(set.gateway.tcpIdleTimeout == .seconds(90))
        let off = try ApplianceConfiguration.parse(yaml: "gateway:\n  tcpIdleTimeout: 0s\n", source: "t.yaml")
        #expect(off.gateway.tcpIdleTimeout == .zero)
        #expect(throws: (any Error).self) {
            try ApplianceConfiguration.parse(yaml: "gateway:\n  tcpIdleTimeout: soon\n", source: "t.yaml")
        }
    }

    @Test(
        "gateway.tlsHandshakeTimeout, streamIdleTimeout and requestBodyTimeout: defaults, a duration, 0s to switch off",
        arguments: [
            ("tlsHandshakeTimeout", \GatewaySettings.tlsHandshakeTimeout, Duration.seconds(10)),
            ("streamIdleTimeout", \GatewaySettings.streamIdleTimeout, Duration.seconds(300)),
            ("requestBodyTimeout", \GatewaySettings.requestBodyTimeout, Duration.seconds(60)),
        ])
    func requestTimeouts(key: String, path: KeyPath<GatewaySettings, Duration> & Sendable, byDefault: Duration) throws {
        #expect(GatewaySettings()[keyPath: path] == byDefault)
        let set = try ApplianceConfiguration.parse(yaml: "gateway:\n  \(key): 250ms\n", source: "t.yaml")
        #expect(set.gateway[keyPath: path] == .milliseconds(250))
        let off = try ApplianceConfiguration.parse(yaml: "gateway:\n  \(key): 0s\n", source: "t.yaml")
        #expect(off.gateway[keyPath: path] == .zero)
        #expect(throws: (any Error).self) {
            try ApplianceConfiguration.parse(yaml: "gateway:\n  \(key): soon\n", source: "t.yaml")
        }
    }

    @Test("gateway.maxConnections: unset derives it from the descriptor budget; set, it must be positive")
    func maxConnections() throws {
        #expect(GatewaySettings().maxConnections == nil)
        let set = try ApplianceConfiguration.parse(yaml: "gateway:\n  maxConnections: 500\n", source: "t.yaml")
        #expect(set.gateway.maxConnections == 500)
        #expect(throws: (any Error).self) {
            try ApplianceConfiguration.parse(yaml: "gateway:\n  maxConnections: 0\n", source: "t.yaml")
        }
    }
}
