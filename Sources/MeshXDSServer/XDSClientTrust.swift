import Foundation
import MeshCore
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// How the ADS listener verifies client certificates: against the mesh trust bundle it holds now,
/// which `update` replaces (a root rotation), so new handshakes trust the new roots without a
/// restart. Runs as the TLS handshake's custom verification (NIOSSL then skips its own).
///
/// The chain must verify to one of the roots under RFC 5280 (validity now, CA basic constraints,
/// name constraints) and the leaf must carry a SPIFFE URI name (mesh leaves mark their SAN
/// critical, as Istio does) and, when it says, be for client authentication. Which node the leaf
/// may speak for is checked per stream afterwards (`XDSPeerIdentity`).
final class XDSClientTrust: Sendable {
    private let roots: Mutex<[Certificate]>

    init(bundlePEM: String) throws(MeshError) {
        roots = Mutex(try Self.parse(bundlePEM))
    }

    /// Trusts the roots of `bundlePEM` for the handshakes from now on.
    func update(bundlePEM: String) throws(MeshError) {
        let parsed = try Self.parse(bundlePEM)
        roots.withLock { $0 = parsed }
    }

    /// The TLS handshake's callback: completes `promise` once the chain is checked.
    func verify(_ presented: [NIOSSLCertificate], _ promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        let trusted = roots.withLock { $0 }
        Task { promise.succeed(await Self.verify(presented, roots: trusted)) }
    }

    static func verify(_ presented: [NIOSSLCertificate], roots: [Certificate]) async -> NIOSSLVerificationResultWithMetadata {
        guard let first = presented.first, let leaf = try? certificate(first) else { return .failed }
        let intermediates = presented.dropFirst().compactMap { try? certificate($0) }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
            IssuerKeyUsagePolicy()
            MeshClientLeafPolicy()
        }
        guard case .validCertificate(let chain) = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        else { return .failed }
        do {
            let validated = try chain.map { certificate -> NIOSSLCertificate in
                var serializer = DER.Serializer()
                try serializer.serialize(certificate)
                return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
            }
            return .certificateVerified(VerificationMetadata(ValidatedCertificateChain(validated)))
        } catch {
            return .failed
        }
    }

    private static func certificate(_ certificate: NIOSSLCertificate) throws -> Certificate {
        try Certificate(derEncoded: try certificate.toDERBytes())
    }

    private static func parse(_ bundlePEM: String) throws(MeshError) -> [Certificate] {
        let roots: [Certificate]
        do {
            roots = try PEMDocument.parseMultiple(pemString: bundlePEM).map { try Certificate(pemDocument: $0) }
        } catch {
            throw MeshError(.invalidArgument, "xds: the mesh trust bundle does not parse: \(error)")
        }
        guard !roots.isEmpty else { throw MeshError(.invalidArgument, "xds: the mesh trust bundle has no certificate") }
        return roots
    }
}

/// The leaf rules past RFC 5280: a URI name among the SANs (which mesh leaves mark critical, so
/// this policy is what handles that extension), and client authentication if the leaf limits its
/// extended key usage.
struct MeshClientLeafPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.subjectAlternativeName]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let leaf = chain.leaf
        guard let names = try? leaf.extensions.subjectAlternativeNames,
            names.contains(where: { if case .uniformResourceIdentifier = $0 { true } else { false } })
        else { return .failsToMeetPolicy(reason: "the client certificate has no URI name") }
        if let usage = try? leaf.extensions.extendedKeyUsage, !usage.contains(.clientAuth) {
            return .failsToMeetPolicy(reason: "the client certificate is not for client authentication")
        }
        return .meetsPolicy
    }
}

/// RFC 5280 §4.2.1.3, which swift-certificates' `RFC5280Policy` leaves out: a certificate that
/// signed another must, when it states its key usage, allow certificate signing (`keyCertSign`).
/// BoringSSL's own chain check, which `XDSClientTrust` replaces, enforced it.
struct IssuerKeyUsagePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for issuer in chain.dropFirst() {
            let usage: KeyUsage?
            do {
                usage = try issuer.extensions.keyUsage
            } catch {
                return .failsToMeetPolicy(reason: "the key usage of \(issuer.subject) does not parse: \(error)")
            }
            if let usage, !usage.keyCertSign {
                return .failsToMeetPolicy(reason: "\(issuer.subject) signed a certificate but its key usage excludes keyCertSign")
            }
        }
        return .meetsPolicy
    }
}
