import SwiftASN1
import X509

/// A `VerifierPolicy` for SPIFFE X.509-SVIDs: the leaf must carry a SPIFFE ID in `trustDomain`.
///
/// It also claims the critical subjectAlternativeName extension: without a policy that handles it,
/// `RFC5280Policy` refuses any chain whose SAN is critical, as SVIDs' often is.
struct SPIFFEPolicy: VerifierPolicy {
    let trustDomain: String
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.subjectAlternativeName]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let ids = PeerIdentity.spiffeIDs(in: chain.leaf)
        if ids.isEmpty { return .failsToMeetPolicy(reason: "no SPIFFE ID in certificate") }
        if ids.allSatisfy({ PeerIdentity.trustDomain(of: $0) == trustDomain }) { return .meetsPolicy }
        return .failsToMeetPolicy(reason: "SPIFFE ID outside trust domain \(trustDomain)")
    }
}
