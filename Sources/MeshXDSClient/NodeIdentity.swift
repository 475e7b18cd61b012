public import Foundation
public import MeshAPI

/// A node's certificate, its private key and the mesh trust bundle: what it presents to the ADS
/// server (mutual TLS), how it verifies the server, and what fills the snapshot's mesh identity
/// secrets (`.workloadCertificate`, `.meshTrustBundle`).
public struct NodeIdentity: Sendable, Equatable, Codable {
    public var nodeName: String
    public var spiffeID: String
    /// Leaf first, then the intermediates.
    public var certificateChainPEM: String
    public var privateKeyPEM: String
    public var trustBundlePEM: String
    /// When the node got the certificate (never before its own notBefore, which the CA backdates a
    /// minute for clock skew): the renewal schedule counts from here.
    public var notBefore: Date
    public var notAfter: Date

    public init(
        nodeName: String, spiffeID: String, certificateChainPEM: String, privateKeyPEM: String,
        trustBundlePEM: String, notBefore: Date, notAfter: Date
    ) {
        self.nodeName = nodeName
        self.spiffeID = spiffeID
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.trustBundlePEM = trustBundlePEM
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// The certificate a join token bought, with the key its CSR was made from.
    public init(nodeName: String, issued: IssuedCertificate, privateKeyPEM: String) {
        let leaf = issued.certificatePEM.hasSuffix("\n") ? issued.certificatePEM : issued.certificatePEM + "\n"
        self.init(
            nodeName: nodeName, spiffeID: issued.spiffeID, certificateChainPEM: leaf + issued.chainPEM,
            privateKeyPEM: privateKeyPEM, trustBundlePEM: issued.trustBundlePEM, notBefore: max(issued.notBefore, Date()),
            notAfter: issued.notAfter)
    }

    /// When to renew: half the lifetime, well before the two thirds after which a renewal is late.
    public var renewAt: Date { notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) / 2) }

    public func isValid(at date: Date = Date()) -> Bool { date >= notBefore.addingTimeInterval(-300) && date < notAfter }
}
