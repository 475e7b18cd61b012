import Foundation
import GRPCCore
import Logging
public import MeshAPI
import MeshCore
import MeshXDSProto

/// Issues a node a new certificate: the SPIFFE ID of the client certificate TLS verified, and the
/// node's CSR (PEM). Throws `MeshError` (`.permissionDenied`, `.invalidArgument`, …) to refuse.
/// meshbox passes `CertificateAuthority.renewNode`.
public typealias XDSNodeCertificateRenewal =
    @Sendable (_ peerIdentity: String, _ csrPEM: String) async throws -> IssuedCertificate

/// `meshbox.v1.NodeCertificates` on the ADS listener: a node renews its certificate with the one
/// it presents in the mutual-TLS handshake. The caller's identity is the verified certificate's
/// single URI name, never anything the request says.
struct NodeCertificatesService: Meshbox_V1_NodeCertificates.SimpleServiceProtocol {
    let renewal: XDSNodeCertificateRenewal
    let logger: Logger

    /// A PEM CSR for one EC or RSA key is well under this; more is refused before parsing.
    static let maxCSRBytes = 16 * 1024

    func renew(request: Meshbox_V1_RenewRequest, context: ServerContext) async throws -> Meshbox_V1_NodeCertificate {
        let uris = try XDSPeerIdentity.presentedURIs(context)
        guard uris.count == 1, let peer = uris.first else {
            throw RPCError(
                code: .permissionDenied,
                message: "renewal needs a node certificate with exactly one SPIFFE ID; the presented one has \(uris.count) URI names")
        }
        guard !request.csrPem.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "csr_pem: required (a PEM certificate signing request)")
        }
        guard request.csrPem.utf8.count <= Self.maxCSRBytes else {
            throw RPCError(code: .invalidArgument, message: "csr_pem: longer than \(Self.maxCSRBytes) bytes")
        }
        let issued: IssuedCertificate
        do {
            issued = try await renewal(peer, request.csrPem)
        } catch let error as MeshError {
            logger.warning(
                "Node certificate renewal refused",
                metadata: ["tls.peer_identity": "\(peer)", "error.code": "\(error.code)", "error.message": "\(error.message)"])
            throw RPCError(code: Self.code(error.code), message: error.message)
        }
        var answer = Meshbox_V1_NodeCertificate()
        answer.certificateChainPem = issued.certificatePEM + issued.chainPEM
        answer.trustBundlePem = issued.trustBundlePEM
        answer.notAfterUnixSeconds = Int64(issued.notAfter.timeIntervalSince1970.rounded(.down))
        logger.info(
            "Renewed a node certificate over the ADS listener",
            metadata: ["tls.peer_identity": "\(peer)", "ca.serial": "\(issued.serialNumber)"])
        return answer
    }

    static func code(_ code: MeshError.Code) -> RPCError.Code {
        switch code {
        case .invalidArgument, .validation: .invalidArgument
        case .permissionDenied: .permissionDenied
        case .unauthenticated: .unauthenticated
        case .unavailable: .unavailable
        case .notFound: .notFound
        case .conflict: .alreadyExists
        default: .internalError
        }
    }
}
