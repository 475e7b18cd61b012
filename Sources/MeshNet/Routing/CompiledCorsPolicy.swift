public import MeshModel
import NIOHTTP1

/// A route's CORS policy with its origin matchers compiled and its answer headers joined once.
///
/// Follows Envoy's CORS filter: an origin is allowed when a matcher accepts it or accepts `*`; the
/// answer echoes the request's origin rather than `*`, so credentials work. A preflight from an
/// origin that is not allowed is not answered here and goes upstream, as in Envoy.
public final class CompiledCorsPolicy: Sendable {
    public let policy: Snapshot.CorsPolicy
    let origins: [CompiledStringMatcher]
    let allowsAnyOrigin: Bool
    let allowMethods: String?
    let allowHeaders: String?
    let exposeHeaders: String?
    let maxAge: String?

    public convenience init(_ policy: Snapshot.CorsPolicy) {
        var problems: [String] = []
        self.init(policy, context: "CORS policy", problems: &problems)
    }

    init(_ policy: Snapshot.CorsPolicy, context: String, problems: inout [String]) {
        self.policy = policy
        origins = policy.allowOrigins.map {
            CompiledStringMatcher($0, context: "\(context) CORS origin", problems: &problems)
        }
        allowsAnyOrigin = origins.contains { $0.matches("*") }
        let joined: ([String]) -> String? = { $0.isEmpty ? nil : $0.joined(separator: ",") }
        allowMethods = joined(policy.allowMethods)
        allowHeaders = joined(policy.allowHeaders)
        exposeHeaders = joined(policy.exposeHeaders)
        maxAge = policy.maxAge.map { String($0.components.seconds) }
    }

    func allows(origin: String) -> Bool {
        allowsAnyOrigin || origins.contains { $0.matches(origin) }
    }

    /// What CORS asks of the proxy for this request.
    public func evaluate(_ facts: RequestFacts) -> CorsDecision {
        let headers = facts.head.headers
        guard let origin = headers.first(name: "origin"), !origin.isEmpty else { return .passThrough }
        let isPreflight =
            facts.head.method == .OPTIONS && !(headers.first(name: "access-control-request-method") ?? "").isEmpty
        guard allows(origin: origin) else { return .passThrough }
        var answer = HTTPHeaders()
        answer.add(name: "access-control-allow-origin", value: origin)
        if policy.allowCredentials == true {
            answer.add(name: "access-control-allow-credentials", value: "true")
        }
        if isPreflight {
            if let allowMethods { answer.add(name: "access-control-allow-methods", value: allowMethods) }
            if let allowHeaders { answer.add(name: "access-control-allow-headers", value: allowHeaders) }
            if let maxAge { answer.add(name: "access-control-max-age", value: maxAge) }
            return CorsDecision(action: .answerPreflight, headers: answer)
        }
        if let exposeHeaders { answer.add(name: "access-control-expose-headers", value: exposeHeaders) }
        return CorsDecision(action: .addToResponse, headers: answer)
    }
}

extension Snapshot.CorsPolicy {
    /// What CORS asks of the proxy for this request. Compiles the policy on each call: on the hot
    /// path use the route's precompiled `CompiledRoute.cors` instead.
    public func evaluate(_ facts: RequestFacts) -> CorsDecision {
        CompiledCorsPolicy(self).evaluate(facts)
    }
}
