import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: TLS servers, passthrough and redirects")
struct ListenerTLSTests {
    @Test("an HTTPS SIMPLE server becomes a filter chain with SNI, the credential and its own routes")
    func httpsSimple() throws {
        let snapshot = SnapshotCompiler.compile(
            config: try Fixtures.config(Fixtures.bookinfo()), registry: Fixtures.registry(Fixtures.reviewsInstances()),
            version: 1)
        let listener = try #require(snapshot.listener(named: "0.0.0.0_8443"))
        #expect(listener.protocol == .https)
        #expect(listener.filterChains.count == 1)
        let chain = listener.filterChains[0]
        let routeName = "https.8443.https.bookinfo-gateway.default"
        #expect(chain.serverNames == ["bookinfo.example.com"])
        #expect(chain.destination == .http(routeConfigurationName: routeName))
        #expect(
            chain.tls
                == Snapshot.ServerTLS(
                    mode: .simple, certificateSecretName: "kubernetes://default/bookinfo-cert", minVersion: .v1_2,
                    alpnProtocols: ["h2", "http/1.1"]))
        let secret = try #require(snapshot.secret(named: "kubernetes://default/bookinfo-cert"))
        #expect(secret.source == .credential(name: "default/bookinfo-cert"))
        #expect(secret.material?.privateKeyPEM?.contains("BEGIN PRIVATE KEY") == true)
        let routes = try #require(snapshot.routeConfiguration(named: routeName))
        #expect(routes.virtualHosts.map(\.domains) == [["bookinfo.example.com", "bookinfo.example.com:8443"]])
        #expect(routes.virtualHosts[0].routes.count == 2)
    }

    @Test("client certificate pins compile normalised; a malformed pin refuses the server with a warning")
    func certificatePins() throws {
        func compile(_ pins: String) throws -> Snapshot {
            let gateway = try Fixtures.bookinfo().replacing(
                "      minProtocolVersion: TLSV1_2", with: "      minProtocolVersion: TLSV1_2\n\(pins)")
            return SnapshotCompiler.compile(
                config: try Fixtures.config(gateway), registry: Fixtures.registry(Fixtures.reviewsInstances()), version: 1)
        }
        let hex = String(repeating: "AB", count: 32)
        let colons = (0..<32).map { _ in "0f" }.joined(separator: ":").uppercased()
        let spki = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        let snapshot = try compile(
            "      verifyCertificateHash: [\"\(hex)\", \"\(colons)\"]\n      verifyCertificateSpki: [\"\(spki)\"]")
        let tls = try #require(snapshot.listener(named: "0.0.0.0_8443")?.filterChains.first?.tls)
        #expect(tls.verifyCertificateHash == [String(repeating: "ab", count: 32), String(repeating: "0f", count: 32)])
        #expect(tls.verifyCertificateSpki == [spki])

        for (field, bad) in [("verifyCertificateHash", "AB:CD"), ("verifyCertificateSpki", "bm90IDMyIGJ5dGVz")] {
            let refused = try compile("      \(field): [\"\(bad)\"]")
            #expect(refused.listener(named: "0.0.0.0_8443") == nil, "\(field)")
            #expect(refused.listener(named: "0.0.0.0_8080") != nil, "the plain server stays")
            #expect(
                refused.warnings.contains { $0.path.hasSuffix(".tls.\(field)[0]") && $0.message.contains("not served") },
                "\(refused.warnings)")
        }
    }

    @Test("a PASSTHROUGH server routes by SNI to TCP clusters")
    func passthrough() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: 443, name: tls, protocol: TLS}
                hosts: ["*.example.com"]
                tls: {mode: PASSTHROUGH}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: sni, namespace: default}
            spec:
              hosts: ["a.example.com", "b.example.com"]
              gateways: ["edge"]
              tls:
              - match: [{sniHosts: ["a.example.com"]}]
                route:
                - destination: {host: alpha, port: {number: 8443}}
              - match: [{sniHosts: ["b.example.com"], port: 443}]
                route:
                - destination: {host: beta, port: {number: 8443}}
                  weight: 60
                - destination: {host: beta, subset: canary, port: {number: 8443}}
                  weight: 40
            """
        let instances = [Fixtures.instance("alpha", "10.2.0.1", port: 8443, portName: "tls")]
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: Fixtures.registry(instances), version: 1)
        let listener = try #require(snapshot.listener(named: "0.0.0.0_443"))
        #expect(listener.protocol == .tlsPassthrough)
        #expect(listener.filterChains.map(\.serverNames) == [["a.example.com"], ["b.example.com"]])
        #expect(listener.filterChains.allSatisfy { $0.tls == nil })
        #expect(
            listener.filterChains[0].destination
                == .tcp([Snapshot.WeightedCluster(name: "outbound|8443||alpha.default.svc.cluster.local", weight: 100)]))
        guard case .tcp(let beta) = listener.filterChains[1].destination else {
            Issue.record("expected TCP")
            return
        }
        #expect(beta.map(\.weight) == [60, 40])
        #expect(snapshot.loadAssignment(forCluster: "outbound|8443||alpha.default.svc.cluster.local")?.endpoints.map(\.port) == [8443])
        #expect(snapshot.routeConfigurations.isEmpty)
    }

    @Test("httpsRedirect marks the server's virtual hosts as requiring TLS")
    func httpsRedirect() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["secure.example.com"]
                tls: {httpsRedirect: true}
              - port: {number: 80, name: http-open, protocol: HTTP}
                hosts: ["open.example.com"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: open, namespace: default}
            spec:
              hosts: ["open.example.com"]
              gateways: ["edge"]
              http:
              - directResponse: {status: 200, body: {string: ok}}
            """
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: .empty, version: 1)
        let hosts = try #require(snapshot.routeConfiguration(named: "http.80")?.virtualHosts)
        #expect(hosts.map(\.name) == ["open.example.com:80", "secure.example.com:80"])
        #expect(hosts.map(\.requireTLS) == [false, true])
        #expect(snapshot.gatewayListeners.count == 1)
    }

    @Test("servers of different protocols on one port conflict; the later one is dropped with a warning")
    func conflictingServers() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: a-web, namespace: default}
            spec:
              servers:
              - port: {number: 8080, name: http, protocol: HTTP}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: b-tcp, namespace: default}
            spec:
              servers:
              - port: {number: 8080, name: tcp, protocol: TCP}
                hosts: ["*"]
            """
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: .empty, version: 1)
        #expect(snapshot.gatewayListeners.map(\.protocol) == [.http])
        #expect(snapshot.warnings.contains { $0.resource == "Gateway default/b-tcp" && $0.path == "spec.servers[0].port" })
    }
}
