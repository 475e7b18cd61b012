import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshModel
import X509

/// The mTLS rule of the ADS listener past the handshake: TLS already verified the client's chain
/// against the mesh CA; the leaf must also carry the SPIFFE ID of the node the stream claims to be
/// (`Node.id`), so one node cannot ask for another node's config.
struct XDSPeerIdentity: Sendable {
    /// The SPIFFE ID a node's certificate carries, from its node id (the CA's node identity).
    let expectedIdentity: @Sendable (_ nodeID: String) -> String

    func check(_ node: DataPlaneNode, _ context: ServerContext) throws(RPCError) {
        let uris = try Self.presentedURIs(context)
        let expected = expectedIdentity(node.id)
        guard uris.contains(expected) else {
            let presented = uris.isEmpty ? "no URI name" : uris.joined(separator: ", ")
            throw RPCError(
                code: .permissionDenied,
                message: "node \(node.id) must present a certificate for \(expected); it presented \(presented)"
            )
        }
    }

    /// The URI names of the client certificate TLS verified (`unauthenticated` without one).
    static func presentedURIs(_ context: ServerContext) throws(RPCError) -> [String] {
        guard let tls = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
            let certificate = tls.peerCertificate
        else {
            throw RPCError(code: .unauthenticated, message: "the ADS listener requires a client certificate")
        }
        let names = ((try? certificate.extensions.subjectAlternativeNames) ?? nil) ?? SubjectAlternativeNames()
        return names.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { uri } else { nil }
        }
    }
}
