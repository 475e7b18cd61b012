public import MeshAPI
public import NIOCore

/// Which identity a connection the node proxy captured on this host travels with: the local
/// workload that opened it, found by its socket's owner uid among the instances registered on
/// this node with a matching `runAs`; else the node's own identity, with the reason.
///
/// A value built from one registry state (rebuild it when the registry changes): user names are
/// resolved to uids once, at build time. `resolve` asks the kernel (`SocketOwner.find`, one
/// blocking netlink round trip). See docs/identity.md for the model and its limits.
public struct WorkloadIdentityResolver: Sendable {
    /// The identity chosen for one connection and why.
    public struct Resolution: Sendable, Hashable, CustomStringConvertible {
        public enum Reason: Sendable, Hashable, CustomStringConvertible {
            /// The socket's owner is the uid the instance runs as.
            case runsAs(instanceID: String, uid: UInt32)
            /// No local socket has the connection's 4-tuple: it came from another host (captured
            /// in PREROUTING), or it closed before the question.
            case noLocalSocket
            /// No instance registered on this node runs as the socket's owner.
            case noInstance(uid: UInt32)
            /// Instances with different identities run as the same uid; none of them is chosen.
            case sharedUID(uid: UInt32, identities: [String])

            public var description: String {
                switch self {
                case .runsAs(let id, let uid): "the socket's owner uid \(uid) is the runAs of instance \(id)"
                case .noLocalSocket: "no local socket has this connection's addresses (another host's, or closed)"
                case .noInstance(let uid): "no instance registered on this node runs as the socket's owner uid \(uid)"
                case .sharedUID(let uid, let identities):
                    "uid \(uid) is the runAs of instances with different identities (\(identities.joined(separator: ", ")))"
                }
            }
        }

        /// The SPIFFE ID the connection gets.
        public var spiffeID: String
        /// Whether that is a workload's identity (false: the node's).
        public var isWorkload: Bool
        /// The local socket's owner, when there is one.
        public var owner: SocketOwner?
        public var reason: Reason

        public var description: String { "\(spiffeID): \(reason)" }
    }

    private enum Match: Sendable {
        case one(spiffeID: String, instanceID: String)
        case several([String])
    }

    public let nodeIdentity: String
    /// runAs values that name no user on this host, in words for a log: those instances get no
    /// connection until the user exists and the resolver is rebuilt.
    public let problems: [String]
    private let byUID: [UInt32: Match]

    /// - Parameters:
    ///   - node: this node's name; only instances registered on it count.
    ///   - trustDomain: of the workloads' SPIFFE IDs (`Instance.spiffeID`).
    ///   - nodeIdentity: the node's own SPIFFE ID, for connections no workload claims.
    ///   - instances: the registry's instances (any node's; the rest are ignored).
    public init(node: String, trustDomain: String, nodeIdentity: String, instances: some Sequence<Instance>) {
        self.nodeIdentity = nodeIdentity
        var byUID: [UInt32: Match] = [:]
        var problems: [String] = []
        let local = instances.filter { $0.node == node && $0.source == .api && $0.runAs != nil }.sorted {
            $0.id < $1.id
        }
        for instance in local {
            guard let runAs = instance.runAs else { continue }
            let uid: UInt32
            switch LocalUser.uid(of: runAs) {
            case .uid(let value): uid = value
            case .unknown(let reason):
                problems.append("instance \(instance.id): runAs \(runAs): \(reason)")
                continue
            }
            let identity = instance.spiffeID(trustDomain: trustDomain)
            switch byUID[uid] {
            case nil: byUID[uid] = .one(spiffeID: identity, instanceID: instance.id)
            case .one(let existing, _) where existing == identity: break
            case .one(let existing, _): byUID[uid] = .several([existing, identity])
            case .several(let identities):
                if !identities.contains(identity) { byUID[uid] = .several(identities + [identity]) }
            }
        }
        self.byUID = byUID
        self.problems = problems
    }

    /// The identity of a captured connection: `source` is the peer address of the accepted
    /// connection (the opener's own address), `destination` where it was going before the
    /// redirect (its original destination, the opener's peer).
    public func resolve(source: SocketAddress, destination: SocketAddress) -> Resolution {
        guard let tuple = TCPConnectionTuple(local: source, remote: destination) else {
            return resolve(owner: nil)
        }
        return resolve(owner: SocketOwner.find(tuple))
    }

    /// The identity for a socket owner found otherwise (nil: no local socket).
    public func resolve(owner: SocketOwner?) -> Resolution {
        guard let owner else {
            return Resolution(spiffeID: nodeIdentity, isWorkload: false, owner: nil, reason: .noLocalSocket)
        }
        switch byUID[owner.uid] {
        case .one(let identity, let instanceID):
            return Resolution(
                spiffeID: identity,
                isWorkload: true,
                owner: owner,
                reason: .runsAs(instanceID: instanceID, uid: owner.uid)
            )
        case .several(let identities):
            return Resolution(
                spiffeID: nodeIdentity,
                isWorkload: false,
                owner: owner,
                reason: .sharedUID(uid: owner.uid, identities: identities.sorted())
            )
        case nil:
            return Resolution(
                spiffeID: nodeIdentity,
                isWorkload: false,
                owner: owner,
                reason: .noInstance(uid: owner.uid)
            )
        }
    }
}
