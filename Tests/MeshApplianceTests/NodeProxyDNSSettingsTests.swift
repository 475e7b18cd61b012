import MeshAppliance
import MeshProxy
import Testing

@Suite("proxy.dns settings")
struct NodeProxyDNSSettingsTests {
    @Test("defaults: enabled on 127.0.0.1:15053, upstreams from resolv.conf")
    func defaults() throws {
        let dns = try ApplianceConfiguration.parse(yaml: "proxy: {}\n", source: "t.yaml").proxy.dns
        #expect(dns.enabled)
        #expect(dns.listen == "127.0.0.1")
        #expect(dns.port == 15053)
        #expect(dns.upstreams == nil)
    }

    @Test("every key is read, and the effective settings list them")
    func everyKey() throws {
        let yaml = """
            proxy:
              dns:
                enabled: false
                listen: "::1"
                port: 15054
                upstreams: [192.0.2.53, "192.0.2.54:5353", "[2001:db8::35]:53"]

            """
        let configuration = try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
        let dns = configuration.proxy.dns
        #expect(!dns.enabled)
        #expect(dns.listen == "::1")
        #expect(dns.port == 15054)
        #expect(
            dns.upstreams == [
                DNSUpstream(host: "192.0.2.53"), DNSUpstream(host: "192.0.2.54", port: 5353),
                DNSUpstream(host: "2001:db8::35"),
            ])
        #expect(configuration.summary.contains("proxy.dns.port: 15054\n"))
        #expect(configuration.summary.contains("proxy.dns.upstreams: 192.0.2.53:53,192.0.2.54:5353,[2001:db8::35]:53\n"))
        let empty = try ApplianceConfiguration.parse(yaml: "proxy:\n  dns:\n    upstreams: []\n", source: "t.yaml")
        #expect(empty.proxy.dns.upstreams == [], "no upstreams: mesh names only")
    }

    @Test(
        "a bad value is an error naming the file, the key path and why",
        arguments: [
            ("port: 0", "t.yaml: proxy.dns.port: must be 1-65535, got 0"),
            ("port: 65536", "t.yaml: proxy.dns.port: must be 1-65535, got 65536"),
            ("listen: localhost", "t.yaml: proxy.dns.listen: must be an IP address to bind (e.g. 127.0.0.1 or ::1), got 'localhost'"),
            ("listen: 10.0.0.0/8", "t.yaml: proxy.dns.listen: must be an IP address to bind (e.g. 127.0.0.1 or ::1), got '10.0.0.0/8'"),
            ("enabled: sometimes", "t.yaml: proxy.dns.enabled: expected true or false"),
            ("upstreams: [192.0.2.1, \"\"]", "t.yaml: proxy.dns.upstreams[1]: must not be empty"),
            ("upstreams: [resolver.example]", "t.yaml: proxy.dns.upstreams[0]: \"resolver.example\" is not an IP address"),
            ("upstreams: [\"192.0.2.1:0\"]", "t.yaml: proxy.dns.upstreams[0]: port must be 1-65535, got \"0\""),
            ("upstreams: 192.0.2.1", "t.yaml: proxy.dns.upstreams: expected a list of ADDRESS or ADDRESS:PORT"),
            ("prot: 53", "t.yaml: proxy.dns.prot: unknown key (see docs/configuration.md)"),
        ])
    func badValue(line: String, message: String) {
        #expect {
            try ApplianceConfiguration.parse(yaml: "proxy:\n  dns:\n    \(line)\n", source: "t.yaml")
        } throws: { error in
            (error as? ApplianceError)?.description == message
        }
    }
}
