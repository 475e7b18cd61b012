import MeshModel
import Testing

@testable import MeshProxy

/// The capture rules' canonical addresses read addresses with MeshModel's parser (`IPBlock`'s):
/// one parser, two readings (the family as written here; IPv4-mapped read as IPv4 there).
@Suite("Canonical addresses")
struct CanonicalAddressTests {
    @Test(
        "an address or block parses here exactly when IPBlock parses it, zones and IPv4-mapped addresses aside",
        arguments: [
            "240.240.0.7", "240.240.0.0/16", "fd00::1", "0:0::1", "2001:2::/48", "10.0.0.1/33", "1.2.3", "1.2.3.4.5",
            "01.2.3.4", "::g", "", "10.0.0.0/", "/8", "a.b.c.d", "256.1.1.1", "fd00::/129",
        ])
    func agreesWithIPBlock(_ text: String) {
        let canonical = CanonicalAddress(text)
        #expect((canonical != nil) == (IPBlock(text) != nil), "\(text)")
        if let canonical, let block = IPBlock(text) {
            #expect(canonical.prefixLength == block.prefixLength)
            #expect(canonical.family == (block.bytes.count == 4 ? .ipv4 : .ipv6))
        }
    }

    @Test("the text is iptables-save's: compressed IPv6, the block masked; the family is the one written")
    func canonicalText() {
        #expect(CanonicalAddress("0:0::1") == CanonicalAddress("::1"))
        #expect(CanonicalAddress("0:0::1")?.cidr == "::1/128")
        #expect(CanonicalAddress("240.240.7.7/16")?.cidr == "240.240.0.0/16")
        #expect(CanonicalAddress("2001:0002:0000::/48")?.cidr == "2001:2::/48")
        #expect(CanonicalAddress("::ffff:10.0.0.1")?.family == .ipv6, "IPBlock reads it as IPv4; iptables does not")
        #expect(CanonicalAddress("fe80::1%eth0") == nil, "a zone is no address of a rule")
    }
}
