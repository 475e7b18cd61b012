import MeshModel
import Testing

@testable import MeshProxy

@Suite("nftables capture rules")
struct NFTCaptureRulesTests {
    let configuration = CaptureRulesTests.configuration

    @Test("services become set elements; the structure holds the hooks for configured ranges only")
    func elements() {
        var services = CaptureRulesTests.services(3)
        services.append(ServiceVIP(key: "default/v6", address: "fd00:f0f0::9", ports: [.init(number: 443)]))
        let rules = NFTCaptureRules(services: services, configuration: configuration)
        #expect(rules.problems.isEmpty)
        #expect(
            rules.allElements(.ipv4) == [
                "240.240.0.1 . 80", "240.240.0.1 . 9090", "240.240.0.2 . 80", "240.240.0.2 . 9090",
                "240.240.0.3 . 80", "240.240.0.3 . 9090",
            ]
        )
        #expect(rules.allElements(.ipv6) == ["fd00:f0f0::9 . 443"])
        #expect(rules.structure.contains("ip daddr 240.240.0.0/16 jump services"))
        #expect(rules.structure.contains("ip6 daddr fd00:f0f0::/112 jump services"))
        #expect(rules.structure.contains("meta mark & 0xffffffff == 0x00004d42 return"))
        let full = rules.fullScript
        #expect(full.hasPrefix("table inet meshbox {}\ndelete table inet meshbox\ntable inet meshbox {\n"))
        #expect(full.contains("add element inet meshbox captured6 { fd00:f0f0::9 . 443 }\n"))
    }

    @Test("a one-service change is only its elements; a new mark replaces the table; no change is nil")
    func changes() throws {
        var services = CaptureRulesTests.services(100)
        let before = NFTCaptureRules(services: services, configuration: configuration)
        #expect(before.script(from: nil) == before.fullScript)
        #expect(before.script(from: before) == nil)
        services[5].ports = [.init(number: 8080)]
        let after = NFTCaptureRules(services: services, configuration: configuration)
        #expect(
            after.script(from: before) == """
                delete element inet meshbox captured4 { 240.240.0.6 . 80, 240.240.0.6 . 9090 }
                add element inet meshbox captured4 { 240.240.0.6 . 8080 }

                """
        )
        var marked = configuration
        marked.mark = 0x1
        let remarked = NFTCaptureRules(services: services, configuration: marked)
        #expect(remarked.script(from: after) == remarked.fullScript)
    }
}
