import MeshAppliance
import Testing

@Suite("XDSSettings: the xds: section")
struct XDSSettingsTests {
    @Test("off by default, on 0.0.0.0:15012 like istiod")
    func defaults() throws {
        let none = try ApplianceConfiguration.parse(yaml: "nodeName: a\n", source: "t.yaml").xds
        #expect(!none.enabled)
        #expect(none.listen == "0.0.0.0")
        #expect(none.port == 15012)
        #expect(try ApplianceConfiguration.parse(yaml: "xds: {}\n", source: "t.yaml").xds == none)
    }

    @Test("every key is read, IPv4 and IPv6 addresses and port 0 included")
    func everyKey() throws {
        let settings = try ApplianceConfiguration.parse(
            yaml: "xds:\n  enabled: true\n  listen: 127.0.0.1\n  port: 25012\n", source: "t.yaml"
        ).xds
        #expect(settings.enabled)
        #expect(settings.listen == "127.0.0.1")
        #expect(settings.port == 25012)
        let v6 = try ApplianceConfiguration.parse(yaml: "xds: {enabled: true, listen: '::', port: 0}\n", source: "t.yaml").xds
        #expect(v6.enabled)
        #expect(v6.listen == "::")
        #expect(v6.port == 0)
        let off = try ApplianceConfiguration.parse(yaml: "xds: {enabled: false}\n", source: "t.yaml").xds
        #expect(!off.enabled)
    }

    @Test(
        "a bad value is an error naming the file, the key path and why",
        arguments: [
            ("enabled: maybe", "t.yaml: xds.enabled: expected true or false"),
            ("listen: xds.example.com", "t.yaml: xds.listen: must be an IP address to bind (e.g. 0.0.0.0, 127.0.0.1 or ::), got 'xds.example.com'"),
            ("listen: 10.0.0.0/8", "t.yaml: xds.listen: must be an IP address to bind (e.g. 0.0.0.0, 127.0.0.1 or ::), got '10.0.0.0/8'"),
            ("listen: 1.2.3.256", "t.yaml: xds.listen: must be an IP address to bind (e.g. 0.0.0.0, 127.0.0.1 or ::), got '1.2.3.256'"),
            ("port: 70000", "t.yaml: xds.port: must be 0-65535, got 70000"),
            ("port: -1", "t.yaml: xds.port: must be 0-65535, got -1"),
            ("port: grpc", "t.yaml: xds.port: expected an integer"),
            ("enable: true", "t.yaml: xds.enable: unknown key (see docs/configuration.md)"),
        ])
    func badValue(line: String, message: String) {
        #expect {
            try ApplianceConfiguration.parse(yaml: "xds:\n  \(line)\n", source: "t.yaml")
        } throws: { error in
            (error as? ApplianceError)?.description == message
        }
    }

    @Test("xds must be a map")
    func notAMap() {
        #expect {
            try ApplianceConfiguration.parse(yaml: "xds: true\n", source: "t.yaml")
        } throws: { error in
            (error as? ApplianceError)?.description == "t.yaml: xds: expected a map"
        }
    }

    @Test("the effective settings list the xds keys")
    func summary() throws {
        let configuration = try ApplianceConfiguration.parse(yaml: "xds: {enabled: true, port: 25012}\n", source: "t.yaml")
        let text = configuration.summary
        #expect(text.contains("xds.enabled: true"))
        #expect(text.contains("xds.listen: 0.0.0.0"))
        #expect(text.contains("xds.port: 25012"))
    }
}
