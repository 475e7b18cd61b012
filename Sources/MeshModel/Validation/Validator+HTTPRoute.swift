extension Validator {
    /// The `retry_on` conditions the gateway implements, besides plain status codes.
    static let retryConditions: Set<String> = [
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure",
        "retriable-4xx", "refused-stream", "retriable-status-codes",
    ]

    /// Envoy conditions the gateway does not implement: refused rather than accepted as no-ops. The
    /// gRPC ones read `grpc-status`, which the gateway's retry decision does not look at.
    static let unsupportedRetryConditions: Set<String> = [
        "envoy-ratelimited", "retriable-headers", "http3-post-connect-failure",
        "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    ]

    static let httpMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ]

    static func validateHTTPRoute(
        _ route: VirtualServiceSpec.HTTPRoute,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if route.redirect != nil && !route.route.isEmpty {
            issues.error(path, "a route cannot have both route and redirect")
        }
        if route.directResponse != nil && !route.route.isEmpty {
            issues.error(path, "a route cannot have both route and directResponse")
        }
        if route.redirect != nil && route.directResponse != nil {
            issues.error(path, "a route cannot have both redirect and directResponse")
        }
        if route.redirect == nil && route.directResponse == nil {
            if route.route.isEmpty {
                issues.error(path + ".route", "one of route, redirect or directResponse is required")
            } else {
                validateRouteDestinations(
                    route.route.map { ($0.destination, $0.weight) },
                    at: path + ".route",
                    into: &issues
                )
            }
        }
        for (index, destination) in route.route.enumerated() {
            validateHeaders(destination.headers, at: "\(path).route[\(index)].headers", into: &issues)
        }
        for (index, match) in route.match.enumerated() {
            validateMatch(match, at: "\(path).match[\(index)]", into: &issues)
        }
        var matchNames: [String: Int] = [:]
        for (index, match) in route.match.enumerated() {
            if let name = match.name, let earlier = matchNames.updateValue(index, forKey: name) {
                issues.error(
                    "\(path).match[\(index)].name",
                    "match name \"\(name)\" is already used by match[\(earlier)]"
                )
            }
        }
        if let redirect = route.redirect { validateRedirect(redirect, at: path + ".redirect", into: &issues) }
        if route.redirect != nil && route.rewrite != nil {
            issues.error(path, "a route cannot have both redirect and rewrite")
        }
        if let response = route.directResponse {
            if !(200...599).contains(response.status) {
                issues.error(path + ".directResponse.status", "status \(response.status) must be in the range 200..599")
            }
            if let body = response.body, body.data.count > 1_048_576 {
                issues.error(path + ".directResponse.body", "body must be at most 1 MiB")
            }
        }
        if let rewrite = route.rewrite { validateRewrite(rewrite, at: path + ".rewrite", into: &issues) }
        issues.checkDuration(route.timeout, at: path + ".timeout")
        if let retries = route.retries { validateRetries(retries, at: path + ".retries", into: &issues) }
        if let fault = route.fault { validateFault(fault, at: path + ".fault", into: &issues) }
        if let mirror = route.mirror { validateDestination(mirror, at: path + ".mirror", into: &issues) }
        issues.checkPercent(route.mirrorPercentage, at: path + ".mirrorPercentage")
        if route.mirrorPercentage != nil && route.mirror == nil {
            issues.warning(path + ".mirrorPercentage", "has no effect without mirror")
        }
        if let cors = route.corsPolicy { validateCORS(cors, at: path + ".corsPolicy", into: &issues) }
        validateHeaders(route.headers, at: path + ".headers", into: &issues)
        if let compression = route.compression {
            if let minimum = compression.minContentLength, minimum < 0 {
                issues.error(path + ".compression.minContentLength", "must be 0 or more, got \(minimum)")
            }
            for (index, type) in (compression.contentTypes ?? []).enumerated()
            where type.split(separator: "/").count != 2 || type.contains(";") || type.contains(" ") {
                issues.error(path + ".compression.contentTypes[\(index)]", "must be a media type like text/html, got '\(type)'")
            }
            if route.redirect != nil || route.directResponse != nil {
                issues.warning(path + ".compression", "has no effect on a redirect or direct response")
            }
        }
    }

    private static func validateMatch(
        _ match: VirtualServiceSpec.HTTPMatchRequest,
        at path: String,
        into issues: inout IssueCollector
    ) {
        issues.checkStringMatch(match.uri, at: path + ".uri")
        issues.checkStringMatch(match.scheme, at: path + ".scheme")
        issues.checkStringMatch(match.method, at: path + ".method")
        issues.checkStringMatch(match.authority, at: path + ".authority")
        for (field, headers) in [("headers", match.headers), ("withoutHeaders", match.withoutHeaders)] {
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                let headerPath = "\(path).\(field).\(name)"
                if !Syntax.isHeaderName(name) && !name.hasPrefix(":") {
                    issues.error(headerPath, "\"\(name)\" is not a valid header name")
                } else if name != name.lowercased() {
                    issues.warning(headerPath, "header names are matched in lower case; write \(name.lowercased())")
                }
                issues.checkStringMatch(value, at: headerPath)
            }
        }
        for (name, value) in match.queryParams.sorted(by: { $0.key < $1.key }) {
            issues.checkStringMatch(value, at: "\(path).queryParams.\(name)")
        }
        issues.checkPort(match.port, at: path + ".port")
        if let namespace = match.sourceNamespace, !Syntax.isDNSLabel(namespace) {
            issues.error(
                path + ".sourceNamespace",
                "\"\(namespace)\" is not a valid namespace: \(IssueCollector.labelRule)"
            )
        }
    }

    private static func validateRedirect(
        _ redirect: VirtualServiceSpec.HTTPRedirect,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if redirect.uri == nil && redirect.authority == nil && redirect.port == nil && redirect.scheme == nil
            && redirect.derivePort == nil
        {
            issues.error(path, "a redirect must set uri, authority, port, derivePort or scheme")
        }
        if redirect.port != nil && redirect.derivePort != nil {
            issues.error(path, "a redirect cannot have both port and derivePort")
        }
        issues.checkPort(redirect.port, at: path + ".port")
        if let code = redirect.redirectCode, ![301, 302, 303, 307, 308].contains(code) {
            issues.error(path + ".redirectCode", "redirect code \(code) must be one of 301, 302, 303, 307, 308")
        }
        if let scheme = redirect.scheme, scheme.isEmpty {
            issues.error(path + ".scheme", "scheme must not be empty")
        }
    }

    private static func validateRewrite(
        _ rewrite: VirtualServiceSpec.HTTPRewrite,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if rewrite.uri == nil && rewrite.authority == nil && rewrite.uriRegexRewrite == nil {
            issues.error(path, "a rewrite must set uri, authority or uriRegexRewrite")
        }
        if rewrite.uri != nil && rewrite.uriRegexRewrite != nil {
            issues.error(path, "a rewrite cannot have both uri and uriRegexRewrite")
        }
        if let regex = rewrite.uriRegexRewrite {
            if let match = regex.match {
                issues.checkRegex(match, at: path + ".uriRegexRewrite.match")
            } else {
                issues.error(path + ".uriRegexRewrite.match", "missing required field")
            }
            if regex.rewrite == nil { issues.error(path + ".uriRegexRewrite.rewrite", "missing required field") }
        }
    }

    private static func validateRetries(
        _ retries: VirtualServiceSpec.HTTPRetry,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if let attempts = retries.attempts, attempts < 0 {
            issues.error(path + ".attempts", "attempts must not be negative")
        }
        issues.checkDuration(retries.perTryTimeout, at: path + ".perTryTimeout")
        if let retryOn = retries.retryOn {
            for condition in retryOn.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = String(condition).trimmingSpaces()
                if let code = Int(trimmed), (100...599).contains(code) { continue }
                if unsupportedRetryConditions.contains(trimmed) {
                    issues.error(path + ".retryOn", "retry condition \"\(trimmed)\" is not supported")
                } else if !retryConditions.contains(trimmed) {
                    issues.error(path + ".retryOn", "unknown retry condition \"\(trimmed)\"")
                }
            }
        }
    }

    private static func validateFault(
        _ fault: VirtualServiceSpec.HTTPFaultInjection,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if fault.delay == nil && fault.abort == nil {
            issues.error(path, "fault injection needs a delay, an abort or both")
        }
        if let delay = fault.delay {
            if delay.fixedDelay == nil { issues.error(path + ".delay.fixedDelay", "missing required field") }
            issues.checkDuration(delay.fixedDelay, at: path + ".delay.fixedDelay")
            issues.checkPercent(delay.percentage, at: path + ".delay.percentage")
            if let percent = delay.percent {
                if !(0...100).contains(percent) {
                    issues.error(path + ".delay.percent", "percent \(percent) must be in the range 0..100")
                } else if delay.percentage != nil {
                    issues.warning(path + ".delay.percent", "ignored: percentage is set and takes precedence, as in Istio")
                }
            }
        }
        if let abort = fault.abort {
            if let status = abort.httpStatus {
                if !(200...599).contains(status) {
                    issues.error(path + ".abort.httpStatus", "status \(status) must be in the range 200..599")
                }
            } else {
                issues.error(path + ".abort.httpStatus", "missing required field")
            }
            issues.checkPercent(abort.percentage, at: path + ".abort.percentage")
        }
    }

    private static func validateCORS(
        _ cors: VirtualServiceSpec.CorsPolicy,
        at path: String,
        into issues: inout IssueCollector
    ) {
        for (index, origin) in cors.allowOrigins.enumerated() {
            issues.checkStringMatch(origin, at: "\(path).allowOrigins[\(index)]")
        }
        for (index, method) in cors.allowMethods.enumerated() where !httpMethods.contains(method) {
            issues.error("\(path).allowMethods[\(index)]", "unknown HTTP method \"\(method)\"")
        }
        for (field, names) in [("allowHeaders", cors.allowHeaders), ("exposeHeaders", cors.exposeHeaders)] {
            for (index, name) in names.enumerated() where !Syntax.isHeaderName(name) && name != "*" {
                issues.error("\(path).\(field)[\(index)]", "\"\(name)\" is not a valid header name")
            }
        }
        issues.checkDuration(cors.maxAge, at: path + ".maxAge", allowZero: true)
    }

    private static func validateHeaders(
        _ headers: VirtualServiceSpec.Headers?,
        at path: String,
        into issues: inout IssueCollector
    ) {
        for (field, operations) in [("request", headers?.request), ("response", headers?.response)] {
            guard let operations else { continue }
            let base = "\(path).\(field)"
            for name in operations.set.keys.sorted() + operations.add.keys.sorted() where !Syntax.isHeaderName(name) {
                issues.error(base, "\"\(name)\" is not a valid header name")
            }
            for (index, name) in operations.remove.enumerated() where !Syntax.isHeaderName(name) {
                issues.error("\(base).remove[\(index)]", "\"\(name)\" is not a valid header name")
            }
        }
    }
}
