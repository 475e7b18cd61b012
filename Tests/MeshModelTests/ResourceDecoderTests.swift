import Foundation
import MeshModel
import Testing

@Suite("ResourceDecoder")
struct ResourceDecoderTests {
    @Test("every example file decodes without issues", arguments: Examples.fileNames)
    func exampleDecodes(fileName: String) throws {
        let resources = try ResourceDecoder.decode(try Examples.text(fileName))
        #expect(!resources.isEmpty)
    }

    @Test("all-kinds.yaml covers every kind")
    func allKindsCoversEveryKind() throws {
        let resources = try ResourceDecoder.decode(try Examples.text("all-kinds.yaml"))
        #expect(Set(resources.map(\.kind)) == Set(ResourceKind.allCases))
    }

    @Test("the reviews VirtualService decodes into typed values")
    func reviewsVirtualServiceIsTyped() throws {
        let resources = try ResourceDecoder.decode(try Examples.text("virtualservice-reviews.yaml"))
        let resource = try #require(resources.first)
        #expect(resource.key.description == "VirtualService default/reviews")
        guard case .virtualService(let spec) = resource.spec else {
            Issue.record("expected a VirtualService spec")
            return
        }
        #expect(spec.gateways == ["bookinfo-gateway", "mesh"])
        #expect(spec.http[0].match[0].headers["end-user"] == .exact("jason"))
        #expect(spec.http[0].route[0].destination == .init(host: "reviews", subset: "v2"))
        #expect(spec.http[1].route.map(\.weight) == [80, 20])
        #expect(spec.http[1].route.map(\.destination.subset) == ["v1", "v3"])
        #expect(spec.http[1].retries?.attempts == 3)
        #expect(spec.http[1].timeout == "10s")
    }

    @Test("the all-kinds example keeps nested values")
    func allKindsNestedValues() throws {
        let resources = try ResourceDecoder.decode(try Examples.text("all-kinds.yaml"))
        let byKind = Dictionary(uniqueKeysWithValues: resources.map { ($0.kind, $0) })
        guard case .peerAuthentication(let peer)? = byKind[.peerAuthentication]?.spec else {
            Issue.record("missing PeerAuthentication")
            return
        }
        #expect(peer.portLevelMtls["9090"]?.mode == .permissive)
        #expect(peer.mtls?.mode == .strict)
        guard case .virtualService(let service)? = byKind[.virtualService]?.spec else {
            Issue.record("missing VirtualService")
            return
        }
        #expect(byKind[.virtualService]?.apiVersion == "networking.istio.io/v1beta1")
        #expect(service.http[1].directResponse == .init(status: 200, body: .string("ok")))
        #expect(service.http[2].match[0].uri == .regex("^/api/v[0-9]+/.*"))
        #expect(service.http[2].fault?.delay?.percentage?.value == 0.5)
        #expect(service.http[2].mirrorPercentage?.value == 10)
        #expect(service.tcp[0].match[0].port == 9090)
        guard case .destinationRule(let rule)? = byKind[.destinationRule]?.spec else {
            Issue.record("missing DestinationRule")
            return
        }
        #expect(rule.trafficPolicy?.loadBalancer?.consistentHash?.httpCookie?.ttl == "1h")
        #expect(rule.trafficPolicy?.portLevelSettings.first?.loadBalancer?.simple == .random)
    }

    @Test("namespace defaults to default")
    func namespaceDefaults() throws {
        let resources = try ResourceDecoder.decode(
            """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: web}
            spec: {ports: [{number: 80, protocol: http}]}
            """
        )
        #expect(resources.first?.key == ResourceKey(kind: .service, namespace: "default", name: "web"))
        guard case .service(let spec)? = resources.first?.spec else {
            Issue.record("expected a Service")
            return
        }
        #expect(spec.ports == [.init(number: 80, protocol: .http)])
    }

    @Test("JSON objects, arrays and Lists decode")
    func jsonForms() throws {
        let object =
            #"{"apiVersion":"meshbox.io/v1","kind":"Service","metadata":{"name":"a"},"spec":{"ports":[{"number":80}]}}"#
        let second = object.replacingOccurrences(of: #""name":"a""#, with: #""name":"b""#)
        #expect(try ResourceDecoder.decode(object).map(\.metadata.name) == ["a"])
        #expect(try ResourceDecoder.decode("[\(object),\(second)]").map(\.metadata.name) == ["a", "b"])
        let list = #"{"apiVersion":"v1","kind":"List","items":[\#(object),\#(second)]}"#
        #expect(try ResourceDecoder.decode(list).map(\.metadata.name) == ["a", "b"])
    }

    @Test(
        "issues name the resource and the exact field path",
        arguments: [
            (
                "spec: {hosts: [reviews], http: [{mirrorz: {host: reviews}, route: [{destination: {host: reviews}}]}]}",
                ["VirtualService default/reviews: spec.http[0].mirrorz: unknown field"]
            ),
            (
                "spec: {hosts: [reviews], http: [{delegate: {name: x}, route: [{destination: {host: reviews}}]}]}",
                ["VirtualService default/reviews: spec.http[0].delegate: not supported"]
            ),
            (
                "spec: {hosts: [reviews], http: [{match: [{sourceLabels: {app: x}}], route: [{destination: {host: reviews}}]}]}",
                ["VirtualService default/reviews: spec.http[0].match[0].sourceLabels: not supported"]
            ),
            (
                "spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}, weight: \"80\"}]}]}",
                ["VirtualService default/reviews: spec.http[0].route[0].weight: expected integer, got string"]
            ),
            (
                "spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, port: {number: -1}}}]}]}",
                [
                    "VirtualService default/reviews: spec.http[0].route[0].destination.port.number: expected a non-negative integer, got -1"
                ]
            ),
            (
                "spec: {hosts: reviews}",
                ["VirtualService default/reviews: spec.hosts: expected list, got string"]
            ),
            (
                "spec: {hosts: [reviews], http: [{route: [{weight: 100}]}]}",
                ["VirtualService default/reviews: spec.http[0].route[0].destination: missing required field"]
            ),
            (
                "spec: {hosts: [reviews], http: [{match: [{uri: {exact: /a, prefix: /b}}], route: [{destination: {host: a}}]}]}",
                [
                    "VirtualService default/reviews: spec.http[0].match[0].uri: exactly one of exact, prefix or regex must be set"
                ]
            ),
            (
                "spec: {hosts: [reviews], http: [{route: [{destination: {host: a}}], fooBar: 1, retries: {attempts: x}}, {zap: 2, route: [{destination: {host: 7}}]}]}",
                [
                    "VirtualService default/reviews: spec.http[0].fooBar: unknown field",
                    "VirtualService default/reviews: spec.http[0].retries.attempts: expected integer, got string",
                    "VirtualService default/reviews: spec.http[1].zap: unknown field",
                    "VirtualService default/reviews: spec.http[1].route[0].destination.host: expected string, got integer",
                ]
            ),
        ]
    )
    func issuePaths(spec: String, expected: [String]) {
        let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n" + spec
        #expect(issues(text).sorted() == expected.sorted())
    }

    @Test("enum values are checked against Istio's names")
    func enumValues() {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec: {host: reviews, trafficPolicy: {loadBalancer: {simple: FASTEST}}}
            """
        #expect(
            issues(text) == [
                "DestinationRule default/reviews: spec.trafficPolicy.loadBalancer.simple: unknown value \"FASTEST\", "
                    + "expected one of UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST"
            ]
        )
    }

    @Test("quoted YAML numbers are strings, plain ones integers")
    func yamlScalarResolution() {
        let text = """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: web, labels: {version: "1"}}
            spec: {ports: [{number: "80"}]}
            """
        #expect(issues(text) == ["Service default/web: spec.ports[0].number: expected integer, got string"])
    }

    @Test("metadata: unknown and Kubernetes-only fields, and bad names")
    func metadataChecks() {
        let text = """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: Web_1, uid: abc, colour: red}
            spec: {ports: [{number: 80}]}
            """
        #expect(
            issues(text).sorted() == [
                "Service default/Web_1: metadata.colour: unknown field",
                "Service default/Web_1: metadata.name: \"Web_1\" is not a valid Service name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit",
                "Service default/Web_1: metadata.uid: not supported",
            ]
        )
    }

    @Test("kind, apiVersion and top-level problems name the document when there is no identity")
    func documentLevelProblems() {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: Service
            metadata: {name: a}
            spec: {ports: [{number: 80}]}
            ---
            apiVersion: meshbox.io/v1
            kind: Widget
            metadata: {name: b}
            ---
            kind: Service
            metadata: {}
            spec: {ports: []}
            status: {}
            """
        #expect(
            issues(text) == [
                "Service default/a: apiVersion: apiVersion \"networking.istio.io/v1\" is not served for Service, expected one of meshbox.io/v1",
                "document 2: kind: unknown kind \"Widget\", expected one of Gateway, VirtualService, DestinationRule, ServiceEntry, PeerAuthentication, AuthorizationPolicy, RequestAuthentication, Service, Secret",
                "document 3: status: not supported",
                "document 3: apiVersion: missing required field",
                "document 3: metadata.name: missing required field",
            ]
        )
    }

    @Test("a batch with one bad document fails and names only that document")
    func batchWithOneBadDocument() {
        let good = "apiVersion: meshbox.io/v1\nkind: Service\nmetadata: {name: good}\nspec: {ports: [{number: 80}]}\n"
        let bad =
            "apiVersion: meshbox.io/v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{number: 80, colour: red}]}\n"
        #expect(
            issues(good + "---\n" + bad + "---\n" + good.replacingOccurrences(of: "good", with: "fine")) == [
                "Service default/bad: spec.ports[0].colour: unknown field"
            ]
        )
    }

    @Test("a resource twice in one batch is an error")
    func duplicateInBatch() {
        let one = "apiVersion: meshbox.io/v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{number: 80}]}\n"
        #expect(
            issues(one + "---\n" + one) == [
                "Service default/web: metadata.name: duplicate resource, also defined in document 1"
            ]
        )
    }

    @Test("invalid YAML is reported with its document")
    func invalidYAML() {
        let found = issues("kind: [unclosed\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("document 1: invalid YAML") == true)
    }

    @Test("empty input and empty documents decode to nothing")
    func emptyInput() throws {
        #expect(try ResourceDecoder.decode("").isEmpty)
        #expect(try ResourceDecoder.decode("---\n# nothing\n---\n").isEmpty)
    }

    @Test("warnings do not fail decoding but are reported")
    func warningsAreReported() throws {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: web}
            spec: {host: web, trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true}}}
            """
        let result = try ResourceDecoder.decodeReportingWarnings(text)
        #expect(result.resources.count == 1)
        #expect(result.warnings.map(\.severity) == [.warning])
    }
}

/// The descriptions of the issues decoding `text` throws, or `[]` when it decodes.
func issues(_ text: String) -> [String] {
    do {
        _ = try ResourceDecoder.decode(text)
        return []
    } catch {
        return error.issues.map(\.description)
    }
}
