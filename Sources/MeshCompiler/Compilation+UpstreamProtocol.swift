import MeshModel

extension Compilation {
    /// The protocol settings of a cluster: `http2`, or `useClientProtocol` (which overrides the
    /// port's protocol and `h2UpgradePolicy`, as in Istio), and the stream limit per connection.
    static func applyUpstreamProtocol(
        _ http: DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings?,
        port: ServiceTarget.Port?,
        to cluster: inout Snapshot.Cluster
    ) {
        if http?.useClientProtocol == true {
            cluster.useClientProtocol = true
            cluster.http2 = false
        } else {
            cluster.http2 = speaksHTTP2(http, port: port)
        }
        if let streams = http?.maxConcurrentStreams, streams > 0 {
            cluster.maxConcurrentStreams = UInt32(streams)
        }
    }

    /// Whether a cluster speaks HTTP/2 to its endpoints, decided as Istio's cluster builder does:
    /// - a port whose protocol is HTTP2, GRPC or GRPC-WEB always does (gRPC needs HTTP/2, so
    ///   `DO_NOT_UPGRADE` does not turn it into HTTP/1.1);
    /// - otherwise `h2UpgradePolicy: UPGRADE` does, unless the port is known not to carry HTTP;
    /// - otherwise (`DEFAULT`, `DO_NOT_UPGRADE`, no policy) HTTP/1.1.
    ///
    /// A port without a `protocol` takes it from its name, Istio's `<protocol>[-<suffix>]`
    /// convention (`grpc`, `http2-api`, `grpc-web`).
    static func speaksHTTP2(
        _ http: DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings?,
        port: ServiceTarget.Port?
    ) -> Bool {
        let known = port.flatMap(portProtocol)
        switch known {
        case .http2?, .grpc?, .grpcWeb?:
            return true
        default:
            guard http?.h2UpgradePolicy == .upgrade else { return false }
            return known?.isHTTP ?? true
        }
    }

    /// The port's protocol: declared, else named by the port name's first dash-separated word.
    static func portProtocol(_ port: ServiceTarget.Port) -> PortProtocol? {
        if let declared = port.protocol { return declared }
        guard let name = port.name?.lowercased(), !name.isEmpty else { return nil }
        if name == "grpc-web" || name.hasPrefix("grpc-web-") { return .grpcWeb }
        let prefix = name.split(separator: "-", maxSplits: 1).first.map(String.init) ?? name
        return PortProtocol(rawValue: prefix.uppercased())
    }
}
