import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import MeshNet

@Suite("Authorization attributes: normalised path, forwarded client, principal")
struct AuthorizationAttributesTests {
    @Test(
        "paths are normalised as Istio's BASE normalisation before matching",
        arguments: [
            ("/api/v1/items", "/api/v1/items"),
            ("/public/../admin", "/admin"),
            ("/public/./../admin/", "/admin/"),
            ("/a/b/../../../admin", "/admin"),
            ("/%61dmin", "/admin"),
            ("/%2e%2e/admin", "/admin"),
            ("/a%2Fb", "/a%2Fb"),
            ("/a\\..\\admin", "/admin"),
            ("/a/.", "/a/"),
            ("/a/..", "/"),
            ("//admin", "//admin"),
            ("/.well-known/x", "/.well-known/x"),
            ("/a/%7euser", "/a/~user"),
            ("/%zz", "/%zz"),
        ]
    )
    func normalisedPath(_ input: String, _ expected: String) {
        #expect(AuthorizationPath.normalized(input[...]) == expected[...])
    }

    @Test(
        "the remote IP is the Nth X-Forwarded-For entry from the right with N trusted proxies, else the peer",
        arguments: [
            (0, ["1.1.1.1, 2.2.2.2"], "9.9.9.9"),
            (1, ["1.1.1.1, 2.2.2.2"], "2.2.2.2"),
            (2, ["56.5.6.7, 72.9.5.6, 98.1.2.3"], "72.9.5.6"),
            (2, ["1.1.1.1", "2.2.2.2"], "1.1.1.1"),
            (3, ["1.1.1.1, 2.2.2.2"], "9.9.9.9"),
            (1, [], "9.9.9.9"),
            (1, ["not-an-ip"], "9.9.9.9"),
            (1, ["1.1.1.1,  2001:db8::1 "], "2001:db8::1"),
        ]
    )
    func forwardedClient(_ trusted: Int, _ values: [String], _ expected: String) {
        var headers = HTTPHeaders()
        for value in values { headers.add(name: "X-Forwarded-For", value: value) }
        #expect(ForwardedClient.address(headers: headers, peer: "9.9.9.9", trustedProxies: trusted) == expected)
    }

    @Test("a principal is kept without spiffe:// and gives its namespace")
    func principal() {
        var attributes = AuthorizationAttributes()
        attributes.setPrincipal("spiffe://cluster.local/ns/shop/sa/web")
        #expect(attributes.principal == "cluster.local/ns/shop/sa/web")
        #expect(attributes.namespace == "shop")
        attributes.setPrincipal("spiffe://example.org/workload")
        #expect(attributes.namespace == nil)
        attributes.setPrincipal(nil)
        #expect(attributes.principal == nil)
    }

    @Test("IP blocks compare prefixes of the right family only")
    func ipBlocks() throws {
        let block = try #require(AuthorizationIPBlock("10.1.0.0/16"))
        #expect(block.contains(AuthorizationIPBlock.address("10.1.200.3")))
        #expect(!block.contains(AuthorizationIPBlock.address("10.2.0.1")))
        #expect(block.contains(AuthorizationIPBlock.address("::ffff:10.1.0.9")))
        #expect(!block.contains(AuthorizationIPBlock.address("::1")))
        #expect(AuthorizationIPBlock.address("10.0.0.0/8") == nil)
        #expect(AuthorizationIPBlock("nonsense") == nil)
    }
}
