import MeshModel
import Testing

@Suite("VIPRange")
struct VIPRangeTests {
    @Test(
        "parses a block, clears host bits, and counts its usable addresses",
        arguments: [
            ("240.240.0.0/16", "240.240.0.0/16", UInt64(65534), "240.240.0.1", "240.240.255.254"),
            ("240.240.7.9/30", "240.240.7.8/30", 2, "240.240.7.9", "240.240.7.10"),
            ("10.0.0.4/31", "10.0.0.4/31", 2, "10.0.0.4", "10.0.0.5"),
            ("10.0.0.4/32", "10.0.0.4/32", 1, "10.0.0.4", "10.0.0.4"),
            ("fd00:0:0:0::/112", "fd00::/112", 65535, "fd00::1", "fd00::ffff"),
            ("2001:2::/48", "2001:2::/48", 1 << 63 - 1, "2001:2::1", "2001:2::7fff:ffff:ffff:ffff"),
        ] as [(String, String, UInt64, String, String)]
    )
    func parses(text: String, description: String, count: UInt64, first: String, last: String) throws {
        let range = try #require(VIPRange(text))
        #expect(range.description == description)
        #expect(range.count == count)
        #expect(range.address(at: 0) == first)
        #expect(range.address(at: count - 1) == last)
        #expect(range.contains(first) && range.contains(last))
    }

    @Test("what is not a block is nil", arguments: ["240.240.0.0", "240.240.0.0/33", "fd00::/129", "x/8", "10.0.0.0/", "10.0.0.0/+8", ""])
    func refuses(text: String) {
        #expect(VIPRange(text) == nil)
    }

    @Test("network and broadcast addresses and other blocks are not usable addresses")
    func containsOnlyUsable() throws {
        let range = try #require(VIPRange("240.240.0.0/16"))
        #expect(!range.contains("240.240.0.0"))
        #expect(!range.contains("240.240.255.255"))
        #expect(!range.contains("240.241.0.1"))
        #expect(!range.contains("2001:2::1"))
        #expect(!range.contains("nope"))
        let v6 = try #require(VIPRange("fd00::/112"))
        #expect(!v6.contains("fd00::"))
        #expect(v6.contains("fd00:0::7"))
        #expect(!v6.contains("fd00::1:0"))
    }

    @Test("canonical text makes two spellings of one address equal")
    func canonical() {
        #expect(VIPRange.canonical("fd00:0:0::0:1") == "fd00::1")
        #expect(VIPRange.canonical("::ffff:10.0.0.1") == "10.0.0.1")
        #expect(VIPRange.canonical("10.0.0.1") == "10.0.0.1")
        #expect(VIPRange.canonical("fe80::1%eth0") == nil)
        #expect(VIPRange.family(of: "2001:2::9") == .ipv6)
        #expect(VIPRange.family(of: "240.240.0.9") == .ipv4)
    }
}
