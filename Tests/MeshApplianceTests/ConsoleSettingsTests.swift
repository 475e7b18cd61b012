import MeshAppliance
import Testing

@Suite("console: listener security keys")
struct ConsoleSettingsTests {
    @Test("the keys are read into ConsoleSettings")
    func keys() throws {
        let yaml = """
            console:
              tls: {meshCA: true, dnsNames: [console.corp.example]}
              behindTLSProxy: true
              allowInsecureRemote: true
              allowedHosts: [console.corp.example, "*.mesh.example"]
              metricsAuth: none
              idleTimeout: 5s
              maxConnections: 32
              loginThrottle: {maxFailures: 3, window: 30s}
            """
        let console = try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml").console
        #expect(console.tlsMeshCA && console.tlsDNSNames == ["console.corp.example"])
        #expect(console.behindTLSProxy && console.allowInsecureRemote)
        #expect(console.allowedHosts == ["console.corp.example", "*.mesh.example"])
        #expect("\(console.metricsAuth)" == "none")
        #expect(console.idleTimeout == .seconds(5))
        #expect(console.maxConnections == 32)
        #expect(console.loginMaxFailures == 3 && console.loginWindow == .seconds(30))
    }

    @Test(
        "bad values are errors naming the key path",
        arguments: [
            ("console:\n  tls:\n    certFile: /a.pem\n", "t.yaml: console.tls: needs both certFile and keyFile"),
            ("console:\n  tls: {certFile: /a, keyFile: /b, meshCA: true}\n", "t.yaml: console.tls: certFile/keyFile and meshCA"),
            ("console:\n  tls: {meshCA: true, dnsNames: ['*.x']}\n", "t.yaml: console.tls.dnsNames[0]: the mesh CA issues exact"),
            ("console:\n  tls: {cert: /a}\n", "t.yaml: console.tls.cert: unknown key"),
            ("console:\n  metricsAuth: open\n", "t.yaml: console.metricsAuth: must be token or none"),
            ("console:\n  allowInsecureRemote: sure\n", "t.yaml: console.allowInsecureRemote: expected true or false"),
            ("console:\n  maxConnections: 0\n", "t.yaml: console.maxConnections: must be 1-1000000"),
            ("console:\n  loginThrottle: {maxFailures: 0}\n", "t.yaml: console.loginThrottle.maxFailures: must be 1-1000"),
            ("console:\n  loginThrottle: {maxFailures: 1001}\n", "t.yaml: console.loginThrottle.maxFailures: must be 1-1000"),
            ("console:\n  tls: {dnsNames: [console.example]}\n", "t.yaml: console.tls.dnsNames: names the mesh CA's certificate"),
            ("console:\n  idleTimeout: soon\n", "t.yaml: console.idleTimeout: invalid duration"),
        ])
    func badValues(yaml: String, expected: String) {
        do {
            _ = try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect("\(error)".hasPrefix(expected), "got: \(error)")
        }
    }
}
