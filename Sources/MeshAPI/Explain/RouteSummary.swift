import Foundation
import MeshCore
public import MeshModel

/// One route of a virtual host in words: what it matches and what it does. Shared by the
/// console's Traffic view (every route in order) and Explain (the route a request takes).
public struct RouteSummary: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case route
        case redirect
        case directResponse
    }

    /// `<namespace>/<virtual service>/<rule>`.
    public var name: String
    /// The conditions, joined: `path prefix /api, header end-user = jason`.
    public var match: String
    /// Each condition on its own.
    public var conditions: [String]
    public var action: Action
    /// Where a forwarding route sends requests (weight 0 included, with share 0).
    public var clusters: [WeightedClusterSummary]
    /// `301 to https://example.com/x` (fields not set keep the request's).
    public var redirect: String?
    /// `200 with a 12-byte body`.
    public var directResponse: String?
    /// Rewrites, timeout, retries, fault, mirror, header changes, CORS, hashing: one line each.
    public var details: [String]

    public init(_ route: Snapshot.Route) {
        name = route.name
        conditions = Self.conditions(route.match)
        match = conditions.joined(separator: ", ")
        var details: [String] = []
        switch route.action {
        case .route(let action):
            self.action = .route
            clusters = WeightedClusterSummary.shares(action.weightedClusters)
            details += Self.details(action)
        case .redirect(let redirect):
            self.action = .redirect
            clusters = []
            self.redirect = Self.describe(redirect)
        case .directResponse(let direct):
            self.action = .directResponse
            clusters = []
            let size = direct.body?.count ?? 0
            directResponse = size > 0 ? "\(direct.status) with a \(size)-byte body" : "\(direct.status) without a body"
        }
        if let fault = route.fault {
            if let delay = fault.delay {
                details.append(
                    "fault: delay \(DurationText.format(delay.duration)) for \(Self.percent(delay.percentage)) of requests"
                )
            }
            if let abort = fault.abort {
                details.append(
                    "fault: abort with \(abort.httpStatus) for \(Self.percent(abort.percentage)) of requests"
                )
            }
        }
        details += Self.headerChanges(route.headers, scope: "")
        self.details = details
    }

    /// The conditions of a match in words, path first.
    public static func conditions(_ match: Snapshot.RouteMatch) -> [String] {
        var conditions = [condition(path: match.path)]
        if !match.caseSensitive { conditions.append("path case ignored") }
        conditions += match.headers.map(condition(header:))
        conditions += match.queryParameters.map(condition(query:))
        return conditions
    }

    public static func condition(path: Snapshot.RouteMatch.PathMatch) -> String {
        switch path {
        case .prefix(let prefix): prefix == "/" ? "any path" : "path prefix \(prefix)"
        case .exact(let path): "path = \(path)"
        case .regex(let pattern): "path ~ \(pattern)"
        }
    }

    public static func condition(header: Snapshot.HeaderMatcher) -> String {
        let name: String
        switch header.name {
        case ":method": name = "method"
        case ":authority": name = "authority"
        case ":scheme": name = "scheme"
        default: name = "header \(header.name)"
        }
        let condition = header.match.map { "\(name) \(describe($0))" } ?? "\(name) present"
        return header.invert ? "not (\(condition))" : condition
    }

    public static func condition(query parameter: Snapshot.QueryParameterMatcher) -> String {
        parameter.match.map { "query \(parameter.name) \(describe($0))" } ?? "query \(parameter.name) present"
    }

    static func describe(_ matcher: Snapshot.StringMatcher) -> String {
        switch matcher {
        case .exact(let value): "= \(value)"
        case .prefix(let value): "starts with \(value)"
        case .suffix(let value): "ends with \(value)"
        case .regex(let pattern): "~ \(pattern)"
        }
    }

    static func describe(_ redirect: Snapshot.RedirectAction) -> String {
        var parts: [String] = []
        if let scheme = redirect.scheme { parts.append("scheme \(scheme)") }
        if let host = redirect.host { parts.append("host \(host)") }
        if let port = redirect.port { parts.append("port \(port)") }
        if redirect.portFromRequest { parts.append("the request's port") }
        if let path = redirect.path { parts.append("path \(path)") }
        return "\(redirect.responseCode)"
            + (parts.isEmpty ? " to the same URL" : " with " + parts.joined(separator: ", "))
    }

    static func details(_ action: Snapshot.RouteAction) -> [String] {
        var details: [String] = []
        if let prefix = action.prefixRewrite { details.append("rewrite: matched path → \(prefix)") }
        if let regex = action.regexRewrite { details.append("rewrite: ~ \(regex.pattern) → \(regex.substitution)") }
        if let host = action.hostRewrite { details.append("rewrite: authority → \(host)") }
        if let timeout = action.timeout, timeout > .zero { details.append("timeout \(DurationText.format(timeout))") }
        if let retry = action.retryPolicy {
            var text = "retries: \(retry.numRetries) on \(retry.retryOn)"
            if let perTry = retry.perTryTimeout { text += ", \(DurationText.format(perTry)) per try" }
            details.append(text)
        }
        for mirror in action.requestMirrorPolicies {
            details.append("mirror: \(Self.percent(mirror.percentage)) to \(mirror.cluster)")
        }
        for policy in action.hashPolicies {
            switch policy {
            case .header(let name): details.append("consistent hash on header \(name)")
            case .cookie(let name, _, _): details.append("consistent hash on cookie \(name)")
            case .sourceIP: details.append("consistent hash on the source IP")
            case .queryParameter(let name): details.append("consistent hash on query parameter \(name)")
            }
        }
        if let cors = action.cors {
            details.append("CORS: \(cors.allowOrigins.count) allowed origin pattern(s)")
        }
        for cluster in action.weightedClusters where !cluster.headers.isEmpty {
            details += headerChanges(cluster.headers, scope: " (\(cluster.name) only)")
        }
        return details
    }

    static func headerChanges(_ mutations: Snapshot.HeaderMutations, scope: String) -> [String] {
        var lines: [String] = []
        func add(_ direction: String, _ options: [Snapshot.HeaderValueOption], _ removed: [String]) {
            var parts = options.map { "\($0.append ? "add" : "set") \($0.name): \($0.value)" }
            parts += removed.map { "remove \($0)" }
            if !parts.isEmpty { lines.append("\(direction) headers\(scope): " + parts.joined(separator: "; ")) }
        }
        add("request", mutations.requestHeadersToAdd, mutations.requestHeadersToRemove)
        add("response", mutations.responseHeadersToAdd, mutations.responseHeadersToRemove)
        return lines
    }

    static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : String(format: "%.2f%%", value)
    }
}
