import MeshModel
import Testing

@Suite("Analyzer")
struct AnalyzerTests {
    static func resources(_ text: String) throws -> [Resource] {
        try ResourceDecoder.decode(text)
    }

    static let service = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews}
        spec: {ports: [{number: 9080, protocol: HTTP}]}
        """

    @Test("the reviews examples together raise no warnings")
    func examplesAreConsistent() throws {
        let text = try [
            "gateway.yaml", "virtualservice-reviews.yaml", "destinationrule-reviews.yaml", "service-reviews.yaml",
        ]
        .map(Examples.text)
        .joined(separator: "\n---\n")
        #expect(Analyzer.analyze(try Self.resources(text)).map(\.description) == [])
    }

    @Test("analysing a subset against the whole set gives exactly that subset's issues")
    func subsetAnalysis() throws {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: a}
            spec:
              hosts: [a.example.com]
              gateways: [missing-gateway]
              http: [{route: [{destination: {host: reviews, subset: v9}}]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b}
            spec:
              hosts: [b.example.com]
              gateways: [other-missing]
              http: [{route: [{destination: {host: reviews}}]}]
            """
        let all = try Self.resources(Self.service + "\n---\n" + text)
        let subject = all.filter { $0.metadata.name == "a" }
        let expected = Analyzer.analyze(all).filter { $0.resource == "VirtualService default/a" }
        #expect(!expected.isEmpty)
        #expect(Analyzer.analyze(subject, in: all) == expected)
    }

    @Test("all-kinds.yaml raises no warnings")
    func allKindsIsConsistent() throws {
        #expect(Analyzer.analyze(try Self.resources(try Examples.text("all-kinds.yaml"))).map(\.description) == [])
    }

    @Test("a route to an undefined subset, a missing gateway and an unknown host are reported")
    func missingReferences() throws {
        let text =
            Self.service + """

                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  gateways: [mesh, edge/public]
                  http:
                  - route:
                    - {destination: {host: reviews.default.svc.cluster.local, subset: v9}, weight: 50}
                    - {destination: {host: details}, weight: 50}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}]}
                """
        let warnings = Analyzer.analyze(try Self.resources(text))
        #expect(warnings.allSatisfy { $0.severity == .warning })
        #expect(
            warnings.map(\.description) == [
                "VirtualService default/reviews: spec.gateways[1]: gateway edge/public not found",
                "VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset v9 is not defined by any DestinationRule for host reviews.default.svc.cluster.local",
                "VirtualService default/reviews: spec.http[0].route[1].destination.host: host details is neither a Service nor a ServiceEntry host",
            ]
        )
    }

    @Test("a ServiceEntry host is a valid destination, wildcards included")
    func serviceEntryHosts() throws {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ext}
            spec: {hosts: ["*.example.com"], ports: [{number: 443}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: ext}
            spec: {hosts: [api.example.com], http: [{route: [{destination: {host: api.example.com}}]}]}
            """
        #expect(Analyzer.analyze(try Self.resources(text)).isEmpty)
    }

    @Test("two DestinationRules for one host are reported on the second")
    func conflictingDestinationRules() throws {
        let text =
            Self.service + """

                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: first}
                spec: {host: reviews}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: second}
                spec: {host: reviews.default.svc.cluster.local}
                """
        #expect(
            Analyzer.analyze(try Self.resources(text)).map(\.description) == [
                "DestinationRule default/second: spec.host: DestinationRule default/first also applies to host reviews.default.svc.cluster.local; only one DestinationRule per host takes effect"
            ]
        )
    }

    @Test("a gateway host that no bound VirtualService serves is reported")
    func unservedGatewayHost() throws {
        let text =
            Self.service + """

                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: public}
                spec: {servers: [{port: {number: 80, protocol: HTTP}, hosts: [a.example.com, b.example.com]}]}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec: {hosts: [a.example.com], gateways: [public], http: [{route: [{destination: {host: reviews}}]}]}
                """
        #expect(
            Analyzer.analyze(try Self.resources(text)).map(\.description) == [
                "Gateway default/public: spec.servers[0].hosts[1]: no VirtualService bound to this gateway serves host b.example.com"
            ]
        )
    }
}
