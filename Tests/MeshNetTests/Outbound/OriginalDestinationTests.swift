import MeshNet
import NIOCore
import Testing

@Suite("OriginalDestination: the key a captured connection finds its listener by")
struct OriginalDestinationTests {
    @Test("a listener's address text and the kernel's socket address give the same key", arguments: [
        ("240.240.0.10", "240.240.0.10", 80, "240.240.0.10:80"),
        ("fd00:f0f0::9", "fd00:f0f0:0:0:0:0:0:9", 8080, "[fd00:f0f0:0:0:0:0:0:9]:8080"),
    ])
    func sameKey(_ listener: String, _ kernel: String, _ port: Int, _ shown: String) throws {
        let fromListener = try #require(OriginalDestination(address: listener, port: UInt32(port)))
        let fromSocket = try #require(OriginalDestination(try SocketAddress(ipAddress: kernel, port: port)))
        #expect(fromListener == fromSocket)
        #expect([fromListener: "listener"][fromSocket] == "listener")
        #expect(fromSocket.description == shown)
    }

    @Test("other ports, other addresses and the other family are other keys; names are not addresses")
    func distinct() throws {
        let vip = try #require(OriginalDestination(address: "240.240.0.10", port: 80))
        #expect(vip != OriginalDestination(address: "240.240.0.10", port: 81))
        #expect(vip != OriginalDestination(address: "240.240.0.11", port: 80))
        #expect(vip != OriginalDestination(address: "::ffff:240.240.0.10", port: 80), "IPv4-mapped IPv6 is IPv6")
        #expect(OriginalDestination(address: "reviews.default", port: 80) == nil)
        #expect(OriginalDestination(address: "240.240.0.10", port: 70000) == nil)
    }
}
