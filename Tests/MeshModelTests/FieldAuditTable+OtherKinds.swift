/// The rest of `FieldAuditTable`: DestinationRule, Gateway, the security kinds, Service,
/// ServiceEntry, Secret and metadata.
extension FieldAuditTable {
    static let otherKinds: [(test: String, fields: [String])] = [
        (
            "notRequestPrincipals in a DENY policy refuses requests without a token (403), lets a verified one through",
            ["AuthorizationPolicySpec.Source.notRequestPrincipals"]
        ),
        ("each fetch gets its rule's timeout, 5s when the rule sets none", ["RequestAuthenticationSpec.JWTRule.timeout"]),
        ("a gateway selection limits the listeners to the selected Gateways", ["GatewaySpec.selector"]),
        (
            "VIPs come from the configured range, show in get svc, survive a restart, refuse collisions and exhaustion",
            ["ServiceSpec.vip"]
        ),
        (
            "when request.headers conditions",
            ["AuthorizationPolicySpec.Condition.key", "AuthorizationPolicySpec.Condition.values",
             "AuthorizationPolicySpec.Rule.when"]
        ),
        (
            "evaluates policies as Istio does",
            ["AuthorizationPolicySpec.Condition.notValues", "AuthorizationPolicySpec.Operation.hosts",
             "AuthorizationPolicySpec.Operation.notHosts", "AuthorizationPolicySpec.Operation.notMethods",
             "AuthorizationPolicySpec.Operation.notPaths", "AuthorizationPolicySpec.Operation.notPorts",
             "AuthorizationPolicySpec.Source.notIpBlocks", "AuthorizationPolicySpec.Source.notNamespaces",
             "AuthorizationPolicySpec.Source.notPrincipals", "AuthorizationPolicySpec.Source.notRemoteIpBlocks"]
        ),
        (
            "ALLOW by path and method; some ALLOW policy and none matching is 403, before any routing",
            ["AuthorizationPolicySpec.Operation.methods", "AuthorizationPolicySpec.Operation.paths",
             "AuthorizationPolicySpec.Rule.From.source", "AuthorizationPolicySpec.Rule.To.operation",
             "AuthorizationPolicySpec.Rule.from", "AuthorizationPolicySpec.Rule.to", "AuthorizationPolicySpec.rules"]
        ),
        (
            "ALLOW by namespace, ipBlocks and ports",
            ["AuthorizationPolicySpec.Operation.ports"]
        ),
        (
            "ipBlocks match the peer address: 127.0.0.1 is allowed, another CIDR is not",
            ["AuthorizationPolicySpec.Source.ipBlocks"]
        ),
        (
            "on a MUTUAL server, principals and namespaces match the client certificate's SPIFFE ID",
            ["AuthorizationPolicySpec.Source.namespaces", "AuthorizationPolicySpec.Source.principals"]
        ),
        (
            "remoteIpBlocks read X-Forwarded-For only through the trusted proxies",
            ["AuthorizationPolicySpec.Source.remoteIpBlocks"]
        ),
        (
            "requestPrincipals allow the named iss/sub and deny others (403) and requests without a token",
            ["AuthorizationPolicySpec.Source.requestPrincipals"]
        ),
        (
            "DENY is decided before ALLOW; with no ALLOW policy everything else is allowed",
            ["AuthorizationPolicySpec.action"]
        ),
        (
            "policies of another namespace or with a selector not matching the Gateway do not apply",
            ["AuthorizationPolicySpec.selector"]
        ),
        (
            "MUTUAL with files: client certificate and CA secrets; DISABLE in a subset turns TLS off there",
            ["DestinationRuleSpec.ClientTLSSettings.caCertificates",
             "DestinationRuleSpec.ClientTLSSettings.clientCertificate",
             "DestinationRuleSpec.ClientTLSSettings.privateKey"]
        ),
        (
            "credentialName: the DestinationRule namespace's Secret travels inline; MUTUAL takes its certificate too",
            ["DestinationRuleSpec.ClientTLSSettings.credentialName"]
        ),
        (
            "insecureSkipVerify is honoured with a warning at the field that set it",
            ["DestinationRuleSpec.ClientTLSSettings.insecureSkipVerify"]
        ),
        (
            "upstream TLS modes map to upstream TLS with secrets",
            ["DestinationRuleSpec.ClientTLSSettings.mode", "DestinationRuleSpec.PortTrafficPolicy.tls",
             "DestinationRuleSpec.TrafficPolicy.tls"]
        ),
        (
            "SNI: sni, else Istio's outbound name for ISTIO_MUTUAL, else the service host; never an IP address",
            ["DestinationRuleSpec.ClientTLSSettings.sni"]
        ),
        (
            "DestinationRule subjectAltNames win over the service's identity",
            ["DestinationRuleSpec.ClientTLSSettings.subjectAltNames"]
        ),
        (
            "port protocol and h2UpgradePolicy decide",
            ["DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.h2UpgradePolicy"]
        ),
        (
            "policies merge per component: subset port-level > subset > top port-level > top",
            ["DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.http1MaxPendingRequests",
             "DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.maxRetries",
             "DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.connectTimeout",
             "DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.maxConnections",
             "DestinationRuleSpec.ConnectionPoolSettings.tcp", "DestinationRuleSpec.LoadBalancerSettings.simple",
             "DestinationRuleSpec.OutlierDetection.baseEjectionTime",
             "DestinationRuleSpec.OutlierDetection.interval",
             "DestinationRuleSpec.OutlierDetection.maxEjectionPercent",
             "DestinationRuleSpec.PortTrafficPolicy.connectionPool",
             "DestinationRuleSpec.PortTrafficPolicy.loadBalancer",
             "DestinationRuleSpec.PortTrafficPolicy.outlierDetection", "DestinationRuleSpec.PortTrafficPolicy.port",
             "DestinationRuleSpec.Subset.trafficPolicy", "DestinationRuleSpec.TrafficPolicy.connectionPool",
             "DestinationRuleSpec.TrafficPolicy.loadBalancer", "DestinationRuleSpec.TrafficPolicy.outlierDetection",
             "DestinationRuleSpec.TrafficPolicy.portLevelSettings", "DestinationRuleSpec.trafficPolicy"]
        ),
        (
            "an idle session closes after the cluster's idle timeout; a protocol switch drains the old one",
            ["DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.idleTimeout"]
        ),
        (
            "the cluster's maxConcurrentStreams caps streams per connection below the server's limit",
            ["DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.maxConcurrentStreams"]
        ),
        (
            "maxRequestsPerConnection: a session carries that many streams, then a new one takes over",
            ["DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.maxRequestsPerConnection",
             "DestinationRuleSpec.ConnectionPoolSettings.http"]
        ),
        (
            "useClientProtocol: HTTP/2 upstream for an HTTP/2 client, HTTP/1.1 for an HTTP/1.1 client",
            ["DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.useClientProtocol"]
        ),
        (
            "connectionPool.tcp.tcpKeepalive turns on TCP keepalive, with its idle time, on upstream connections",
            ["DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.TCPKeepalive.interval",
             "DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.TCPKeepalive.probes",
             "DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.TCPKeepalive.time",
             "DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.tcpKeepalive"]
        ),
        (
            "connectionPool.tcp.maxConnectionDuration: an upstream connection past it takes no new request",
            ["DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.maxConnectionDuration"]
        ),
        (
            "a consistent hash becomes a route hash policy and a ring hash or Maglev cluster",
            ["DestinationRuleSpec.ConsistentHashLB.HTTPCookie.name",
             "DestinationRuleSpec.ConsistentHashLB.HTTPCookie.ttl",
             "DestinationRuleSpec.ConsistentHashLB.MagLev.tableSize",
             "DestinationRuleSpec.ConsistentHashLB.RingHash.minimumRingSize",
             "DestinationRuleSpec.ConsistentHashLB.httpCookie",
             "DestinationRuleSpec.ConsistentHashLB.httpHeaderName",
             "DestinationRuleSpec.ConsistentHashLB.httpQueryParameterName",
             "DestinationRuleSpec.ConsistentHashLB.maglev", "DestinationRuleSpec.ConsistentHashLB.ringHash",
             "DestinationRuleSpec.ConsistentHashLB.useSourceIp",
             "DestinationRuleSpec.LoadBalancerSettings.consistentHash"]
        ),
        (
            "outlier detection ejects a backend that keeps failing",
            ["DestinationRuleSpec.OutlierDetection.consecutive5xxErrors"]
        ),
        (
            "subsets select endpoints by label; unhealthy instances stay, marked unhealthy",
            ["DestinationRuleSpec.Subset.labels", "DestinationRuleSpec.Subset.name", "DestinationRuleSpec.host",
             "DestinationRuleSpec.subsets"]
        ),
        (
            "\".\" and namespace names are refused with the entry's path on every kind",
            ["DestinationRuleSpec.exportTo", "ServiceEntrySpec.exportTo"]
        ),
        (
            "an HTTPS SIMPLE server becomes a filter chain with SNI, the credential and its own routes",
            ["GatewaySpec.Port.number", "GatewaySpec.Port.protocol", "GatewaySpec.Server.hosts",
             "GatewaySpec.Server.port", "GatewaySpec.Server.tls", "GatewaySpec.ServerTLSSettings.mode",
             "GatewaySpec.ServerTLSSettings.privateKey", "GatewaySpec.ServerTLSSettings.serverCertificate",
             "GatewaySpec.servers"]
        ),
        (
            "MUTUAL checks client certificates against the Secret's ca.crt",
            ["GatewaySpec.ServerTLSSettings.caCertificates"]
        ),
        (
            "SIMPLE serves the Secret's certificate; a replaced Secret reaches new connections and open ones keep going",
            ["GatewaySpec.ServerTLSSettings.credentialName"]
        ),
        (
            "an httpsRedirect server answers 301 to https even for a host no VirtualService routes",
            ["GatewaySpec.ServerTLSSettings.httpsRedirect"]
        ),
        (
            "subjectAltNames refuses a certificate without an allowed SAN and accepts one with it",
            ["GatewaySpec.ServerTLSSettings.subjectAltNames"]
        ),
        (
            "MUTUAL with certificate pins admits only the pinned certificates of the trusted CA",
            ["GatewaySpec.ServerTLSSettings.verifyCertificateHash",
             "GatewaySpec.ServerTLSSettings.verifyCertificateSpki"]
        ),
        (
            "a resource twice in one batch is an error",
            ["ObjectMeta.name"]
        ),
        (
            "namespace defaults to default",
            ["ObjectMeta.namespace"]
        ),
        (
            "STRICT refuses plain text with the policy in the reason, and accepts tunnelled mTLS",
            ["PeerAuthenticationSpec.MutualTLS.mode", "PeerAuthenticationSpec.mtls"]
        ),
        (
            "mTLS precedence: workload port over workload over namespace over the root namespace",
            ["PeerAuthenticationSpec.portLevelMtls"]
        ),
        (
            "policies of the root namespace and of the workload's namespace whose selector matches, in key order",
            ["PeerAuthenticationSpec.selector", "WorkloadSelector.matchLabels"]
        ),
        (
            "fromHeaders with a prefix, forwardOriginalToken, outputPayloadToHeader and outputClaimToHeaders",
            ["RequestAuthenticationSpec.ClaimToHeader.claim", "RequestAuthenticationSpec.ClaimToHeader.header",
             "RequestAuthenticationSpec.JWTHeader.name", "RequestAuthenticationSpec.JWTHeader.prefix",
             "RequestAuthenticationSpec.JWTRule.forwardOriginalToken",
             "RequestAuthenticationSpec.JWTRule.fromHeaders",
             "RequestAuthenticationSpec.JWTRule.outputClaimToHeaders",
             "RequestAuthenticationSpec.JWTRule.outputPayloadToHeader"]
        ),
        (
            "expired, wrong audience, wrong issuer, bad signature and malformed tokens get 401 with the reason in the access log",
            ["RequestAuthenticationSpec.JWTRule.audiences", "RequestAuthenticationSpec.JWTRule.issuer",
             "RequestAuthenticationSpec.JWTRule.jwks", "RequestAuthenticationSpec.jwtRules"]
        ),
        (
            "tokens are found in the configured header, parameter or cookie; elsewhere they are not looked for",
            ["RequestAuthenticationSpec.JWTRule.fromCookies", "RequestAuthenticationSpec.JWTRule.fromParams"]
        ),
        (
            "a jwksUri key rotation is picked up at the next refresh; a failed refresh keeps the keys",
            ["RequestAuthenticationSpec.JWTRule.jwksUri"]
        ),
        (
            "root-namespace and gateway-namespace resources whose selector matches the Gateway's apply, rule by rule",
            ["RequestAuthenticationSpec.selector"]
        ),
        (
            "base64 data decodes to the same checks as stringData",
            ["SecretSpec.data"]
        ),
        (
            "SIMPLE: the Secret in the Gateway's namespace is served, inline, under Istio's SDS name",
            ["SecretSpec.stringData"]
        ),
        (
            "maps each endpoint of a STATIC ServiceEntry to a passing instance",
            ["ServiceEntrySpec.Port.name", "ServiceEntrySpec.Port.number", "ServiceEntrySpec.Port.protocol",
             "ServiceEntrySpec.endpoints", "ServiceEntrySpec.ports", "WorkloadEntry.address", "WorkloadEntry.ports"]
        ),
        (
            "a ServiceEntry host without addresses is served at its VIP by its host name",
            ["ServiceEntrySpec.hosts"]
        ),
        (
            "DNS_ROUND_ROBIN: one instance, the first address of the answer",
            ["ServiceEntrySpec.resolution"]
        ),
        (
            "a Service with a VIP gets a proxy listener per port that owns no socket, routed by its names",
            ["ServiceSpec.Port.name", "ServiceSpec.Port.number", "ServiceSpec.Port.protocol", "ServiceSpec.ports"]
        ),
        (
            "endpoints take the instance port by name or target port",
            ["ServiceSpec.Port.targetPort"]
        ),
        (
            "endpoint hostnames are resolved (AAAA too) with the endpoint's labels; an IP endpoint stays as written",
            ["WorkloadEntry.labels"]
        ),
    ]
}
