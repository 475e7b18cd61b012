import Crypto
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshNet

@Suite("ForwardedClientCert")
struct ForwardedClientCertTests {
    static func hash(_ certificate: Certificate) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return SHA256.hash(data: serializer.serializedBytes).map { String($0, radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }

    @Test("By per served URI, the hash, the quoted subject, the client's URI and DNS names, in Envoy's order")
    func format() throws {
        let authority = try TestPKI.Authority(trustDomain: "clients.example.com")
        let client = try authority.issue(spiffeID: "spiffe://clients.example.com/ns/a/sa/b", dnsName: "b.example.com")
        let value = ForwardedClientCert.value(client: client.certificate, servedURIs: ["spiffe://example.com/gw"])
        #expect(
            value
                == "By=spiffe://example.com/gw;Hash=\(try Self.hash(client.certificate));Subject=\"O=meshbox tests\";"
                + "URI=spiffe://clients.example.com/ns/a/sa/b;DNS=b.example.com")
    }

    @Test("without URI SANs on either side: no By, an empty URI")
    func noURIs() throws {
        let client = try TestPKI.Authority(trustDomain: "example.com").issue(spiffeID: nil, dnsName: "c.example.com")
        let value = ForwardedClientCert.value(client: client.certificate, servedURIs: [])
        #expect(value == "Hash=\(try Self.hash(client.certificate));Subject=\"O=meshbox tests\";URI=;DNS=c.example.com")
    }

    @Test("the served URIs are read from the leaf of a PEM chain")
    func servedURIs() throws {
        let leaf = try TestPKI.Authority(trustDomain: "example.com").issue(spiffeID: "spiffe://example.com/gw")
        #expect(ForwardedClientCert.uris(ofLeafIn: try leaf.chainPEM) == ["spiffe://example.com/gw"])
        #expect(ForwardedClientCert.uris(ofLeafIn: "not PEM") == [])
    }
}
