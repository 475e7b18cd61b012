/// The coverage table of `FieldAuditTests`: for each field the strict decoder accepts (`Type.key`,
/// as `FieldAuditProbe` names it), the test that shows its effect: a `@Test` title or a test
/// function's name, anywhere under Tests/ (the audit checks that it exists).
enum FieldAuditTable {
    /// Field → the test that shows its effect.
    static let effects: [String: String] = Dictionary(
        (virtualService + otherKinds).flatMap { test, fields in fields.map { ($0, test) } }, uniquingKeysWith: { first, _ in first })

    /// Accepted fields with no effect test found: a finding each (an effect test to write and name
    /// here, or a refusal in the type's `unsupportedFields`), never a place to park a new field.
    static let unaudited: Set<String> = [
        "DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.http2MaxRequests",
        "DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.idleTimeout",
        "DestinationRuleSpec.ConsistentHashLB.HTTPCookie.path",
        "DestinationRuleSpec.OutlierDetection.consecutiveGatewayErrors",
        "DestinationRuleSpec.OutlierDetection.minHealthPercent",
        "GatewaySpec.Port.name",
        "GatewaySpec.Server.name",
        "GatewaySpec.ServerTLSSettings.cipherSuites",
        "GatewaySpec.ServerTLSSettings.maxProtocolVersion",
        "GatewaySpec.ServerTLSSettings.minProtocolVersion",
        "ObjectMeta.annotations",
        "ObjectMeta.labels",
        "SecretSpec.type",
        "ServiceEntrySpec.Port.targetPort",
        "ServiceEntrySpec.addresses",
        "ServiceEntrySpec.location",
        "VirtualServiceSpec.HTTPBody.bytes",
        "VirtualServiceSpec.HTTPCompression.contentTypes",
        "VirtualServiceSpec.HTTPMatchRequest.authority",
        "VirtualServiceSpec.HTTPMatchRequest.gateways",
        "VirtualServiceSpec.HTTPMatchRequest.scheme",
        "VirtualServiceSpec.HTTPRedirect.derivePort",
        "VirtualServiceSpec.HTTPRedirect.port",
        "VirtualServiceSpec.HTTPRedirect.scheme",
        "VirtualServiceSpec.HTTPRetry.perTryTimeout",
        "VirtualServiceSpec.L4MatchAttributes.gateways",
        "VirtualServiceSpec.L4MatchAttributes.port",
        "VirtualServiceSpec.TLSMatchAttributes.gateways",
        "VirtualServiceSpec.TLSMatchAttributes.port",
        // Lands on the registry instance (shown by "a ServiceEntry endpoint's serviceAccount becomes
        // its instance's, default otherwise"), but ISTIO_MUTUAL's subject names read only API
        // instances and ServiceEntry instances run on no node: no effect on traffic yet.
        "WorkloadEntry.serviceAccount",
        "WorkloadEntry.weight",
    ]

    /// VirtualService and the types it shares (StringMatch, Percent, PortSelector).
    static let virtualService: [(test: String, fields: [String])] = [
        (
            "rewrite, retries, fault, mirror, CORS and headers map to the route",
            ["Percent.value", "PortSelector.number", "VirtualServiceSpec.CorsPolicy.allowMethods",
             "VirtualServiceSpec.CorsPolicy.allowOrigins", "VirtualServiceSpec.CorsPolicy.maxAge",
             "VirtualServiceSpec.Destination.port", "VirtualServiceSpec.HTTPRewrite.authority",
             "VirtualServiceSpec.HTTPRewrite.uri", "VirtualServiceSpec.HTTPRoute.headers",
             "VirtualServiceSpec.HTTPRoute.mirrorPercentage", "VirtualServiceSpec.HTTPRoute.rewrite",
             "VirtualServiceSpec.HTTPRouteDestination.headers", "VirtualServiceSpec.HeaderOperations.add",
             "VirtualServiceSpec.HeaderOperations.remove", "VirtualServiceSpec.HeaderOperations.set",
             "VirtualServiceSpec.Headers.request", "VirtualServiceSpec.Headers.response"]
        ),
        (
            "path prefix, exact and regex, with and without case",
            ["StringMatch.exact", "StringMatch.prefix", "StringMatch.regex"]
        ),
        (
            "an allowed actual request gets origin, credentials and exposed headers on its response",
            ["VirtualServiceSpec.CorsPolicy.allowCredentials", "VirtualServiceSpec.CorsPolicy.allowHeaders",
             "VirtualServiceSpec.CorsPolicy.exposeHeaders"]
        ),
        (
            "a request reaches the backend, which sees x-request-id and x-forwarded-for",
            ["VirtualServiceSpec.Destination.host", "VirtualServiceSpec.HTTPRoute.route",
             "VirtualServiceSpec.HTTPRouteDestination.destination", "VirtualServiceSpec.http"]
        ),
        (
            "subsets select endpoints by label; unhealthy instances stay, marked unhealthy",
            ["VirtualServiceSpec.Destination.subset"]
        ),
        (
            "redirect, regex rewrite, direct response and Istio's default retries",
            ["VirtualServiceSpec.HTTPBody.string", "VirtualServiceSpec.HTTPDirectResponse.body",
             "VirtualServiceSpec.HTTPDirectResponse.status", "VirtualServiceSpec.HTTPRedirect.authority",
             "VirtualServiceSpec.HTTPRedirect.redirectCode", "VirtualServiceSpec.HTTPRedirect.uri",
             "VirtualServiceSpec.HTTPRewrite.uriRegexRewrite", "VirtualServiceSpec.HTTPRoute.directResponse",
             "VirtualServiceSpec.RegexRewrite.match", "VirtualServiceSpec.RegexRewrite.rewrite"]
        ),
        (
            "gzip when the route asks and the client accepts; identity otherwise, and never twice",
            ["VirtualServiceSpec.HTTPCompression.minContentLength", "VirtualServiceSpec.HTTPRoute.compression"]
        ),
        (
            "fault injection aborts with the configured status and delays requests",
            ["VirtualServiceSpec.HTTPFaultInjection.Abort.httpStatus",
             "VirtualServiceSpec.HTTPFaultInjection.Abort.percentage",
             "VirtualServiceSpec.HTTPFaultInjection.Delay.fixedDelay",
             "VirtualServiceSpec.HTTPFaultInjection.Delay.percentage", "VirtualServiceSpec.HTTPFaultInjection.abort",
             "VirtualServiceSpec.HTTPFaultInjection.delay", "VirtualServiceSpec.HTTPRoute.fault"]
        ),
        (
            "the deprecated integer percent becomes the route's delay fraction",
            ["VirtualServiceSpec.HTTPFaultInjection.Delay.percent"]
        ),
        (
            "a header match picks its route; other requests fall through to the next rule",
            ["VirtualServiceSpec.HTTPMatchRequest.headers"]
        ),
        (
            "each match of a rule is its own route; port matches for other ports are dropped",
            ["VirtualServiceSpec.HTTPMatchRequest.ignoreUriCase", "VirtualServiceSpec.HTTPMatchRequest.method",
             "VirtualServiceSpec.HTTPMatchRequest.name", "VirtualServiceSpec.HTTPMatchRequest.port",
             "VirtualServiceSpec.HTTPMatchRequest.queryParams", "VirtualServiceSpec.HTTPMatchRequest.uri",
             "VirtualServiceSpec.HTTPMatchRequest.withoutHeaders", "VirtualServiceSpec.HTTPRoute.match",
             "VirtualServiceSpec.HTTPRoute.name"]
        ),
        (
            "retries succeed when one of three backends answers 503",
            ["VirtualServiceSpec.HTTPRetry.attempts", "VirtualServiceSpec.HTTPRetry.retryOn",
             "VirtualServiceSpec.HTTPRoute.retries"]
        ),
        (
            "an allowed preflight is answered with the allowed methods, headers and max age",
            ["VirtualServiceSpec.HTTPRoute.corsPolicy"]
        ),
        (
            "the mirror receives a copy of each request with a -shadow authority; its answers never reach the client",
            ["VirtualServiceSpec.HTTPRoute.mirror"]
        ),
        (
            "redirects, direct responses and rewrites",
            ["VirtualServiceSpec.HTTPRoute.redirect"]
        ),
        (
            "a route timeout answers 504 when the backend is slower",
            ["VirtualServiceSpec.HTTPRoute.timeout"]
        ),
        (
            "a weighted split 80/20 holds within 5 % over 2,000 requests",
            ["VirtualServiceSpec.HTTPRouteDestination.weight"]
        ),
        (
            "a TCP port relays to the service's cluster, or by the mesh-bound `tcp` route's weights",
            ["VirtualServiceSpec.RouteDestination.destination", "VirtualServiceSpec.RouteDestination.weight",
             "VirtualServiceSpec.TCPRoute.match", "VirtualServiceSpec.TCPRoute.route", "VirtualServiceSpec.tcp"]
        ),
        (
            "a PASSTHROUGH server routes by SNI to TCP clusters",
            ["VirtualServiceSpec.TLSMatchAttributes.sniHosts", "VirtualServiceSpec.TLSRoute.match",
             "VirtualServiceSpec.TLSRoute.route", "VirtualServiceSpec.tls"]
        ),
        (
            "\".\" and namespace names are refused with the entry's path on every kind",
            ["VirtualServiceSpec.exportTo"]
        ),
        (
            "a VirtualService applies only to the gateways it names",
            ["VirtualServiceSpec.gateways"]
        ),
        (
            "an unknown host gets 404 and the connection stays usable",
            ["VirtualServiceSpec.hosts"]
        ),
    ]
}
