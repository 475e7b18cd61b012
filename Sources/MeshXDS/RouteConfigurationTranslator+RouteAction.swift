import MeshModel
import MeshXDSProto
import SwiftProtobuf

extension RouteConfigurationTranslator {
    typealias RouteAction = Envoy_Config_Route_V3_RouteAction

    /// The forwarding half of a route, and its CORS policy (per-route config of the CORS filter).
    static func routeAction(
        _ action: Snapshot.RouteAction,
        match: Snapshot.RouteMatch,
        field: String,
        notes: inout XDSNotes
    ) -> (RouteAction, Envoy_Extensions_Filters_Http_Cors_V3_CorsPolicy?) {
        var result = RouteAction()
        let clusters = action.weightedClusters
        if clusters.count == 1, clusters[0].headers.isEmpty {
            result.cluster = clusters[0].name
        } else {
            var split = Envoy_Config_Route_V3_WeightedCluster()
            split.clusters = clusters.map(clusterWeight)
            result.weightedClusters = split
            if clusters.allSatisfy({ $0.weight == 0 }) {
                notes.add(
                    "\(field).weightedClusters",
                    "every weight is 0: Envoy rejects a split whose weights sum to 0"
                )
            }
        }
        // No timeout is Istio's default; Envoy's would be 15 s unless told 0 (none).
        result.timeout = Envoy.duration(action.timeout ?? .zero)
        if let retry = action.retryPolicy { result.retryPolicy = retryPolicy(retry) }

        if let prefix = action.prefixRewrite {
            if case .regex(let pattern) = match.path {
                // Envoy refuses prefix_rewrite after a regex match; the regex covers the whole
                // path, so replacing its match is replacing the path.
                var rewrite = Envoy_Type_Matcher_V3_RegexMatchAndSubstitute()
                rewrite.pattern = Envoy.regex(pattern)
                rewrite.substitution = prefix
                result.regexRewrite = rewrite
            } else {
                result.prefixRewrite = prefix
            }
            if action.regexRewrite != nil {
                notes.add("\(field).regexRewrite", "Envoy takes one path rewrite: the prefix rewrite is kept")
            }
        } else if let regex = action.regexRewrite {
            var rewrite = Envoy_Type_Matcher_V3_RegexMatchAndSubstitute()
            rewrite.pattern = Envoy.regex(regex.pattern)
            rewrite.substitution = regex.substitution
            result.regexRewrite = rewrite
        }
        if let host = action.hostRewrite { result.hostRewriteLiteral = host }
        result.requestMirrorPolicies = action.requestMirrorPolicies.map { mirror in
            var policy = RouteAction.RequestMirrorPolicy()
            policy.cluster = mirror.cluster
            policy.runtimeFraction = Envoy.runtimeFraction(mirror.percentage)
            return policy
        }
        result.hashPolicy = action.hashPolicies.map(hashPolicy)
        return (result, action.cors.map(corsPolicy))
    }

    static func clusterWeight(_ cluster: Snapshot.WeightedCluster)
        -> Envoy_Config_Route_V3_WeightedCluster.ClusterWeight
    {
        var weight = Envoy_Config_Route_V3_WeightedCluster.ClusterWeight()
        weight.name = cluster.name
        weight.weight = Envoy.uint32(cluster.weight)
        weight.requestHeadersToAdd = Envoy.headerOptions(cluster.headers.requestHeadersToAdd)
        weight.requestHeadersToRemove = cluster.headers.requestHeadersToRemove
        weight.responseHeadersToAdd = Envoy.headerOptions(cluster.headers.responseHeadersToAdd)
        weight.responseHeadersToRemove = cluster.headers.responseHeadersToRemove
        return weight
    }

    static func retryPolicy(_ retry: Snapshot.RetryPolicy) -> Envoy_Config_Route_V3_RetryPolicy {
        var result = Envoy_Config_Route_V3_RetryPolicy()
        result.retryOn = retry.retryOn
        result.numRetries = Envoy.uint32(retry.numRetries)
        if let perTry = retry.perTryTimeout { result.perTryTimeout = Envoy.duration(perTry) }
        // A retry goes to another endpoint than the ones tried, as meshbox's own retries do (and
        // Istio's): without the predicate Envoy may pick the failing endpoint for every attempt.
        var previousHosts = Envoy_Config_Route_V3_RetryPolicy.RetryHostPredicate()
        previousHosts.name = "envoy.retry_host_predicates.previous_hosts"
        previousHosts.typedConfig = XDSAny.pack(Envoy_Extensions_Retry_Host_PreviousHosts_V3_PreviousHostsPredicate())
        result.retryHostPredicate = [previousHosts]
        result.hostSelectionRetryMaxAttempts = 5
        if retry.backoffBaseInterval != nil || retry.backoffMaxInterval != nil {
            var backOff = Envoy_Config_Route_V3_RetryPolicy.RetryBackOff()
            // base_interval is required once retry_back_off is set; 25 ms is Envoy's default.
            backOff.baseInterval = Envoy.duration(retry.backoffBaseInterval ?? .milliseconds(25))
            if let maximum = retry.backoffMaxInterval { backOff.maxInterval = Envoy.duration(maximum) }
            result.retryBackOff = backOff
        }
        return result
    }

    static func hashPolicy(_ policy: Snapshot.HashPolicy) -> RouteAction.HashPolicy {
        var result = RouteAction.HashPolicy()
        switch policy {
        case .header(let name):
            var header = RouteAction.HashPolicy.Header()
            header.headerName = name
            result.header = header
        case .cookie(let name, let path, let ttl):
            var cookie = RouteAction.HashPolicy.Cookie()
            cookie.name = name
            if let path { cookie.path = path }
            if let ttl { cookie.ttl = Envoy.duration(ttl) }
            result.cookie = cookie
        case .sourceIP:
            var properties = RouteAction.HashPolicy.ConnectionProperties()
            properties.sourceIp = true
            result.connectionProperties = properties
        case .queryParameter(let name):
            var parameter = RouteAction.HashPolicy.QueryParameter()
            parameter.name = name
            result.queryParameter = parameter
        }
        return result
    }

    static func corsPolicy(_ cors: Snapshot.CorsPolicy) -> Envoy_Extensions_Filters_Http_Cors_V3_CorsPolicy {
        var result = Envoy_Extensions_Filters_Http_Cors_V3_CorsPolicy()
        result.allowOriginStringMatch = cors.allowOrigins.map { Envoy.stringMatcher($0) }
        result.allowMethods = cors.allowMethods.joined(separator: ",")
        result.allowHeaders = cors.allowHeaders.joined(separator: ",")
        result.exposeHeaders = cors.exposeHeaders.joined(separator: ",")
        if let maxAge = cors.maxAge { result.maxAge = String(maxAge.components.seconds) }
        if let credentials = cors.allowCredentials { result.allowCredentials = Envoy.bool(credentials) }
        return result
    }
}
