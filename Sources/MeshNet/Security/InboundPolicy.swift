public import MeshModel

/// The destination node's decision for a connection that arrives for one of its local workloads,
/// built once per snapshot from `Snapshot.workloads` (already scoped to the node).
///
/// In order, as Istio's inbound side decides:
/// 1. **PeerAuthentication** of the workload port: STRICT accepts only a tunnelled mutual-TLS
///    connection with a verified peer identity; PERMISSIVE accepts that and plain text. DISABLE
///    accepts both too: it tells the sending side not to tunnel, and the destination does not refuse
///    mutual TLS it did not ask for (Istio ambient ignores DISABLE, as HBONE always carries mTLS).
/// 2. **AuthorizationPolicy** with the gateway's compiled evaluator (`CompiledAuthorization`): DENY
///    before ALLOW, allowed when no ALLOW policy selects the workload. On a TCP port (or one the
///    workload does not declare) per connection, with Istio's rule for HTTP-only fields on TCP
///    traffic: an ALLOW rule that names one never matches, a DENY rule matches as if it were not there
///    (the deny gets wider, never narrower). On an HTTP port per request (`authorize(_:request:)`),
///    with its method, path, host and headers; `decide` then checks only the mutual-TLS mode.
///
/// The peer identity counts as `principals`/`namespaces` only when the connection came through the
/// tunnel (its verified client certificate); a plain-text connection has none.
public struct InboundPolicy: Sendable {
    /// One connection as the inbound side knows it.
    public struct Connection: Sendable, Hashable {
        /// The workload address it is for (the tunnel's `CONNECT` target, or the original destination).
        public var address: String
        public var port: UInt32
        /// The SPIFFE ID of the verified client certificate (`spiffe://td/ns/x/sa/y`); nil for plain text.
        public var peer: String?
        /// Arrived through the mutual-TLS tunnel (port 15008), not as plain text.
        public var tunnelled: Bool
        /// The connecting (or, through the tunnel, the originating) address.
        public var sourceIP: String?

        public init(address: String, port: UInt32, peer: String?, tunnelled: Bool, sourceIP: String?) {
            self.address = address
            self.port = port
            self.peer = peer
            self.tunnelled = tunnelled
            self.sourceIP = sourceIP
        }
    }

    /// A workload port resolved: what the decision reads.
    final class Target: Sendable {
        let workload: Snapshot.InboundWorkload
        let port: UInt32
        let mtls: EffectiveMTLS
        let isHTTP: Bool
        let addressBytes: [UInt8]?
        let authorization: CompiledAuthorization?

        init(_ workload: Snapshot.InboundWorkload, port: UInt32, authorization: CompiledAuthorization?) {
            self.workload = workload
            self.port = port
            mtls = workload.mtls(forPort: port)
            isHTTP = workload.port(port)?.isHTTP ?? false
            addressBytes = AuthorizationIPBlock.address(workload.address)
            self.authorization = authorization
        }

        var name: String { "\(workload.namespace)/\(workload.service) (\(workload.instanceID))" }
    }

    private struct Endpoint: Hashable {
        var address: [UInt8]
        var port: UInt32
    }

    private let endpoints: [Endpoint: Target]
    /// By address: the workloads there, for a port none of them declares.
    private let byAddress: [[UInt8]: [Snapshot.InboundWorkload]]
    private let compiled: [Snapshot.Authorization: CompiledAuthorization]

    public init(_ snapshot: Snapshot) {
        var compiled: [Snapshot.Authorization: CompiledAuthorization] = [:]
        var endpoints: [Endpoint: Target] = [:]
        var byAddress: [[UInt8]: [Snapshot.InboundWorkload]] = [:]
        for workload in snapshot.workloads.sorted(by: { $0.instanceID < $1.instanceID }) {
            guard let address = AuthorizationIPBlock.address(workload.address) else { continue }
            // Workloads selected by the same policies share one compiled evaluator.
            let authorization = workload.authorization.map { authorization in
                if let known = compiled[authorization] { return known }
                let made = CompiledAuthorization(authorization)
                compiled[authorization] = made
                return made
            }
            byAddress[address, default: []].append(workload)
            for port in workload.ports where endpoints[Endpoint(address: address, port: port.number)] == nil {
                endpoints[Endpoint(address: address, port: port.number)] = Target(
                    workload, port: port.number, authorization: authorization)
            }
        }
        self.endpoints = endpoints
        self.byAddress = byAddress
        self.compiled = compiled
    }

    public static let empty = InboundPolicy(.empty)

    /// Whether no workload is registered on this node.
    public var isEmpty: Bool { byAddress.isEmpty }

    /// The workload port a connection is for: the workload declaring it, else the only workload at
    /// that address (with its workload-level mode); nil when there is none or several.
    func target(address: String, port: UInt32) -> Target? {
        guard let bytes = AuthorizationIPBlock.address(address) else { return nil }
        if let target = endpoints[Endpoint(address: bytes, port: port)] { return target }
        guard let candidates = byAddress[bytes], candidates.count == 1 else { return nil }
        let workload = candidates[0]
        return Target(workload, port: port, authorization: workload.authorization.flatMap { compiled[$0] })
    }

    /// The workload a connection is for, as the snapshot describes it; nil when none is registered here.
    public func workload(address: String, port: UInt32) -> Snapshot.InboundWorkload? {
        target(address: address, port: port)?.workload
    }

    /// Whether requests on this workload port must each pass `authorize(_:request:)`: an HTTP port
    /// that some AuthorizationPolicy selects. The caller then parses HTTP on the connection.
    public func authorizesRequests(address: String, port: UInt32) -> Bool {
        guard let target = target(address: address, port: port) else { return false }
        return target.isHTTP && target.authorization != nil
    }

    /// The connection-level decision: the mutual-TLS mode, then, on a TCP port, the authorization.
    public func decide(_ connection: Connection) -> InboundDecision {
        guard let target = target(address: connection.address, port: connection.port) else {
            return .deny("no workload registered on this node serves \(connection.address):\(connection.port)")
        }
        return decide(connection, target)
    }

    /// `decide` for a workload port already looked up.
    func decide(_ connection: Connection, _ target: Target) -> InboundDecision {
        if let refusal = Self.peerAuthentication(target, connection) { return refusal }
        guard !target.isHTTP, let authorization = target.authorization else { return .allow }
        var attributes = Self.connectionAttributes(target, connection)
        attributes.destinationPort = Int(connection.port)
        return Self.decision(authorization, authorization.evaluate(attributes), target, connection, request: nil)
    }

    /// The mutual-TLS mode's verdict; nil when it accepts the connection.
    static func peerAuthentication(_ target: Target, _ connection: Connection) -> InboundDecision? {
        guard target.mtls.mode == .strict else { return nil }
        if !connection.tunnelled {
            return .deny("STRICT \(target.mtls.source): plaintext refused (\(target.name) port \(connection.port))")
        }
        if connection.peer == nil {
            return .deny("STRICT \(target.mtls.source): no verified peer identity (\(target.name) port \(connection.port))")
        }
        return nil
    }

    /// The attributes every check reads: peer identity (tunnel only), addresses, port.
    static func connectionAttributes(_ target: Target, _ connection: Connection) -> AuthorizationAttributes {
        var attributes = AuthorizationAttributes()
        if connection.tunnelled { attributes.setPrincipal(connection.peer) }
        let source = AuthorizationIPBlock.address(connection.sourceIP)
        attributes.sourceIP = source
        attributes.remoteIP = source
        attributes.destinationIP = target.addressBytes
        attributes.destinationPort = Int(connection.port)
        return attributes
    }

    /// The verdict in words: which policy and rule, and whom it concerned.
    static func decision(
        _ authorization: CompiledAuthorization, _ verdict: CompiledAuthorization.Verdict, _ target: Target,
        _ connection: Connection, request: String?
    ) -> InboundDecision {
        if verdict.allowed { return .allow }
        var who = connection.tunnelled ? (connection.peer.map { "principal \($0)" } ?? "no peer identity") : "plaintext peer"
        if let source = connection.sourceIP { who += " from \(source)" }
        let what = "\(target.name) port \(connection.port)" + (request.map { " \($0)" } ?? "")
        if let index = verdict.policy, let rule = verdict.rule {
            let key = authorization.policies[index].key
            return .deny("AuthorizationPolicy \(key.namespace)/\(key.name) rule \(rule) (DENY) denies \(who) to \(what)")
        }
        let allowing = authorization.policies.indices.filter { authorization.actions[$0] == .allow }
            .map { "\(authorization.policies[$0].key.namespace)/\(authorization.policies[$0].key.name)" }
        return .deny("no ALLOW AuthorizationPolicy (\(allowing.joined(separator: ", "))) matches \(who) to \(what)")
    }
}
