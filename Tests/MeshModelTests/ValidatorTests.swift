import MeshModel
import Testing

/// Decodes one resource of `kind` named `x` with `spec` (flow YAML) and returns every issue as `path: message`.
func validation(_ kind: ResourceKind, _ spec: String, name: String = "x") -> [String] {
    let text =
        "apiVersion: \(kind.preferredAPIVersion)\nkind: \(kind.rawValue)\nmetadata: {name: \(name)}\nspec: \(spec)\n"
    let found: [FieldIssue]
    do {
        found = try ResourceDecoder.decodeReportingWarnings(text).warnings
    } catch {
        found = error.issues
    }
    return found.map { $0.path.isEmpty ? $0.message : "\($0.path): \($0.message)" }
}

struct ValidationCase: CustomTestStringConvertible, Sendable {
    let kind: ResourceKind
    let spec: String
    let expected: [String]
    var testDescription: String { "\(kind.rawValue) \(spec)" }

    init(_ kind: ResourceKind, _ spec: String, _ expected: [String]) {
        self.kind = kind
        self.spec = spec
        self.expected = expected
    }
}

@Suite("Validator")
struct ValidatorTests {
    static let route = "route: [{destination: {host: reviews}}]"

    static let virtualServiceCases: [ValidationCase] = [
        .init(.virtualService, "{hosts: [reviews], http: [{\(route)}]}", []),
        .init(.virtualService, "{http: [{\(route)}]}", ["spec.hosts: a virtual service needs at least one host"]),
        .init(
            .virtualService,
            "{hosts: [\"*\"], http: [{\(route)}]}",
            [
                "spec.hosts[0]: host * is only allowed for virtual services bound to gateways only (not mesh)"
            ]
        ),
        .init(.virtualService, "{hosts: [\"*\"], gateways: [gw], http: [{\(route)}]}", []),
        .init(
            .virtualService,
            "{hosts: [\"a*.example.com\"], http: [{\(route)}]}",
            [
                "spec.hosts[0]: invalid host a*.example.com: \"a*\" is not a DNS label"
            ]
        ),
        .init(.virtualService, "{hosts: [\"*.example.com\", 10.0.0.1], http: [{\(route)}]}", []),
        .init(
            .virtualService,
            "{hosts: [a], gateways: [\"a/b/c\"], http: [{\(route)}]}",
            [
                "spec.gateways[0]: invalid gateway \"a/b/c\", expected mesh, name or namespace/name"
            ]
        ),
        .init(.virtualService, "{hosts: [a]}", ["spec: a virtual service needs http, tls or tcp routes"]),
        .init(
            .virtualService,
            "{hosts: [a], http: [{route: [{destination: {host: a}, weight: 80}, {destination: {host: b}, weight: 30}]}]}",
            [
                "spec.http[0].route: the weights of the destinations sum to 110, not 100"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{route: [{destination: {host: a}, weight: 101}]}]}",
            [
                "spec.http[0].route[0].weight: weight 101 must be in the range 0..100"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{route: [{destination: {host: a}}, {destination: {host: b}}]}]}",
            []
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{route: [{destination: {host: a, subset: V1}}]}]}",
            [
                "spec.http[0].route[0].destination.subset: \"V1\" is not a valid subset name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{route: [{destination: {host: a, port: {number: 70000}}}]}]}",
            [
                "spec.http[0].route[0].destination.port.number: port number 70000 must be in the range 1..65535"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{match: [{uri: {regex: \"a(b\"}}], \(route)}]}",
            [
                "spec.http[0].match[0].uri.regex: invalid regex \"a(b\": missing ): a(b"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{timeout: 10, \(route)}]}",
            [
                "spec.http[0].timeout: expected string, got integer"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{timeout: 10x, \(route)}]}",
            [
                "spec.http[0].timeout: invalid duration \"10x\", expected a number with a unit such as 100ms, 1.5s, 2m or 1h"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{timeout: 100us, \(route)}]}",
            [
                "spec.http[0].timeout: duration must be at least 1ms"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{redirect: {uri: /b}, \(route)}]}",
            [
                "spec.http[0]: a route cannot have both route and redirect"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{directResponse: {status: 204}, \(route)}]}",
            [
                "spec.http[0]: a route cannot have both route and directResponse"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{directResponse: {status: 99}}]}",
            [
                "spec.http[0].directResponse.status: status 99 must be in the range 200..599"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{name: r}]}",
            [
                "spec.http[0].route: one of route, redirect or directResponse is required"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{redirect: {redirectCode: 300, uri: /x}}]}",
            [
                "spec.http[0].redirect.redirectCode: redirect code 300 must be one of 301, 302, 303, 307, 308"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{redirect: {port: 8080, derivePort: FROM_REQUEST_PORT}}]}",
            [
                "spec.http[0].redirect: a redirect cannot have both port and derivePort"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{retries: {attempts: -1}, \(route)}]}",
            [
                "spec.http[0].retries.attempts: attempts must not be negative"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{retries: {attempts: 2, retryOn: \"5xx,503,gateway-error,bogus\"}, \(route)}]}",
            [
                "spec.http[0].retries.retryOn: unknown retry condition \"bogus\""
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{fault: {abort: {httpStatus: 600, percentage: {value: 101}}}, \(route)}]}",
            [
                "spec.http[0].fault.abort.httpStatus: status 600 must be in the range 200..599",
                "spec.http[0].fault.abort.percentage.value: percentage 101 must be in the range 0..100",
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{fault: {}, \(route)}]}",
            [
                "spec.http[0].fault: fault injection needs a delay, an abort or both"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{name: r, \(route)}, {name: r, \(route)}]}",
            [
                "spec.http[1].name: route name \"r\" is already used by http[0]"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{rewrite: {uri: /, uriRegexRewrite: {match: x, rewrite: y}}, \(route)}]}",
            [
                "spec.http[0].rewrite: a rewrite cannot have both uri and uriRegexRewrite"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{mirrorPercentage: {value: 5}, \(route)}]}",
            [
                "spec.http[0].mirrorPercentage: has no effect without mirror"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], http: [{corsPolicy: {allowMethods: [GET, FETCH]}, \(route)}]}",
            [
                "spec.http[0].corsPolicy.allowMethods[1]: unknown HTTP method \"FETCH\""
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a.example.com], tls: [{match: [{sniHosts: [b.example.com]}], \(route)}]}",
            [
                "spec.tls[0].match[0].sniHosts[0]: SNI host b.example.com does not match any host of the virtual service"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], tcp: [{match: [{destinationSubnets: [10.0.0.0/33]}], \(route)}]}",
            [
                "spec.tcp[0].match[0].destinationSubnets: not supported"
            ]
        ),
        .init(
            .virtualService,
            "{hosts: [a], exportTo: [\"*\", \".\"], http: [{\(route)}]}",
            [
                "spec.exportTo[1]: \".\" is not supported: meshbox exports to every namespace, only \"*\" is accepted"
            ]
        ),
    ]

    static let gatewayCases: [ValidationCase] = [
        .init(.gateway, "{servers: [{port: {number: 80, protocol: HTTP}, hosts: [\"*\"]}]}", []),
        .init(.gateway, "{servers: []}", ["spec.servers: a gateway needs at least one server"]),
        .init(
            .gateway,
            "{servers: [{port: {number: 80, protocol: HTTP}}]}",
            ["spec.servers[0].hosts: a server needs at least one host"]
        ),
        .init(.gateway, "{servers: [{hosts: [a.com]}]}", ["spec.servers[0].port: missing required field"]),
        .init(
            .gateway,
            "{servers: [{port: {number: 443, protocol: HTTPS}, hosts: [a.com]}]}",
            [
                "spec.servers[0].tls: an HTTPS server needs TLS settings"
            ]
        ),
        .init(
            .gateway,
            "{servers: [{port: {number: 443, protocol: HTTPS}, hosts: [a.com], tls: {mode: SIMPLE}}]}",
            [
                "spec.servers[0].tls.serverCertificate: SIMPLE TLS needs credentialName or serverCertificate",
                "spec.servers[0].tls.privateKey: SIMPLE TLS needs credentialName or privateKey",
            ]
        ),
        .init(
            .gateway,
            "{servers: [{port: {number: 443, protocol: HTTPS}, hosts: [a.com], tls: {mode: MUTUAL, serverCertificate: c, privateKey: k}}]}",
            [
                "spec.servers[0].tls.caCertificates: MUTUAL TLS needs caCertificates to verify clients"
            ]
        ),
        .init(
            .gateway,
            "{servers: [{port: {number: 443, protocol: HTTPS}, hosts: [a.com], tls: {mode: MUTUAL, credentialName: c}}]}",
            []
        ),
        .init(
            .gateway,
            "{servers: [{port: {number: 80, protocol: HTTP}, hosts: [a.com], tls: {mode: SIMPLE, credentialName: c}}]}",
            [
                "spec.servers[0].tls: TLS settings other than httpsRedirect need an HTTPS or TLS port"
            ]
        ),
        .init(
            .gateway,
            "{servers: [{port: {number: 80, protocol: HTTP}, hosts: [\"bad/ns/a.com\"]}]}",
            [
                "spec.servers[0].hosts[0]: invalid host bad/ns/a.com: expected [namespace/]host"
            ]
        ),
        .init(
            .gateway,
            "{servers: [{name: s, port: {number: 80, protocol: HTTP}, hosts: [a.com]}, {name: s, port: {number: 80, protocol: TCP}, hosts: [b.com]}]}",
            [
                "spec.servers[1].name: server name \"s\" is already used by servers[0]",
                "spec.servers[1].port: port 80 is used with protocol HTTP by servers[0] and TCP here",
            ]
        ),
        .init(
            .gateway,
            "{servers: [{port: {number: 80, protocol: FTP}, hosts: [a.com]}]}",
            [
                "spec.servers[0].port.protocol: unknown protocol \"FTP\", expected one of HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TCP, TLS, UDP, MONGO, MYSQL, REDIS"
            ]
        ),
    ]

    static let destinationRuleCases: [ValidationCase] = [
        .init(.destinationRule, "{host: reviews, subsets: [{name: v1, labels: {version: v1}}]}", []),
        .init(
            .destinationRule,
            "{host: reviews, subsets: [{name: v1, labels: {version: v1}}, {name: v1, labels: {version: v2}}]}",
            [
                "spec.subsets[1].name: subset name \"v1\" is already used by subsets[0]"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, subsets: [{name: v_1, labels: {version: \"-v\"}}]}",
            [
                "spec.subsets[0].name: \"v_1\" is not a valid subset name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit",
                "spec.subsets[0].labels.version: invalid label value \"-v\": at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}}}",
            [
                "spec.trafficPolicy.loadBalancer: only one of simple or consistentHash can be set"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}}}",
            [
                "spec.trafficPolicy.loadBalancer.consistentHash: exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName must be set"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65536}}}}}",
            [
                "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: table size 65536 must be a prime number"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, ringHash: {minimumRingSize: 0}}}}}",
            [
                "spec.trafficPolicy.loadBalancer.consistentHash.ringHash.minimumRingSize: minimum ring size 0 must be in the range 1..8388608"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {outlierDetection: {maxEjectionPercent: 120, interval: 0s}}}",
            [
                "spec.trafficPolicy.outlierDetection.interval: duration must be at least 1ms",
                "spec.trafficPolicy.outlierDetection.maxEjectionPercent: percentage 120 must be in the range 0..100",
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {connectionPool: {tcp: {maxConnections: -1}}}}",
            [
                "spec.trafficPolicy.connectionPool.tcp.maxConnections: must not be negative"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {tls: {mode: MUTUAL}}}",
            [
                "spec.trafficPolicy.tls.clientCertificate: MUTUAL TLS needs credentialName or clientCertificate",
                "spec.trafficPolicy.tls.privateKey: MUTUAL TLS needs credentialName or privateKey",
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {tls: {mode: ISTIO_MUTUAL, caCertificates: ca.pem}}}",
            [
                "spec.trafficPolicy.tls: ISTIO_MUTUAL cannot have clientCertificate, privateKey, caCertificates or credentialName"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {}}",
            [
                "spec.trafficPolicy: a traffic policy must set at least one field"
            ]
        ),
        .init(
            .destinationRule,
            "{host: reviews, trafficPolicy: {portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: RANDOM}}, {port: {number: 80}, loadBalancer: {simple: RANDOM}}]}}",
            [
                "spec.trafficPolicy.portLevelSettings[1].port.number: port 80 is already set by portLevelSettings[0]"
            ]
        ),
    ]

    static let serviceEntryCases: [ValidationCase] = [
        .init(.serviceEntry, "{hosts: [api.example.com], ports: [{number: 443, name: tls}], resolution: DNS}", []),
        .init(
            .serviceEntry,
            "{hosts: [api.example.com], ports: [{number: 443}], resolution: STATIC}",
            [
                "spec.endpoints: STATIC resolution needs endpoints"
            ]
        ),
        .init(
            .serviceEntry,
            "{hosts: [api.example.com], ports: [{number: 443}], resolution: STATIC, endpoints: [{address: api.internal}]}",
            [
                "spec.endpoints[0].address: \"api.internal\" is not an IP address (STATIC resolution)"
            ]
        ),
        .init(
            .serviceEntry,
            "{hosts: [api.example.com], ports: [{number: 443, name: a}, {number: 443, name: a}], resolution: DNS}",
            [
                "spec.ports[1].number: port 443 is already used by ports[0]",
                "spec.ports[1].name: port name \"a\" is already used by ports[0]",
            ]
        ),
        .init(.serviceEntry, "{hosts: [\"*\"], ports: [{number: 80}]}", ["spec.hosts[0]: host * is not allowed here"]),
        .init(
            .serviceEntry,
            "{hosts: [a.com], ports: [{number: 80, name: http}], resolution: STATIC, endpoints: [{address: 1.2.3.4, ports: {grpc: 9090}}]}",
            [
                "spec.endpoints[0].ports.grpc: no port named \"grpc\" in spec.ports"
            ]
        ),
        .init(
            .serviceEntry,
            "{hosts: [a.com], ports: [{number: 80}], addresses: [300.1.1.1]}",
            [
                "spec.addresses[0]: \"300.1.1.1\" is not an IP address or CIDR block"
            ]
        ),
    ]

    static let securityCases: [ValidationCase] = [
        .init(.peerAuthentication, "{mtls: {mode: STRICT}}", []),
        .init(
            .peerAuthentication,
            "{portLevelMtls: {\"8080\": {mode: DISABLE}}}",
            [
                "spec.portLevelMtls: portLevelMtls requires a selector with matchLabels"
            ]
        ),
        .init(
            .peerAuthentication,
            "{selector: {matchLabels: {app: a}}, portLevelMtls: {http: {mode: DISABLE}}}",
            [
                "spec.portLevelMtls.http: \"http\" is not a port number in the range 1..65535"
            ]
        ),
        .init(
            .authorizationPolicy,
            "{action: CUSTOM, rules: [{}]}",
            [
                "spec.action: not supported (CUSTOM needs an external authorization provider)"
            ]
        ),
        .init(.authorizationPolicy, "{action: DENY}", ["spec.rules: a DENY policy without rules denies nothing"]),
        .init(
            .authorizationPolicy,
            "{rules: [{from: [{source: {ipBlocks: [1.2.3.4/40]}}], to: [{operation: {ports: [http]}}]}]}",
            [
                "spec.rules[0].from[0].source.ipBlocks[0]: \"1.2.3.4/40\" is not an IP address or CIDR block",
                "spec.rules[0].to[0].operation.ports[0]: \"http\" is not a port number in the range 1..65535",
            ]
        ),
        .init(
            .authorizationPolicy,
            "{rules: [{from: [{source: {}}], to: [{operation: {paths: [\"/a*b\"]}}]}]}",
            [
                "spec.rules[0].from[0].source: source must set at least one field",
                "spec.rules[0].to[0].operation.paths[0]: \"/a*b\" is not a path: it starts with / and may only have * as a whole prefix or suffix",
            ]
        ),
        .init(
            .authorizationPolicy,
            "{rules: [{when: [{key: \"request.auth.claims[]\", values: [x]}, {key: source.ip}]}]}",
            [
                "spec.rules[0].when[0].key: invalid key \"request.auth.claims[]\", expected request.auth.claims[<name>] or claims[<name>][<name>]…",
                "spec.rules[0].when[1]: at least one of values or notValues must be set",
            ]
        ),
        .init(
            .authorizationPolicy,
            "{rules: [{from: [{source: {requestPrincipals: [\"*\"], notRequestPrincipals: [\"\"]}}]}]}",
            [
                "spec.rules[0].from[0].source.notRequestPrincipals[0]: request principal must not be empty"
            ]
        ),
        .init(
            .authorizationPolicy,
            "{provider: {name: opa}, action: CUSTOM}",
            [
                "spec.provider: not supported"
            ]
        ),
    ]

    static let serviceCases: [ValidationCase] = [
        .init(.service, "{ports: [{name: http, number: 80, protocol: HTTP}], vip: \"fd00::1\"}", []),
        .init(.service, "{ports: []}", ["spec.ports: a service needs at least one port"]),
        .init(
            .service,
            "{ports: [{number: 80}], vip: 10.0.0.256}",
            ["spec.vip: \"10.0.0.256\" is not an IPv4 or IPv6 address"]
        ),
        .init(.service, "{ports: [{number: 80}], vip: 10.96.0.20}", []),
        .init(.service, "{ports: [{number: 80}], vip: 127.0.0.9}", ["spec.vip: 127.0.0.9 is a loopback address"]),
        .init(.service, "{ports: [{number: 80}], vip: 239.1.2.3}", ["spec.vip: 239.1.2.3 is a multicast address"]),
        .init(.service, "{ports: [{number: 80}], vip: \"::\"}", ["spec.vip: :: is the unspecified address"]),
        .init(.service, "{ports: [{number: 80}], vip: 0.0.0.0}", ["spec.vip: 0.0.0.0 is in 0.0.0.0/8 (this network)"]),
        .init(.service, "{ports: [{number: 80}], vip: \"ff02::1\"}", ["spec.vip: ff02::1 is a multicast address"]),
        .init(
            .service,
            "{ports: [{name: a, number: 80}, {name: a, number: 80}]}",
            [
                "spec.ports[1].number: port 80 is already used by ports[0]",
                "spec.ports[1].name: port name \"a\" is already used by ports[0]",
            ]
        ),
        .init(
            .service,
            "{ports: [{number: 6379, protocol: REDIS}]}",
            ["spec.ports[0].protocol: protocol REDIS is not supported"]
        ),
        // UDP ports are carried by the node proxy's kernel DNAT rules (docs/proxy.md, UDP services).
        .init(.service, "{ports: [{name: dns, number: 53, protocol: UDP}, {name: dns-tcp, number: 53, protocol: TCP}]}", ["spec.ports[1].number: port 53 is already used by ports[0]"]),
        .init(.service, "{ports: [{name: syslog, number: 514, protocol: UDP}]}", []),
        .init(
            .service,
            "{ports: [{number: 0}]}",
            ["spec.ports[0].number: port number 0 must be in the range 1..65535"]
        ),
    ]

    @Test("VirtualService rules", arguments: virtualServiceCases)
    func virtualService(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("Gateway rules", arguments: gatewayCases)
    func gateway(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("DestinationRule rules", arguments: destinationRuleCases)
    func destinationRule(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("ServiceEntry rules", arguments: serviceEntryCases)
    func serviceEntry(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("a ServiceEntry lists at most 1,000 hosts")
    func serviceEntryHostBound() {
        func spec(_ count: Int) -> String {
            "{hosts: [" + (0..<count).map { "h\($0).example.com" }.joined(separator: ", ") + "], ports: [{number: 80}]}"
        }
        #expect(validation(.serviceEntry, spec(1_000)) == [])
        #expect(validation(.serviceEntry, spec(1_001)) == ["spec.hosts: 1001 hosts; at most 1000 in one ServiceEntry (split it)"])
    }

    @Test("PeerAuthentication and AuthorizationPolicy rules", arguments: securityCases)
    func security(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("Service rules", arguments: serviceCases)
    func service(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("a Service name must be a DNS label, other names DNS subdomains")
    func metadataNames() {
        #expect(
            validation(.service, "{ports: [{number: 80}]}", name: "a.b") == [
                "metadata.name: \"a.b\" is not a valid Service name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit"
            ]
        )
        #expect(validation(.destinationRule, "{host: a}", name: "a.b").isEmpty)
    }

    @Test("validating a resource built in code")
    func validateInCode() {
        let resource = Resource(
            metadata: ObjectMeta(name: "web", namespace: "Bad_NS"),
            spec: .service(ServiceSpec(ports: [.init(number: 80)], vip: "nope"))
        )
        #expect(
            Validator.validate(resource).map(\.description) == [
                "Service Bad_NS/web: metadata.namespace: \"Bad_NS\" is not a valid namespace: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit",
                "Service Bad_NS/web: spec.vip: \"nope\" is not an IPv4 or IPv6 address",
            ]
        )
        #expect(!Validator.isValid(resource))
    }
}
