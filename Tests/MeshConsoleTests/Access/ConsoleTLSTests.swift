import MeshConsole
import MeshCore
import MeshTesting
import Testing

@Suite("ConsoleTLS")
struct ConsoleTLSTests {
    @Test("a certificate with its key is accepted, and can be replaced by a renewed one")
    func accepted() throws {
        let authority = try TestPKI.Authority(trustDomain: "console.test")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "localhost")
        let tls = try ConsoleTLS(certificateChainPEM: leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM)
        let renewed = try authority.issue(spiffeID: nil, dnsName: "localhost")
        try tls.update(certificateChainPEM: renewed.chainPEM, privateKeyPEM: renewed.privateKeyPEM)
    }

    @Test("a key of another certificate, a non-PEM certificate and a non-PEM key are refused with the reason")
    func refused() throws {
        let authority = try TestPKI.Authority(trustDomain: "console.test")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "localhost")
        let other = try authority.issue(spiffeID: nil, dnsName: "localhost")
        let cases: [(String, String, String)] = [
            (try leaf.chainPEM, other.privateKeyPEM, "the private key does not match the certificate"),
            ("not a certificate", leaf.privateKeyPEM, "the certificate is not PEM text"),
            (try leaf.chainPEM, "not a key", "the private key is not PEM text"),
        ]
        for (chain, key, reason) in cases {
            let error = #expect(throws: MeshError.self) { try ConsoleTLS(certificateChainPEM: chain, privateKeyPEM: key) }
            #expect(error?.message.hasPrefix(reason) == true, "\(String(describing: error))")
        }
        // A refused update keeps the certificate the listener has.
        let tls = try ConsoleTLS(certificateChainPEM: leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM)
        #expect(throws: MeshError.self) { try tls.update(certificateChainPEM: leaf.chainPEM, privateKeyPEM: other.privateKeyPEM) }
    }
}
