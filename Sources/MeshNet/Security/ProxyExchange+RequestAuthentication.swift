import Logging
import NIOHTTP1

extension ProxyExchange {
    /// Checks the request's JWT against the RequestAuthentications of its chain, before
    /// authorization (as Envoy's jwt_authn filter runs before RBAC). A request without a token
    /// passes; a verified token sets `jwtIdentity` (and `jwtEdits`); an invalid one is answered
    /// 401 with Envoy's reason, which the access log carries as `response_code_details`.
    ///
    /// A snapshot without RequestAuthentication costs one emptiness check; a chain without one, one lookup.
    func authenticate() -> Bool {
        let table = config.requestAuthentications
        guard !table.isEmpty,
            let authentication = table.authentication(
                listener: handler.listenerName,
                routeConfiguration: handler.routeConfigurationName
            )
        else { return true }
        let outcome = authentication.authenticate(
            headers: downstreamHead.headers, query: facts.query, now: AccessLogWriter.wallClockSeconds())
        switch outcome {
        case .missing:
            return true
        case .verified(let identity, let edits):
            jwtIdentity = identity
            jwtEdits = edits
            return true
        case .failed(let failure):
            responseDetails = failure.details
            state.logger.info(
                "Request refused by RequestAuthentication",
                metadata: [
                    "jwt.reason": "\(failure.message)",
                    "http.method": "\(facts.method)",
                    "url.path": "\(facts.path)",
                    "http.authority": "\(facts.authority)",
                    "peer.address": "\(facts.sourceAddress ?? "-")",
                    "listener.name": "\(handler.listenerName)",
                ])
            var headers = HTTPHeaders()
            headers.add(name: "www-authenticate", value: "Bearer realm=\"\(facts.scheme)://\(facts.authority)\(facts.path)\", error=\"invalid_token\"")
            localReply(.unauthorized, failure.message, headers: headers)
            return false
        }
    }
}
