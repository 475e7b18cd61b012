import MeshNet
import NIOCore
import Testing

@Suite("Tunnel authority")
struct TunnelAuthorityTests {
    @Test(
        "an ip:port authority names that address and formats back the same",
        arguments: ["10.0.3.7:8080", "127.0.0.1:1", "[fd00::7]:65535", "[::1]:15008"])
    func roundTrip(authority: String) throws {
        let address = try #require(TunnelAuthority.parse(authority))
        #expect(TunnelAuthority.format(address) == authority)
    }

    @Test(
        "a name, a missing or out-of-range port, or an unbracketed IPv6 address is not an authority",
        arguments: [
            "reviews.shop:9080", "10.0.3.7", "10.0.3.7:", "10.0.3.7:0", "10.0.3.7:65536", "10.0.3.7:+80", "fd00::7:80",
            "[fd00::7]", "[fd00::7]80", ":80", "10.0.3.7:8O",
        ])
    func rejects(authority: String) {
        #expect(TunnelAuthority.parse(authority) == nil)
    }
}
