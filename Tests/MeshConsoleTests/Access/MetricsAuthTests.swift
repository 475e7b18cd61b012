@testable import MeshConsole
import Testing

@Suite("/metrics access")
struct MetricsAuthTests {
    static let secretSeries = """
        # TYPE meshbox_secret_certificate_expiry_timestamp_seconds gauge
        meshbox_secret_certificate_expiry_timestamp_seconds{namespace="shop",name="acme-customer-cert"} 1.7e+09
        meshbox_ca_certificate_expiry_timestamp_seconds{kind="node",name="spiffe://cluster.local/node/db-7"} 1.8e+09
        meshbox_config_revision 4
        """

    @Test("by default /metrics needs the admin token or a session")
    func tokenByDefault() async throws {
        try await ConsoleHarness.with { console in
            let anonymous = try await console.send("GET", "/metrics", token: nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"] == "Bearer")
            let wrong = try await console.send("GET", "/metrics", token: String(repeating: "1", count: 64))
            #expect(wrong.status == 401)
            let reply = try await console.send("GET", "/metrics")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/plain; version=0.0.4")
            #expect(reply.body == ConsoleHarness.metricsText)
            let session = try await console.login()
            #expect(try await console.send("GET", "/metrics", session: session).status == 200)
        }
    }

    @Test("metricsAuth none: open, with Secret and node names replaced by a keyed hash")
    func openHashed() async throws {
        try await ConsoleHarness.with(metricsText: Self.secretSeries, adjust: { $0.metricsAuth = .none }) { console in
            let reply = try await console.send("GET", "/metrics", token: nil)
            #expect(reply.status == 200)
            #expect(!reply.body.contains("acme-customer-cert"))
            #expect(!reply.body.contains("db-7"))
            #expect(reply.body.contains(#"namespace="shop",name="h:"#), "\(reply.body)")
            #expect(reply.body.contains(#"{kind="node",name="h:"#))
            #expect(reply.body.contains("meshbox_config_revision 4"))
        }
    }

    @Test("the hash is stable for one key, differs across keys, and leaves escapes and other labels alone")
    func hashing() {
        let line = #"meshbox_secret_certificate_expiry_timestamp_seconds{namespace="a\"b",name="x\\y"} 1"#
        let once = MetricsExposure.redact(line, key: "k1")
        #expect(once == MetricsExposure.redact(line, key: "k1"))
        #expect(once != MetricsExposure.redact(line, key: "k2"))
        #expect(once.hasPrefix(#"meshbox_secret_certificate_expiry_timestamp_seconds{namespace="a\"b",name="h:"#), "\(once)")
        #expect(once.hasSuffix(#""} 1"#))
        #expect(MetricsExposure.redact("other{name=\"x\"} 1", key: "k") == "other{name=\"x\"} 1")
    }
}
