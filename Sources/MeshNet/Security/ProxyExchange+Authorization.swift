import Logging
import MeshModel
import NIOCore
import NIOHTTP1

extension ProxyExchange {
    /// Envoy's body and status for a request the RBAC filter denies.
    static let accessDeniedBody = "RBAC: access denied"

    /// Enforces the AuthorizationPolicies of the chain the request came in on, before routing (as
    /// Envoy's RBAC filter runs before the router). Answers 403 `RBAC: access denied` with response
    /// flag `RBAC` and returns false when the request is denied; logs matching AUDIT policies.
    ///
    /// A snapshot without policies costs one emptiness check; a chain without policies, one lookup.
    func authorize() -> Bool {
        let table = config.authorizations
        guard !table.isEmpty,
            let authorization = table.authorization(
                listener: handler.listenerName,
                routeConfiguration: handler.routeConfigurationName
            )
        else { return true }
        let attributes = authorizationAttributes(for: authorization)
        let verdict = authorization.evaluate(attributes)
        if verdict.allowed && verdict.audited.isEmpty { return true }
        let decision = authorization.decision(verdict)
        var metadata: Logger.Metadata = [
            "authz.reason": "\(decision.reason)",
            "http.method": "\(facts.method)",
            "url.path": "\(facts.path)",
            "http.authority": "\(facts.authority)",
            "peer.address": "\(facts.sourceAddress ?? "-")",
            "listener.name": "\(handler.listenerName)",
        ]
        if let principal = attributes.principal { metadata["peer.principal"] = "\(principal)" }
        if !decision.audited.isEmpty {
            metadata["authz.audited"] =
                "\(decision.audited.map { "\($0.namespace)/\($0.name)" }.joined(separator: ","))"
            metadata["authz.allowed"] = "\(decision.allowed)"
            state.logger.info("Request matched an AUDIT AuthorizationPolicy", metadata: metadata)
        }
        if decision.allowed { return true }
        state.logger.info("Request denied by AuthorizationPolicy", metadata: metadata)
        localReply(.forbidden, Self.accessDeniedBody, flag: .rbacAccessDenied)
        return false
    }

    /// The attributes the chain's rules read, and no others.
    private func authorizationAttributes(for authorization: CompiledAuthorization) -> AuthorizationAttributes {
        let needs = authorization.needs
        var attributes = AuthorizationAttributes()
        attributes.method = facts.method
        attributes.path = AuthorizationPath.normalized(facts.path)
        attributes.host = facts.authority
        attributes.destinationPort = facts.listenerPort
        attributes.requestAuth = jwtIdentity
        if needs.contains(.headers) { attributes.headers = downstreamHead.headers }
        if needs.contains(.sourceIP) { attributes.sourceIP = AuthorizationIPBlock.address(facts.sourceAddress) }
        if needs.contains(.remoteIP) {
            let client = ForwardedClient.address(
                headers: downstreamHead.headers,
                peer: facts.sourceAddress,
                trustedProxies: state.settings.numTrustedProxies
            )
            attributes.remoteIP = AuthorizationIPBlock.address(client)
        }
        if needs.contains(.principal), authorization.verifiesClientCertificates {
            attributes.setPrincipal(handler.peerSPIFFEID)
        }
        if needs.contains(.destinationIP), let channel = handler.context?.channel {
            attributes.destinationIP = AuthorizationIPBlock.address(channel.localAddress?.ipAddress)
        }
        return attributes
    }
}
