import MeshAppliance
import MeshDNS
import MeshRegistry
import Testing

@Suite("RegistryDNSSettings: the registry.dns section")
struct RegistryDNSSettingsTests {
    @Test("defaults: resolv.conf's servers, TTLs kept 5s to 5m")
    func defaults() throws {
        let settings = try ApplianceConfiguration.parse(yaml: "nodeName: a\n", source: "t.yaml").registryDNS
        #expect(settings.servers.isEmpty)
        #expect(settings.timeout == nil && settings.attempts == nil)
        #expect(settings.minTTL == .seconds(5))
        #expect(settings.maxTTL == .seconds(300))
    }

    @Test("every key is read; the servers override resolv.conf's, the TTL bounds reach the resolver")
    func everyKey() throws {
        let settings = try ApplianceConfiguration.parse(
            yaml: """
                registry:
                  dns:
                    servers: [192.0.2.53, "[2001:db8::53]:5353", "127.0.0.1:1053"]
                    timeout: 500ms
                    attempts: 3
                    minTTL: 2s
                    maxTTL: 1h
                """, source: "t.yaml"
        ).registryDNS
        #expect(
            settings.servers == [
                .init(host: "192.0.2.53"), .init(host: "2001:db8::53", port: 5353), .init(host: "127.0.0.1", port: 1053),
            ])
        #expect(settings.timeout == .milliseconds(500))
        #expect(settings.attempts == 3)
        let resolver = settings.resolverSettings
        #expect(resolver.resolver.servers == settings.servers)
        #expect(resolver.resolver.timeout == .milliseconds(500))
        #expect(resolver.resolver.attempts == 3)
        #expect(resolver.minTTL == .seconds(2))
        #expect(resolver.maxTTL == .seconds(3600))
    }

    @Test(
        "a bad value is an error naming the file, the key path and why",
        arguments: [
            ("servers: [dns.example.com]", "t.yaml: registry.dns.servers[0]: \"dns.example.com\" is not an IP address"),
            ("timeout: 10ms", "t.yaml: registry.dns.timeout: must be at least 100ms"),
            ("attempts: 9", "t.yaml: registry.dns.attempts: must be 1-5"),
            ("minTTL: 500ms", "t.yaml: registry.dns.minTTL: must be at least 1s"),
            ("{minTTL: 1m, maxTTL: 30s}", "t.yaml: registry.dns.maxTTL: must not be below registry.dns.minTTL"),
            ("ttl: 5s", "t.yaml: registry.dns.ttl: unknown key (see docs/configuration.md)"),
        ])
    func badValue(body: String, message: String) {
        let yaml = body.hasPrefix("{") ? "registry:\n  dns: \(body)\n" : "registry:\n  dns:\n    \(body)\n"
        #expect {
            try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
        } throws: { error in
            (error as? ApplianceError)?.description == message
        }
    }
}
