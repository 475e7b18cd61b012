public import NIOHTTP1

extension InboundPolicy {
    /// The decision for one request on an HTTP workload port: the mutual-TLS mode (as `decide`), then
    /// the authorization with the request's method, path (normalised as the gateway normalises it),
    /// host and headers. The same evaluator and semantics as the gateway's HTTP chains.
    ///
    /// A port that is not HTTP, or a workload no policy selects, is decided as `decide` decides it.
    public func authorize(_ connection: Connection, request head: HTTPRequestHead) -> InboundDecision {
        guard let target = target(address: connection.address, port: connection.port) else {
            return .deny("no workload registered on this node serves \(connection.address):\(connection.port)")
        }
        guard target.isHTTP else { return decide(connection, target) }
        if let refusal = Self.peerAuthentication(target, connection) { return refusal }
        guard let authorization = target.authorization else { return .allow }
        var attributes = Self.connectionAttributes(target, connection)
        let uri = head.uri[...]
        let path = uri.firstIndex(of: "?").map { uri[..<$0] } ?? uri
        attributes.method = head.method.rawValue
        attributes.path = AuthorizationPath.normalized(path)
        attributes.host = (HeaderLookup.value(of: "host", in: head.headers) ?? "").lowercased()
        attributes.headers = head.headers
        let verdict = authorization.evaluate(attributes)
        return Self.decision(authorization, verdict, target, connection, request: "\(head.method.rawValue) \(path)")
    }
}
