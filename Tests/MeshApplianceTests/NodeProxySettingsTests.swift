import MeshAppliance
import Testing

@Suite("NodeProxySettings and the proxy role's opt-in")
struct NodeProxySettingsTests {
    @Test("defaults: iptables capture on 15001, mark 0x4d42, rules removed on stop, cluster.local")
    func defaults() throws {
        let settings = try ApplianceConfiguration.parse(yaml: "proxy: {}\n", source: "t.yaml").proxy
        #expect(settings.capture == .iptables)
        #expect(settings.outboundPort == 15001)
        #expect(settings.mark == 0x4d42)
        #expect(settings.removeRulesOnStop)
        #expect(settings.clusterDomain == "cluster.local")
    }

    @Test("every key is read")
    func everyKey() throws {
        let yaml = """
            proxy:
              capture: nftables
              outboundPort: 16001
              mark: 0x1234
              removeRulesOnStop: false
              clusterDomain: mesh.internal

            """
        let settings = try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml").proxy
        #expect(settings.capture == .nftables)
        #expect(settings.outboundPort == 16001)
        #expect(settings.mark == 0x1234)
        #expect(!settings.removeRulesOnStop)
        #expect(settings.clusterDomain == "mesh.internal")
        let decimal = try ApplianceConfiguration.parse(yaml: "proxy:\n  mark: 4660\n  capture: none\n", source: "t.yaml")
        #expect(decimal.proxy.mark == 0x1234)
        #expect(decimal.proxy.capture == NodeProxySettings.Capture.none)
    }

    @Test(
        "a bad value is an error naming the file, the key path and why",
        arguments: [
            ("capture: ipchains", "t.yaml: proxy.capture: must be iptables, nftables or none, got 'ipchains'"),
            ("outboundPort: 70000", "t.yaml: proxy.outboundPort: must be 1-65535, got 70000"),
            ("outboundPort: http", "t.yaml: proxy.outboundPort: expected an integer"),
            ("mark: 0", "t.yaml: proxy.mark: must be a non-zero 32-bit mark, decimal or 0x hex, got '0'"),
            ("mark: 0x1ffffffff", "t.yaml: proxy.mark: must be a non-zero 32-bit mark, decimal or 0x hex, got '0x1ffffffff'"),
            ("removeRulesOnStop: maybe", "t.yaml: proxy.removeRulesOnStop: must be true or false, got 'maybe'"),
            ("clusterDomain: Cluster..Local", "t.yaml: proxy.clusterDomain: invalid domain 'Cluster..Local' (lower-case DNS name, e.g. cluster.local)"),
            ("captur: iptables", "t.yaml: proxy.captur: unknown key (see docs/configuration.md)"),
            ("capture: none\n  installRoutes: true", "t.yaml: proxy.installRoutes: needs proxy.capture iptables or nftables (none touches no host networking)"),
        ])
    func badValue(line: String, message: String) {
        #expect {
            try ApplianceConfiguration.parse(yaml: "proxy:\n  \(line)\n", source: "t.yaml")
        } throws: { error in
            (error as? ApplianceError)?.description == message
        }
    }

    @Test("the effective settings list the proxy keys")
    func summary() throws {
        let configuration = try ApplianceConfiguration.parse(yaml: "proxy:\n  mark: 0x99\n", source: "t.yaml")
        #expect(configuration.summary.contains("proxy.capture: iptables\n"))
        #expect(configuration.summary.contains("proxy.mark: 0x99\n"))
    }

    @Test("proxy runs only when named: not by default, not in all, yes in all,proxy or a list")
    func optIn() throws {
        #expect(!ApplianceConfiguration().roles.contains(.proxy))
        #expect(ApplianceConfiguration().roles == [.config, .registry, .ca, .gateway, .console])
        #expect(try MeshRole.parseList("all") == MeshRole.defaults)
        #expect(try MeshRole.parseList("all,proxy") == [.config, .registry, .ca, .gateway, .proxy, .console])
        #expect(try MeshRole.parseList("proxy,registry,config") == [.config, .registry, .proxy])
        let fromFile = try ApplianceConfiguration.parse(yaml: "roles: [config, registry, proxy]\n", source: "t.yaml")
        #expect(fromFile.roles == [.config, .registry, .proxy])
    }
}
