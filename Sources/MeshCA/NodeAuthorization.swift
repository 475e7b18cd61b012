public import MeshAPI

/// Which certificates a node may get by presenting its node certificate: the rules of node
/// renewal (`renewal`, served as NodeCertificates.Renew on the ADS listener) and of the signing
/// path for a node requester (`decide`). The
/// caller verifies the peer's certificate chain against the CA's bundle first and passes the
/// SPIFFE ID of its leaf here; this decides, without I/O, whether that peer may get `requested`.
///
/// The rule: the peer must be a node identity (`ns/meshbox-system/sa/node-<name>`) of the CA's
/// trust domain; it may renew that same identity, and get the identity of a workload registered
/// on its node, never another node's identity or anything outside the trust domain.
public enum NodeAuthorization {
    public enum Decision: Sendable, Hashable {
        case allowed
        /// Why not, in words for the error answer and the log.
        case denied(String)
    }

    /// - Parameters:
    ///   - peer: the SPIFFE ID of the verified node certificate.
    ///   - requested: the identity the CSR asks for.
    ///   - trustDomain: the CA's trust domain.
    ///   - workloadsOnNode: the SPIFFE IDs of the workloads registered on the peer's node.
    public static func decide(
        peer: SPIFFEID, requested: SPIFFEID, trustDomain: String, workloadsOnNode: Set<String>
    ) -> Decision {
        guard peer.trustDomain == trustDomain, let node = peer.nodeName else {
            return .denied("\(peer) is not a node identity of trust domain \(trustDomain)")
        }
        guard requested.trustDomain == trustDomain else {
            return .denied("\(requested) is not in trust domain \(trustDomain)")
        }
        if requested == peer { return .allowed }
        if requested.nodeName == nil, workloadsOnNode.contains(requested.description) { return .allowed }
        return .denied("node \(node) may not request \(requested)")
    }

    /// The identities a node may request for its workloads: `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`
    /// (`Instance.spiffeID`) of each instance registered on `node`. ServiceEntry endpoints run on no
    /// node (their `node` is empty), so they never count.
    public static func workloadIdentities(
        of instances: some Sequence<Instance>, on node: String, trustDomain: String
    ) -> Set<String> {
        guard !node.isEmpty else { return [] }
        return Set(instances.lazy.filter { $0.node == node }.map { $0.spiffeID(trustDomain: trustDomain) })
    }

    /// The rule of node certificate renewal (`CertificateAuthority.renewNode`): the peer must be a
    /// node identity of the trust domain and the CSR must ask for exactly that identity.
    public static func renewal(peer: SPIFFEID, requested: SPIFFEID, trustDomain: String) -> Decision {
        guard peer.trustDomain == trustDomain, let node = peer.nodeName else {
            return .denied("\(peer) is not a node identity of trust domain \(trustDomain); only a node certificate renews itself")
        }
        guard requested == peer else {
            return .denied("node \(node) may renew only its own identity \(peer), not \(requested)")
        }
        return .allowed
    }
}
