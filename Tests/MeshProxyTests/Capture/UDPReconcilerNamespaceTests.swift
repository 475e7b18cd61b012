import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

/// The UDP rules against the real iptables: what iptables-save prints back is exactly what was
/// rendered, so a restarted proxy adopts the table without rewriting a chain.
@Suite(
    "UDP rules in a network namespace",
    .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason)
)
struct UDPReconcilerNamespaceTests {
    static let services: [ServiceVIP] = [
        UDPRulesTests.dns(["10.0.0.1"], vip: "240.240.0.11"),
        UDPRulesTests.dns(["10.0.0.1", "10.0.0.2"], vip: "240.240.0.12"),
        UDPRulesTests.dns(["10.0.0.1", "10.0.0.2", "10.0.0.3"], vip: "240.240.0.13"),
        UDPRulesTests.dns((1...7).map { "10.0.1.\($0)" }, vip: "240.240.0.17"),
        UDPRulesTests.dns(["fd00:1::1", "fd00:1::2", "fd00:1::3"], vip: "fd00:f0f0::13"),
    ].enumerated().map { index, service in
        var copy = service
        copy.key = "default/dns-\(index)"
        copy.ports.append(.init(number: 80))
        return copy
    }

    @Test("1, 2, 3 and 7 endpoints, IPv4 and IPv6: iptables-save shows the rendered text; a restart adopts it")
    func canonical() async throws {
        try await NetworkNamespace.with { namespace in
            let configuration = CaptureReconcilerNamespaceTests.configuration
            let reconciler = CaptureReconciler(
                configuration: configuration,
                runner: namespace.runner,
                cleansStaleUDPFlows: false
            )
            let reports = try await reconciler.reconcile(Self.services)
            #expect(reports.allSatisfy { $0.problems.isEmpty })
            for family in IPFamily.allCases {
                let table = try await namespace.natTable(family).joined(separator: "\n")
                #expect(
                    NATChains(iptablesSave: table) == CaptureReconcilerNamespaceTests.expected(Self.services, family)
                )
            }
            let v4 = try await namespace.natTable(.ipv4)
            #expect(v4.contains { $0.contains("--probability 0.14285714272 -j DNAT --to-destination 10.0.1.1:5353") })
            let restarted = CaptureReconciler(
                configuration: configuration,
                runner: namespace.runner,
                cleansStaleUDPFlows: false
            )
            let adopted = try await restarted.reconcile(Self.services)
            #expect(adopted.allSatisfy { $0.readTable && $0.plan == nil })
        }
    }
}
