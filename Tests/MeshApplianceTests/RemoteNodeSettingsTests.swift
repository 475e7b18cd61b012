import Foundation
import MeshAppliance
import Testing

@Suite("RemoteNodeSettings: the controlPlane: section and --control-plane flags")
struct RemoteNodeSettingsTests {
    @Test("unset by default; a URL alone gives port 15012, the admin API on the same host's 15000 and the host as the server name")
    func defaults() throws {
        #expect(try ApplianceConfiguration.parse(yaml: "nodeName: a\n", source: "t.yaml").controlPlane.resolve() == nil)
        let settings = try ApplianceConfiguration.parse(yaml: "controlPlane: {url: 'https://cp.example.com'}\n", source: "t.yaml").controlPlane
        let resolved = try #require(try settings.resolve())
        #expect(resolved.host == "cp.example.com")
        #expect(resolved.port == 15012)
        #expect(resolved.serverName == "cp.example.com")
        #expect(resolved.adminURL.absoluteString == "https://cp.example.com:15000")
        let loopback = try #require(
            try ApplianceConfiguration.parse(yaml: "controlPlane: {url: 'https://127.0.0.1:25012'}\n", source: "t.yaml").controlPlane.resolve())
        #expect(loopback.serverName == "localhost")
        #expect(loopback.adminURL.absoluteString == "http://127.0.0.1:15000")
    }

    @Test("every key is read, and the token is not shown in the effective settings")
    func everyKey() throws {
        let yaml = """
            controlPlane:
              url: https://10.0.0.5:25012
              joinToken: secret-token
              adminURL: https://cp.example.com:8443
              serverName: cp.example.com
            """
        let configuration = try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
        let resolved = try #require(try configuration.controlPlane.resolve())
        #expect(resolved.serverName == "cp.example.com")
        #expect(resolved.adminURL.absoluteString == "https://cp.example.com:8443")
        #expect(configuration.controlPlane.joinToken == "secret-token")
        #expect(configuration.summary.contains("controlPlane.url: https://10.0.0.5:25012"))
        #expect(configuration.summary.contains("controlPlane.joinToken: (set)"))
        #expect(!configuration.summary.contains("secret-token"))
    }

    @Test(
        "a bad value is an error naming the file, the key path and why",
        arguments: [
            ("url: http://cp:15012", "t.yaml: controlPlane.url: must be https://HOST[:PORT] (the control plane's ADS server, mutual TLS), got 'http://cp:15012'"),
            ("url: ''", "t.yaml: controlPlane.url: must not be empty"),
            ("url: https://10.0.0.5", "t.yaml: controlPlane.serverName: the ADS server's certificate names localhost and the control plane's node name, not an IP address; give the name to check (--control-plane-server-name)"),
            ("{url: 'https://cp', adminURL: 'http://cp:15000'}", "t.yaml: controlPlane.adminURL: plain http only to a loopback address (the join sends a token and gets a key's certificate); use https, got 'http://cp:15000'"),
            ("{url: 'https://cp', adminURL: 'http://127.evil.example:15000'}", "t.yaml: controlPlane.adminURL: plain http only to a loopback address (the join sends a token and gets a key's certificate); use https, got 'http://127.evil.example:15000'"),
            ("{url: 'https://cp', ca: /nonexistent/ca.pem}", "t.yaml: controlPlane.ca: /nonexistent/ca.pem: cannot read it"),
            ("joinToken: t", "t.yaml: controlPlane.joinToken: needs controlPlane.url (--control-plane)"),
            ("token: t", "t.yaml: controlPlane.token: unknown key (see docs/configuration.md)"),
        ])
    func badValue(line: String, message: String) {
        let yaml = line.hasPrefix("{") ? "controlPlane: \(line)\n" : "controlPlane:\n  \(line)\n"
        #expect {
            try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
        } throws: { error in
            (error as? ApplianceError)?.description == message
        }
    }

    @Test("flags replace the file's keys and are checked")
    func flags() throws {
        var flags = RemoteNodeSettings()
        flags.url = "https://127.0.0.1:25012"
        flags.joinToken = "t"
        let configuration = try ApplianceConfiguration.resolve(
            file: nil, roles: "gateway", dataDirectory: "/tmp/x", consoleListen: nil, logLevel: nil, logFormat: nil, controlPlane: flags)
        #expect(try configuration.controlPlane.resolve()?.port == 25012)
        var bad = RemoteNodeSettings()
        bad.url = "cp.example.com:15012"
        #expect {
            try ApplianceConfiguration.resolve(
                file: nil, roles: "gateway", dataDirectory: "/tmp/x", consoleListen: nil, logLevel: nil, logFormat: nil, controlPlane: bad)
        } throws: { error in
            (error as? ApplianceError)?.description.hasPrefix("--control-plane.url: must be https://HOST[:PORT]") == true
        }
    }
}
