import Foundation

extension Validator {
    /// Istio's rules for a RequestAuthentication, plus meshbox's: keys come from `jwks` or an
    /// http(s) `jwksUri` (no discovery from the issuer), and inline keys must be a JSON Web Key Set.
    static func validateRequestAuthentication(_ spec: RequestAuthenticationSpec, into issues: inout IssueCollector) {
        if let selector = spec.selector {
            issues.checkLabels(selector.matchLabels, at: "spec.selector.matchLabels")
        }
        var issuers: [String: Int] = [:]
        for (index, rule) in spec.jwtRules.enumerated() {
            let path = "spec.jwtRules[\(index)]"
            if rule.issuer.isEmpty {
                issues.error(path + ".issuer", "missing required field")
            } else if let earlier = issuers.updateValue(index, forKey: rule.issuer) {
                issues.error(path + ".issuer", "issuer \"\(rule.issuer)\" is already jwtRules[\(earlier)]'s")
            }
            issues.checkNotEmpty(rule.audiences, at: path + ".audiences", what: "audience")
            if let jwks = rule.jwks {
                if let problem = jwksProblem(jwks) { issues.error(path + ".jwks", problem) }
                if rule.jwksUri != nil { issues.warning(path + ".jwksUri", "jwks is set too; jwksUri is not fetched") }
            } else if let uri = rule.jwksUri {
                if let problem = jwksURIProblem(uri) { issues.error(path + ".jwksUri", problem) }
            } else {
                issues.error(path, "one of jwks or jwksUri is required (keys are not discovered from the issuer)")
            }
            for (headerIndex, header) in rule.fromHeaders.enumerated() where !Syntax.isHeaderName(header.name) {
                issues.error("\(path).fromHeaders[\(headerIndex)].name", "\"\(header.name)\" is not a header name")
            }
            issues.checkNotEmpty(rule.fromParams, at: path + ".fromParams", what: "parameter")
            issues.checkNotEmpty(rule.fromCookies, at: path + ".fromCookies", what: "cookie")
            if let header = rule.outputPayloadToHeader, !Syntax.isHeaderName(header) {
                issues.error(path + ".outputPayloadToHeader", "\"\(header)\" is not a header name")
            }
            for (claimIndex, output) in rule.outputClaimToHeaders.enumerated() {
                let outputPath = "\(path).outputClaimToHeaders[\(claimIndex)]"
                if !Syntax.isHeaderName(output.header) {
                    issues.error(outputPath + ".header", "\"\(output.header)\" is not a header name")
                }
                if output.claim.isEmpty { issues.error(outputPath + ".claim", "missing required field") }
            }
            issues.checkDuration(rule.timeout, at: path + ".timeout")
        }
    }

    /// Why `uri` cannot be fetched for keys, or nil: an absolute http or https URL with a host.
    public static func jwksURIProblem(_ uri: String) -> String? {
        guard let url = URL(string: uri), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { return "\"\(uri)\" is not an absolute URL" }
        guard scheme == "http" || scheme == "https" else {
            return "\"\(uri)\": only http and https are fetched, not \(scheme)"
        }
        return nil
    }

    /// Why `text` is not a JSON Web Key Set the gateway can use, or nil: a JSON object whose `keys`
    /// list holds objects with a `kty`. The keys themselves are checked where they are loaded.
    public static func jwksProblem(_ text: String) -> String? {
        guard let document = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return "not a JSON document"
        }
        guard let keys = document["keys"]?.arrayValue else { return "a JSON Web Key Set needs a \"keys\" list" }
        for (index, key) in keys.enumerated() {
            guard key["kty"]?.stringValue != nil else { return "keys[\(index)] has no \"kty\"" }
        }
        return nil
    }
}
