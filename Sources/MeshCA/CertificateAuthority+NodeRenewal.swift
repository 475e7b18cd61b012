public import MeshAPI
import MeshCore
import Logging

extension CertificateAuthority {
    /// Renews a node's certificate, authorized by the certificate the node presented: the path
    /// behind NodeCertificates.Renew on the ADS listener.
    ///
    /// The caller (the mutual-TLS listener) has verified the peer's chain against this CA's bundle
    /// and passes the SPIFFE ID of its leaf. The peer must be a node identity of this trust domain
    /// other than the control plane's own node, and the CSR must ask for exactly that identity
    /// (`NodeAuthorization.renewal`). The new certificate has the node lifetime (`defaultLeafTTL`,
    /// as a join gives) and is recorded in the issued log with requester `node:<name>`.
    ///
    /// - Throws: `MeshError` `.permissionDenied` for a peer or CSR identity the rule refuses,
    ///   `.invalidArgument` for a CSR that does not parse, verify or name one SPIFFE ID of this domain.
    public func renewNode(peerIdentity: String, csrPEM: String) async throws -> IssuedCertificate {
        try checkOpen()
        let peer: SPIFFEID
        do {
            peer = try SPIFFEID(parsing: peerIdentity)
        } catch {
            throw MeshError(.permissionDenied, "the presented certificate names \(peerIdentity), not a node identity")
        }
        if let node = peer.nodeName, peer.trustDomain == trustDomain, options.reservedNodeNames.contains(node) {
            throw MeshError(.permissionDenied, "node \(node) is this control plane's own node; it does not renew over the node listener")
        }
        // The peer first: a certificate that may not renew learns nothing about its CSR.
        if case .denied(let reason) = NodeAuthorization.renewal(peer: peer, requested: peer, trustDomain: trustDomain) {
            throw MeshError(.permissionDenied, reason)
        }
        let (csr, requested) = try parseRequest(csrPEM)
        if case .denied(let reason) = NodeAuthorization.renewal(peer: peer, requested: requested, trustDomain: trustDomain) {
            throw MeshError(.permissionDenied, reason)
        }
        let node = peer.nodeName ?? ""
        let issued = try await issue(csr: csr, identity: requested, lifetime: try leafLifetime(nil), requester: .node(node))
        logger.info(
            "Renewed node certificate",
            metadata: ["ca.node_name": "\(node)", "ca.serial": "\(issued.serialNumber)", "ca.not_after": "\(issued.notAfter)"])
        return issued
    }
}
