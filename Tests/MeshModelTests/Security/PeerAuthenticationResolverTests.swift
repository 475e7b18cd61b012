import MeshModel
import Testing

private func peerAuthentication(_ name: String, in namespace: String, _ spec: String) -> String {
    """
    apiVersion: security.istio.io/v1
    kind: PeerAuthentication
    metadata: {name: \(name), namespace: \(namespace)}
    spec: \(spec)
    ---

    """
}

struct MTLSCase: CustomTestStringConvertible, Sendable {
    let name: String
    let policies: String
    var namespace = "default"
    var labels = ["app": "db"]
    var port = 5432
    let mode: EffectiveMTLS.Mode
    let source: String
    var testDescription: String { name }
}

private let meshStrict = peerAuthentication("default", in: "istio-system", "{mtls: {mode: STRICT}}")
private let namespacePermissive = peerAuthentication("default", in: "default", "{mtls: {mode: PERMISSIVE}}")
private let dbPolicy = peerAuthentication(
    "db",
    in: "default",
    "{selector: {matchLabels: {app: db}}, mtls: {mode: STRICT}, portLevelMtls: {\"5432\": {mode: DISABLE}, \"9000\": {mode: UNSET}}}"
)

@Suite("PeerAuthenticationResolver")
struct PeerAuthenticationResolverTests {
    static let cases: [MTLSCase] = [
        .init(name: "no policy: PERMISSIVE", policies: "", mode: .permissive, source: "default"),
        .init(
            name: "mesh-wide STRICT",
            policies: meshStrict,
            mode: .strict,
            source: "PeerAuthentication istio-system/default"
        ),
        .init(
            name: "namespace overrides mesh",
            policies: meshStrict + namespacePermissive,
            mode: .permissive,
            source: "PeerAuthentication default/default"
        ),
        .init(
            name: "mesh-wide applies to other namespaces",
            policies: meshStrict + namespacePermissive,
            namespace: "shop",
            mode: .strict,
            source: "PeerAuthentication istio-system/default"
        ),
        .init(
            name: "port-level DISABLE beats the workload mode",
            policies: meshStrict + dbPolicy,
            port: 5432,
            mode: .disable,
            source: "PeerAuthentication default/db port 5432"
        ),
        .init(
            name: "workload mode for other ports",
            policies: namespacePermissive + dbPolicy,
            port: 80,
            mode: .strict,
            source: "PeerAuthentication default/db"
        ),
        .init(
            name: "port-level UNSET inherits the workload mode",
            policies: namespacePermissive + dbPolicy,
            port: 9000,
            mode: .strict,
            source: "PeerAuthentication default/db"
        ),
        .init(
            name: "selector not matching falls back to namespace",
            policies: namespacePermissive + dbPolicy,
            labels: ["app": "web"],
            mode: .permissive,
            source: "PeerAuthentication default/default"
        ),
        .init(
            name: "UNSET workload inherits namespace",
            policies: meshStrict + namespacePermissive
                + peerAuthentication("w", in: "default", "{selector: {matchLabels: {app: db}}, mtls: {mode: UNSET}}"),
            mode: .permissive,
            source: "PeerAuthentication default/default"
        ),
        .init(
            name: "UNSET namespace inherits mesh",
            policies: meshStrict + peerAuthentication("ns", in: "default", "{mtls: {mode: UNSET}}"),
            mode: .strict,
            source: "PeerAuthentication istio-system/default"
        ),
        .init(
            name: "several selector policies: first by name wins",
            policies: peerAuthentication(
                "b-strict",
                in: "default",
                "{selector: {matchLabels: {app: db}}, mtls: {mode: STRICT}}"
            )
                + peerAuthentication(
                    "a-disable",
                    in: "default",
                    "{selector: {matchLabels: {app: db}}, mtls: {mode: DISABLE}}"
                ),
            mode: .disable,
            source: "PeerAuthentication default/a-disable"
        ),
    ]

    @Test("resolves the mode with Istio's precedence", arguments: cases)
    func resolves(_ testCase: MTLSCase) throws {
        let resources = try ResourceDecoder.decode(testCase.policies)
        let effective = PeerAuthenticationResolver.mode(
            for: testCase.namespace,
            labels: testCase.labels,
            port: testCase.port,
            policies: resources
        )
        #expect(effective.mode == testCase.mode)
        #expect(effective.source == testCase.source)
    }

    @Test("Istio's mesh-wide STRICT snippet in istio-system applies to every namespace by default")
    func istioSystemIsTheDefaultRoot() throws {
        let resources = try ResourceDecoder.decode(meshStrict)
        for namespace in ["default", "shop", "istio-system"] {
            let effective = PeerAuthenticationResolver.mode(for: namespace, labels: [:], port: 80, policies: resources)
            #expect(effective.mode == .strict, "\(namespace)")
        }
    }

    @Test("with another root namespace, its policy is mesh-wide and istio-system's is one namespace's")
    func configuredRoot() throws {
        let resources = try ResourceDecoder.decode(
            meshStrict + peerAuthentication("default", in: "mesh-root", "{mtls: {mode: DISABLE}}"))
        let shop = PeerAuthenticationResolver.mode(
            for: "shop", labels: [:], port: 80, policies: resources, rootNamespace: "mesh-root")
        #expect(shop.mode == .disable)
        #expect(shop.source == "PeerAuthentication mesh-root/default")
        let istio = PeerAuthenticationResolver.mode(
            for: "istio-system", labels: [:], port: 80, policies: resources, rootNamespace: "mesh-root")
        #expect(istio.mode == .strict)
        #expect(istio.source == "PeerAuthentication istio-system/default")
    }
}
