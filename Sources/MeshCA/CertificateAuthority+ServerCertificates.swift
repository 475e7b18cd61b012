import Foundation
import MeshAPI
import MeshCore
import SwiftASN1
import X509

extension CertificateAuthority {
    /// Signs a server certificate whose SANs are DNS names: the narrow path behind the gateway's
    /// `credentialName: meshbox-ca` (see `GatewayIdentity`).
    ///
    /// Internal on purpose: neither nodes nor the admin API reach it, so the SPIFFE rules of `sign`
    /// (one URI SAN in the trust domain, per-requester authorization) stay the only public way in.
    /// The CSR must ask for exactly `dnsNames`, each an exact DNS host name (no `*`, no wildcard),
    /// and carry no other SAN. The issued log lists it as `dns:<names>` with requester `gateway`.
    func signServerCertificate(csrPEM: String, dnsNames: [String], ttl: Duration?) async throws -> IssuedCertificate {
        try checkOpen()
        guard !dnsNames.isEmpty, dnsNames.count <= 100 else {
            throw MeshError(.invalidArgument, "a server certificate needs 1 to 100 DNS names (got \(dnsNames.count))")
        }
        let wanted = dnsNames.map { $0.lowercased() }
        for name in wanted {
            if let problem = MeshCAMaterial.dnsNameProblem(name) { throw MeshError(.invalidArgument, problem) }
        }
        let (csr, requested) = try verifiedRequest(csrPEM)
        let requestedNames = requested.compactMap { name -> String? in
            if case .dnsName(let dns) = name { return dns.lowercased() }
            return nil
        }
        guard requestedNames.count == requested.count, Set(requestedNames) == Set(wanted) else {
            throw MeshError(.invalidArgument, "the CSR must ask for exactly the DNS names \(wanted.joined(separator: ","))")
        }
        let lifetime = try leafLifetime(ttl)
        let sorted = Set(wanted).sorted()
        return try await issueLeaf(
            publicKey: csr.publicKey, names: sorted.map { .dnsName($0) }, logName: "dns:" + sorted.joined(separator: ","),
            lifetime: lifetime, requester: .admin, requesterLabel: "gateway", expiryGauge: false)
    }
}
