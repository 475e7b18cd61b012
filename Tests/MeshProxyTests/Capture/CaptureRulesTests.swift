import MeshModel
import Testing

@testable import MeshProxy

@Suite("Capture rules")
struct CaptureRulesTests {
    static let configuration = CaptureConfiguration(
        ipv6ServiceRange: "fd00:f0f0::/112",
        redirectPort: 15001,
        mark: 0x4d42
    )

    static func services(_ count: Int) -> [ServiceVIP] {
        (0..<count).map { index in
            ServiceVIP(
                key: "default/svc-\(index)",
                address: "240.240.\(index / 250).\(index % 250 + 1)",
                ports: [.init(number: 80, protocol: .http), .init(number: 9090, protocol: .grpc)]
            )
        }
    }

    @Test("N services give one chain each, one jump each, the canary, and the hooks", arguments: [0, 1, 3, 500])
    func servicesGiveChains(count: Int) {
        let rules = CaptureRules(services: Self.services(count), family: .ipv4, configuration: Self.configuration)
        #expect(rules.problems.isEmpty)
        let chains = rules.chains.chains
        #expect(chains.count == count + 2)
        #expect(chains[CaptureRules.canaryChain] == ["-j RETURN"])
        #expect(chains[CaptureRules.servicesChain]?.count == count + 1)
        for service in Self.services(count) {
            let chain = CaptureRules.chainName(forService: service.key)
            #expect(
                chains[chain] == [
                    "-p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001",
                    "-p tcp -m tcp --dport 9090 -j REDIRECT --to-ports 15001",
                ]
            )
            #expect(
                chains[CaptureRules.servicesChain]!.contains(
                    "-d \(service.address)/32 -m comment --comment \"\(service.key)\" -j \(chain)"
                )
            )
        }
        #expect(rules.chains.ruleCount == 2 + 1 + 1 + count * 3)
    }

    @Test("the mark RETURN is the first rule of MESHBOX-SERVICES")
    func markReturnFirst() {
        let rules = CaptureRules(services: Self.services(5), family: .ipv4, configuration: Self.configuration)
        #expect(rules.chains.chains[CaptureRules.servicesChain]?.first == "-m mark --mark 0x4d42 -j RETURN")
        var masked = Self.configuration
        masked.markMask = 0xff00
        let maskedRules = CaptureRules(services: Self.services(1), family: .ipv4, configuration: masked)
        #expect(
            maskedRules.chains.chains[CaptureRules.servicesChain]?.first == "-m mark --mark 0x4d42/0xff00 -j RETURN"
        )
    }

    @Test("only the VIP range jumps from OUTPUT and PREROUTING, nothing else outside meshbox's chains")
    func hooksOnlyForRange() {
        var configuration = Self.configuration
        configuration.ipv4ServiceRange = "240.240.7.9/16"  // written as a host address: masked
        let rules = CaptureRules(services: Self.services(2), family: .ipv4, configuration: configuration)
        let hook = "-d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES"
        #expect(rules.chains.jumps == ["OUTPUT": [hook], "PREROUTING": [hook]])
        for name in rules.chains.chains.keys { #expect(name.hasPrefix("MESHBOX-")) }
    }

    @Test("chain names are MESHBOX-SVC- and 16 base32 characters, stable per key")
    func chainNames() {
        let name = CaptureRules.chainName(forService: "default/reviews")
        #expect(name.count == 28)
        #expect(name.hasPrefix("MESHBOX-SVC-"))
        #expect(name.dropFirst(12).allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        #expect(name == CaptureRules.chainName(forService: "default/reviews"))
        #expect(name != CaptureRules.chainName(forService: "default/ratings"))
    }

    @Test("IPv6 VIPs go to the IPv6 rules in inet_ntop form; each family ignores the other's")
    func ipv6() {
        let services = [
            ServiceVIP(key: "default/a", address: "240.240.0.1", ports: [.init(number: 80)]),
            ServiceVIP(key: "default/b", address: "fd00:f0f0:0:0:0:0:0:5", ports: [.init(number: 443, protocol: .tls)]),
        ]
        let v6 = CaptureRules(services: services, family: .ipv6, configuration: Self.configuration)
        #expect(v6.problems.isEmpty)
        #expect(
            v6.chains.jumps["OUTPUT"] == [
                "-d fd00:f0f0::/112 -m comment --comment meshbox-services -j MESHBOX-SERVICES"
            ]
        )
        #expect(v6.chains.chains[CaptureRules.servicesChain]?.last?.hasPrefix("-d fd00:f0f0::5/128 ") == true)
        #expect(v6.chains.chains.count == 3)
        let v4 = CaptureRules(services: services, family: .ipv4, configuration: Self.configuration)
        #expect(v4.chains.chains.count == 3)
        var noV6 = Self.configuration
        noV6.ipv6ServiceRange = nil
        let none = CaptureRules(services: services, family: .ipv6, configuration: noV6)
        #expect(none.chains.isEmpty)
        #expect(none.problems.map(\.service) == ["default/b"])
    }

    @Test("bad input is reported and left out, never crashes")
    func problems() {
        let services = [
            ServiceVIP(key: "a", address: "not-an-ip", ports: [.init(number: 80)]),
            ServiceVIP(key: "b", address: "10.0.0.1", ports: [.init(number: 80)]),
            ServiceVIP(key: "c", address: "240.240.0.1", ports: [.init(number: 80)]),
            ServiceVIP(key: "d", address: "240.240.0.1", ports: [.init(number: 81)]),
            ServiceVIP(
                key: "e",
                address: "240.240.0.2",
                ports: [.init(number: 0), .init(number: 70000), .init(number: 8080)]
            ),
            ServiceVIP(key: "f", address: "240.240.0.3", ports: [.init(number: 53, protocol: .udp)]),
            ServiceVIP(key: "g", address: "240.240.0.4/32", ports: [.init(number: 80)]),
            ServiceVIP(
                key: "bad \"key\" with spaces and a very long tail ............................................",
                address: "240.240.0.5",
                ports: [.init(number: 80)]
            ),
        ]
        let rules = CaptureRules(services: services, family: .ipv4, configuration: Self.configuration)
        #expect(Set(rules.problems.map(\.service)) == ["a", "b", "d", "e", "g"])
        #expect(
            rules.chains.chains[CaptureRules.chainName(forService: "e")] == [
                "-p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 15001"
            ]
        )
        #expect(rules.chains.chains[CaptureRules.chainName(forService: "f")] == nil)  // UDP: not REDIRECT's
        let jump = rules.chains.chains[CaptureRules.servicesChain]!.first { $0.hasPrefix("-d 240.240.0.5/32") }!
        let comment = CaptureRules.commentText(services[7].key)
        #expect(comment.count == 64)
        #expect(comment.hasPrefix("bad__key__with_spaces_and_a_very_long_tail_..."))
        #expect(jump.contains("--comment \"\(comment)\" -j"))

        var broken = Self.configuration
        broken.ipv4ServiceRange = "fd00::/64"
        #expect(CaptureRules(services: services, family: .ipv4, configuration: broken).chains.isEmpty)
        broken = Self.configuration
        broken.redirectPort = 0
        #expect(CaptureRules(services: services, family: .ipv4, configuration: broken).chains.isEmpty)
    }
    @Test("a pass through the rendering cache gives the rules a fresh rendering gives, whatever changed")
    func renderingCache() {
        var cache = CaptureRules.RenderingCache()
        var services = Self.services(300)
        services.append(ServiceVIP(key: "default/svc-7", address: "fd00:f0f0::7", ports: [.init(number: 80)]))
        for family in IPFamily.allCases {
            _ = CaptureRules(services: services, family: family, configuration: Self.configuration, cache: &cache)
        }
        var changed = services.shuffled()
        changed.removeAll { $0.key == "default/svc-3" }
        changed[changed.firstIndex { $0.key == "default/svc-12" }!].ports = [.init(number: 8443)]
        changed[changed.firstIndex { $0.key == "default/svc-40" }!].address = "240.240.9.9"
        changed.append(ServiceVIP(key: "default/added", address: "240.240.8.8", ports: [.init(number: 53, protocol: .udp)]))
        changed.append(ServiceVIP(key: "default/svc-0", address: "240.240.7.7", ports: [.init(number: 1)]))  // same key twice
        for family in IPFamily.allCases {
            let cached = CaptureRules(services: changed, family: family, configuration: Self.configuration, cache: &cache)
            let fresh = CaptureRules(services: changed, family: family, configuration: Self.configuration)
            #expect(cached == fresh)
        }
        #expect(cache.rows.count == changed.count)
        let chain = CaptureRules.chainName(forService: "default/svc-12")
        let twelve = CaptureRules(services: changed, family: .ipv4, configuration: Self.configuration, cache: &cache)
        #expect(twelve.chains.chains[chain] == ["-p tcp -m tcp --dport 8443 -j REDIRECT --to-ports 15001"])
        #expect(twelve.problems.map(\.reason).contains("same key or chain hash as default/svc-0"))
    }

    @Test("rows changed in place are patched where they sit, and match a fresh rendering, moved or not")
    func renderingCachePatch() {
        var cache = CaptureRules.RenderingCache()
        var services = Self.services(300)
        _ = CaptureRules(services: services, family: .ipv4, configuration: Self.configuration, cache: &cache)
        services[150].ports = [.init(number: 8443)]  // stays where it sorts
        services[100].address = "240.240.9.9"
        var steps = [services]
        services[20].key = "zzz/moved"  // sorts elsewhere now: the cache sorts again
        steps.append(services)
        services[7] = ServiceVIP(key: services[8].key, address: services[8].address, ports: [.init(number: 1)])  // a tie
        steps.append(services)
        services[200].ports = []
        steps.append(services)
        // Sorted: the first pass, the moved key, the tie; patched: the others.
        for (step, sorts) in zip(steps, [1, 2, 3, 3]) {
            let cached = CaptureRules(services: step, family: .ipv4, configuration: Self.configuration, cache: &cache)
            let fresh = CaptureRules(services: step, family: .ipv4, configuration: Self.configuration)
            #expect(cached == fresh)
            #expect(cache.rows == step.sorted { ($0.key, $0.address) < ($1.key, $1.address) })
            #expect(cache.sorts == sorts)
        }
        let patched = CaptureRules(services: services, family: .ipv4, configuration: Self.configuration, cache: &cache)
        #expect(patched.chains.chains[CaptureRules.chainName(forService: "zzz/moved")] != nil)
        #expect(patched.chains.chains[CaptureRules.chainName(forService: "default/svc-200")] == nil)
    }
}
