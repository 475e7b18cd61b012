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
}
