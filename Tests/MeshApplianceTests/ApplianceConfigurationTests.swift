import Foundation
import MeshAppliance
import MeshTesting
import Testing

@Suite("ApplianceConfiguration")
struct ApplianceConfigurationTests {
    @Test("the sample etc/meshbox.yaml loads with every key applied")
    func sampleLoads() throws {
        let path = MeshboxProcess.repositoryRoot() + "/etc/meshbox.yaml"
        let configuration = try ApplianceConfiguration.load(file: path)
        #expect(configuration.roles == [.config, .registry, .ca, .console])
        #expect(configuration.dataDirectory == "/var/lib/meshbox")
        #expect(configuration.nodeName == "edge-1")
        #expect(configuration.trustDomain == "cluster.local")
        #expect(configuration.serviceCIDR == "240.240.0.0/16")
        #expect(configuration.serviceCIDRv6 == "2001:2::/48")
        #expect(configuration.vipRanges.map(\.description) == ["240.240.0.0/16", "2001:2::/48"])
        #expect(configuration.logLevel == .info)
        #expect(configuration.logFormat == .text)
        #expect(configuration.consoleHost == "127.0.0.1")
        #expect(configuration.consolePort == 15000)
        #expect(configuration.historyDepth == 50)
        #expect(configuration.durability == .full)
    }

    @Test("every documented key is in the sample and in docs/configuration.md")
    func documented() throws {
        let root = MeshboxProcess.repositoryRoot()
        let docs = try String(contentsOfFile: root + "/docs/configuration.md", encoding: .utf8)
        let sample = try String(contentsOfFile: root + "/etc/meshbox.yaml", encoding: .utf8)
        let summaryKeys = ApplianceConfiguration().summary.split(separator: "\n").map { String($0.split(separator: ":")[0]) }
        for key in summaryKeys {
            #expect(docs.contains("`\(key)`"), "docs/configuration.md does not document \(key)")
            let leaf = String(key.split(separator: ".").last!)
            #expect(sample.contains(leaf + ":"), "etc/meshbox.yaml does not set \(key)")
        }
    }

    @Test(
        "bad keys and values are errors naming the key path",
        arguments: [
            ("consol:\n  listen: 1.2.3.4:1\n", "t.yaml: consol: unknown key"),
            ("console:\n  listn: 127.0.0.1:1\n", "t.yaml: console.listn: unknown key"),
            ("console:\n  listen: 127.0.0.1:99999\n", "t.yaml: console.listen: port must be 0-65535"),
            ("log:\n  level: loud\n", "t.yaml: log.level: must be one of"),
            ("log:\n  format: xml\n", "t.yaml: log.format: must be text or json"),
            ("config:\n  historyDepth: 0\n", "t.yaml: config.historyDepth: must be 1-100000"),
            ("config:\n  historyDepth: many\n", "t.yaml: config.historyDepth: expected an integer"),
            ("roles: [config, dns]\n", "t.yaml: roles: unknown role 'dns'"),
            ("trustDomain: Bad_Domain\n", "t.yaml: trustDomain: invalid trust domain"),
            ("serviceCIDR: 10.0.0.0/40\n", "t.yaml: serviceCIDR: invalid CIDR"),
            ("serviceCIDR: \"fd00::/112\"\n", "t.yaml: serviceCIDR: invalid CIDR 'fd00::/112' (an IPv4 block"),
            ("serviceCIDRv6: 240.240.0.0/16\n", "t.yaml: serviceCIDRv6: invalid CIDR '240.240.0.0/16' (an IPv6 block"),
            ("registry:\n  healthCheck:\n    denyCIDRs: [10.0.0.0/8, 300.0.0.0/8]\n", "t.yaml: registry.healthCheck.denyCIDRs[1]: invalid CIDR '300.0.0.0/8'"),
            ("registry:\n  healthChecks: {}\n", "t.yaml: registry.healthChecks: unknown key"),
            ("mesh:\n  rootNamespace: Istio_System\n", "t.yaml: mesh.rootNamespace: invalid namespace 'Istio_System'"),
            ("mesh:\n  root: x\n", "t.yaml: mesh.root: unknown key"),
            ("- a\n- b\n", "t.yaml: (top level): expected a map"),
            ("log: [\n", "t.yaml: invalid YAML"),
        ])
    func badInput(yaml: String, expected: String) {
        do {
            _ = try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect("\(error)".hasPrefix(expected), "got: \(error)")
        }
    }

    @Test("mesh.rootNamespace is istio-system unless set, and the summary shows it")
    func rootNamespace() throws {
        #expect(ApplianceConfiguration().rootNamespace == "istio-system")
        let configuration = try ApplianceConfiguration.parse(yaml: "mesh:\n  rootNamespace: meshbox-system\n", source: "t.yaml")
        #expect(configuration.rootNamespace == "meshbox-system")
        #expect(configuration.summary.contains("mesh.rootNamespace: meshbox-system"))
    }

    @Test("registry.healthCheck.denyCIDRs takes a list of IPv4 and IPv6 CIDRs and addresses")
    func healthCheckDenyCIDRs() throws {
        let configuration = try ApplianceConfiguration.parse(
            yaml: "registry:\n  healthCheck:\n    denyCIDRs: [169.254.0.0/16, \"fd00::/8\", 10.1.2.3]\n", source: "t.yaml")
        #expect(configuration.registryHealthCheckDenyCIDRs.map { "\($0)" } == ["169.254.0.0/16", "fd00:0:0:0:0:0:0:0/8", "10.1.2.3/32"])
        #expect(configuration.summary.contains("registry.healthCheck.denyCIDRs: 169.254.0.0/16,"))
    }

    @Test("flags override the file")
    func flagsOverride() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "console:\n  listen: 127.0.0.1:15000\nlog:\n  level: debug\n".write(toFile: directory.file("m.yaml"), atomically: true, encoding: .utf8)
        let configuration = try ApplianceConfiguration.resolve(
            file: directory.file("m.yaml"), roles: "registry,config", dataDirectory: "/tmp/x", consoleListen: "[::1]:0",
            logLevel: nil, logFormat: "json")
        #expect(configuration.roles == [.config, .registry])
        #expect(configuration.dataDirectory == "/tmp/x")
        #expect(configuration.consoleHost == "::1")
        #expect(configuration.consolePort == 0)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .json)
    }

    @Test("an unknown role is refused by name")
    func unknownRole() {
        #expect(throws: ApplianceError.self) { try MeshRole.parseList("config,sidecar") }
        #expect((try? MeshRole.parseList("all")) == MeshRole.defaults)
    }
}
