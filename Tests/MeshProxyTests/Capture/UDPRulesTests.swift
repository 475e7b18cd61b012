import Foundation
import MeshModel
import Testing

@testable import MeshProxy

@Suite("UDP DNAT rules")
struct UDPRulesTests {
    static let configuration = CaptureRulesTests.configuration

    static func dns(_ endpoints: [String], vip: String = "240.240.0.9", port: Int = 53) -> ServiceVIP {
        ServiceVIP(
            key: "default/dns",
            address: vip,
            ports: [
                .init(
                    number: port,
                    protocol: .udp,
                    endpoints: endpoints.map { ServiceVIP.Endpoint(address: $0, port: 5353) }
                )
            ]
        )
    }

    static let chain = CaptureRules.chainName(forService: "default/dns")

    @Test("one endpoint: one DNAT rule, no statistic match")
    func oneEndpoint() {
        let rules = CaptureRules(services: [Self.dns(["10.0.0.1"])], family: .ipv4, configuration: Self.configuration)
        #expect(rules.problems.isEmpty)
        #expect(rules.chains.chains[Self.chain] == ["-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.1:5353"])
        #expect(
            rules.chains.chains[CaptureRules.servicesChain]?.last
                == "-d 240.240.0.9/32 -m comment --comment \"default/dns\" -j \(Self.chain)"
        )
    }

    @Test("two endpoints: the first takes half the new flows, the second the rest")
    func twoEndpoints() {
        let rules = CaptureRules(
            services: [Self.dns(["10.0.0.2", "10.0.0.1"])],
            family: .ipv4,
            configuration: Self.configuration
        )
        #expect(
            rules.chains.chains[Self.chain] == [
                "-p udp -m udp --dport 53 -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.0.0.1:5353",
                "-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2:5353",
            ]
        )
    }

    @Test("three endpoints: 1/3, then 1/2 of the rest, then the rest, as iptables-save prints them")
    func threeEndpoints() {
        let rules = CaptureRules(
            services: [Self.dns(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.2"])],
            family: .ipv4,
            configuration: Self.configuration
        )
        #expect(
            rules.chains.chains[Self.chain] == [
                "-p udp -m udp --dport 53 -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.0.0.1:5353",
                "-p udp -m udp --dport 53 -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.0.0.2:5353",
                "-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.3:5353",
            ]
        )
        #expect(
            rules.udpForwarding.targets == [
                UDPForwarding.Target(address: "240.240.0.9", port: 53): ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map {
                    ServiceVIP.Endpoint(address: $0, port: 5353)
                }
            ]
        )
    }

    @Test("each endpoint of n gets 1/n: the cascade's probabilities multiply out", arguments: [2, 3, 4, 7, 10, 100])
    func cascadeIsEven(count: Int) throws {
        var remaining = 1.0
        for index in 0..<(count - 1) {
            let text = UDPRules.probability(1, in: count - index)
            // The kernel keeps round(2^31 p); the printed text parses back to the same value.
            let kept = (2_147_483_648.0 * (try #require(Double(text)))).rounded()
            #expect(kept == (2_147_483_648.0 / Double(count - index)).rounded())
            #expect(text.split(separator: ".").last?.count == 11)
            #expect(abs(remaining * Double(text)! - 1.0 / Double(count)) < 1e-8)
            remaining *= 1 - Double(text)!
        }
        #expect(abs(remaining - 1.0 / Double(count)) < 1e-8)
    }

    @Test("IPv6: canonical addresses in brackets, only in the IPv6 rules")
    func ipv6() {
        var service = Self.dns(["fd00:1:0:0::3", "fd00:1::2"], vip: "fd00:f0f0::9")
        service.ports.append(.init(number: 80))
        let v6 = CaptureRules(services: [service], family: .ipv6, configuration: Self.configuration)
        #expect(v6.problems.isEmpty)
        #expect(
            v6.chains.chains[Self.chain] == [
                "-p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001",
                "-p udp -m udp --dport 53 -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination [fd00:1::2]:5353",
                "-p udp -m udp --dport 53 -j DNAT --to-destination [fd00:1::3]:5353",
            ]
        )
        #expect(v6.udpForwarding.targets.keys.map(\.description) == ["[fd00:f0f0::9]:53"])
        let v4 = CaptureRules(services: [service], family: .ipv4, configuration: Self.configuration)
        #expect(v4.chains.chains[Self.chain] == nil && v4.udpForwarding.isEmpty)
    }

    @Test("a UDP port without endpoints gets no rule; a UDP-only service then has no chain")
    func noEndpoints() {
        let rules = CaptureRules(services: [Self.dns([])], family: .ipv4, configuration: Self.configuration)
        #expect(rules.problems.isEmpty)
        #expect(rules.chains.chains[Self.chain] == nil)
        #expect(rules.chains.chains[CaptureRules.servicesChain]?.count == 1)
        #expect(rules.udpForwarding.isEmpty)
    }

    @Test("endpoints of the wrong family or with bad ports are reported and left out")
    func badEndpoints() {
        var service = Self.dns(["fd00::1", "10.0.0.0/24", "nonsense", "10.0.0.1"])
        service.ports[0].endpoints.append(ServiceVIP.Endpoint(address: "10.0.0.2", port: 0))
        service.ports.append(.init(number: 70000, protocol: .udp))
        let rules = CaptureRules(services: [service], family: .ipv4, configuration: Self.configuration)
        #expect(
            rules.problems.map(\.reason) == [
                "UDP port 53: endpoint fd00::1 is not an ipv4 address",
                "UDP port 53: endpoint 10.0.0.0/24 is not an ipv4 address",
                "UDP port 53: endpoint nonsense is not an ipv4 address",
                "UDP port 53: endpoint port 0 is out of range",
                "port 70000 is out of range",
            ]
        )
        #expect(rules.chains.chains[Self.chain] == ["-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.1:5353"])
    }

    @Test("an endpoint removed rewrites only that service's chain; the port's TCP twin stays a REDIRECT")
    func endpointRemovedRewritesOneChain() throws {
        let others = CaptureRulesTests.services(5)  // VIPs 240.240.0.1-5
        let before = CaptureRules(
            services: others + [Self.dns(["10.0.0.1", "10.0.0.2"])],
            family: .ipv4,
            configuration: Self.configuration
        )
        let after = CaptureRules(
            services: others + [Self.dns(["10.0.0.2"])],
            family: .ipv4,
            configuration: Self.configuration
        )
        #expect(before.problems.isEmpty && after.problems.isEmpty)
        let plan = try #require(RestorePlan(from: before.chains, to: after.chains))
        #expect(plan.rewrittenChains == [Self.chain] && plan.deletedChains.isEmpty && plan.deletedRules == 0)
        #expect(
            plan.input == """
                *nat
                :\(Self.chain) - [0:0]
                -A \(Self.chain) -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2:5353
                COMMIT

                """
        )
        #expect(
            after.udpForwarding.changedTargets(from: before.udpForwarding) == [
                UDPForwarding.Target(address: "240.240.0.9", port: 53)
            ]
        )
    }

    @Test("the existing Port initializer still makes a port without endpoints")
    func compatibleInitializer() {
        let port = ServiceVIP.Port(number: 53, protocol: .udp)
        #expect(port.endpoints.isEmpty && !port.isCapturedByRedirect)
    }
}
