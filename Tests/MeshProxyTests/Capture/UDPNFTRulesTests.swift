import MeshModel
import Testing

@testable import MeshProxy

@Suite("UDP DNAT in nftables")
struct UDPNFTRulesTests {
    let configuration = CaptureRulesTests.configuration
    let target = UDPForwarding.Target(address: "240.240.0.9", port: 53)

    @Test("one endpoint is a plain dnat; several are picked by numgen random; IPv6 too")
    func rules() {
        let one = [ServiceVIP.Endpoint(address: "10.0.0.1", port: 5353)]
        #expect(UDPRules.nftRule(endpoints: one, family: .ipv4) == "meta l4proto udp dnat ip to 10.0.0.1:5353")
        let three = ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map { ServiceVIP.Endpoint(address: $0, port: 5353) }
        #expect(
            UDPRules.nftRule(endpoints: three, family: .ipv4)
                == "meta l4proto udp dnat ip to numgen random mod 3 map { 0 : 10.0.0.1 . 5353, 1 : 10.0.0.2 . 5353, 2 : 10.0.0.3 . 5353 }"
        )
        let v6 = ["fd00::1", "fd00::2"].map { ServiceVIP.Endpoint(address: $0, port: 53) }
        #expect(
            UDPRules.nftRule(endpoints: v6, family: .ipv6)
                == "meta l4proto udp dnat ip6 to numgen random mod 2 map { 0 : fd00::1 . 53, 1 : fd00::2 . 53 }"
        )
        #expect(UDPRules.nftRule(endpoints: [v6[0]], family: .ipv6) == "meta l4proto udp dnat ip6 to [fd00::1]:53")
    }

    @Test("the full table declares the maps, looks them up, and fills a chain per target")
    func fullScript() {
        let rules = NFTCaptureRules(
            services: [UDPRulesTests.dns(["10.0.0.1", "10.0.0.2"])],
            configuration: configuration
        )
        let chain = UDPNFTRules.chainName(target)
        #expect(chain.hasPrefix("udp-") && chain.count == 20)
        #expect(rules.structure.contains("  map udp4 { type ipv4_addr . inet_service : verdict; }\n"))
        #expect(rules.structure.contains("    ip daddr . udp dport vmap @udp4\n"))
        #expect(
            rules.fullScript.hasSuffix(
                """
                add chain inet meshbox \(chain)
                add rule inet meshbox \(chain) meta l4proto udp dnat ip to numgen random mod 2 map { 0 : 10.0.0.1 . 5353, 1 : 10.0.0.2 . 5353 }
                add element inet meshbox udp4 { 240.240.0.9 . 53 : goto \(chain) }

                """
            )
        )
    }

    @Test("an endpoint removed refills its chain only; a target gone loses its element, then its chain")
    func changes() {
        let others = CaptureRulesTests.services(5)
        let chain = UDPNFTRules.chainName(target)
        let both = NFTCaptureRules(
            services: others + [UDPRulesTests.dns(["10.0.0.1", "10.0.0.2"])],
            configuration: configuration
        )
        let one = NFTCaptureRules(services: others + [UDPRulesTests.dns(["10.0.0.2"])], configuration: configuration)
        #expect(both.problems.isEmpty && one.problems.isEmpty)
        #expect(
            one.script(from: both) == """
                flush chain inet meshbox \(chain)
                add rule inet meshbox \(chain) meta l4proto udp dnat ip to 10.0.0.2:5353

                """
        )
        #expect(one.script(from: one) == nil)
        let none = NFTCaptureRules(services: others + [UDPRulesTests.dns([])], configuration: configuration)
        #expect(
            none.script(from: one) == """
                delete element inet meshbox udp4 { 240.240.0.9 . 53 }
                delete chain inet meshbox \(chain)

                """
        )
        #expect(
            one.script(from: none) == """
                add chain inet meshbox \(chain)
                add rule inet meshbox \(chain) meta l4proto udp dnat ip to 10.0.0.2:5353
                add element inet meshbox udp4 { 240.240.0.9 . 53 : goto \(chain) }

                """
        )
    }
}
