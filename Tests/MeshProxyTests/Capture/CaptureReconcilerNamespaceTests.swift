import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

/// The reconciler against the real iptables, each test in a network namespace of its own.
@Suite("Capture in a network namespace", .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
struct CaptureReconcilerNamespaceTests {
    static let configuration = CaptureConfiguration(
        ipv6ServiceRange: "fd00:f0f0::/112",
        redirectPort: 15001,
        mark: 0x4d42
    )

    static let services = [
        ServiceVIP(key: "default/reviews", address: "240.240.0.1", ports: [.init(number: 80, protocol: .http)]),
        ServiceVIP(
            key: "default/ratings",
            address: "240.240.0.2",
            ports: [.init(number: 9080), .init(number: 9443, protocol: .tls)]
        ),
        ServiceVIP(key: "shop/db", address: "240.240.0.3", ports: [.init(number: 5432)]),
    ]

    /// What `iptables-save` must show of meshbox's, read back through the parser. Compared as
    /// "no plan needed from one to the other": jumps appended to MESHBOX-SERVICES by an
    /// incremental pass sit after the older ones, and their order there does not matter.
    static func expected(_ services: [ServiceVIP], _ family: IPFamily = .ipv4) -> NATChains {
        CaptureRules(services: services, family: family, configuration: configuration).chains
    }

    @Test("three services installed: iptables-save shows exactly the generated rules, in canonical form")
    func install() async throws {
        try await NetworkNamespace.with { namespace in
            let reconciler = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            let reports = try await reconciler.reconcile(Self.services)
            #expect(reports.map(\.family) == [.ipv4, .ipv6])
            #expect(reports[0].readTable)
            #expect(reports[0].problems.isEmpty)
            let table = try await namespace.natTable()
            // A fresh install is exactly the generated text: the canonical forms match iptables-save's.
            #expect(NATChains(iptablesSave: table.joined(separator: "\n")) == Self.expected(Self.services))
            #expect(
                table.contains("-A OUTPUT -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES")
            )
            #expect(
                table.contains(
                    "-A PREROUTING -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES"
                )
            )
            #expect(table.contains("-A MESHBOX-SERVICES -m mark --mark 0x4d42 -j RETURN"))
            // A second pass finds nothing to do, and does not read the table again.
            let again = try await reconciler.reconcile(Self.services)
            #expect(again[0].plan == nil && !again[0].readTable && !again[0].canaryMissing)
        }
    }

    @Test("one service changed: only its chain's lines change in the table")
    func oneServiceChanged() async throws {
        try await NetworkNamespace.with { namespace in
            let reconciler = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            _ = try await reconciler.reconcile(Self.services)
            let before = try await namespace.natTable()
            var changed = Self.services
            changed[1].ports = [.init(number: 9081)]
            let report = try await reconciler.reconcile(changed)[0]
            let chain = CaptureRules.chainName(forService: "default/ratings")
            #expect(report.plan?.rewrittenChains == [chain])
            #expect(report.plan?.deletedRules == 0)
            let after = try await namespace.natTable()
            let differing = Set(before).symmetricDifference(after)
            #expect(
                differing == [
                    "-A \(chain) -p tcp -m tcp --dport 9080 -j REDIRECT --to-ports 15001",
                    "-A \(chain) -p tcp -m tcp --dport 9443 -j REDIRECT --to-ports 15001",
                    "-A \(chain) -p tcp -m tcp --dport 9081 -j REDIRECT --to-ports 15001",
                ]
            )
            #expect(
                RestorePlan(from: NATChains(iptablesSave: after.joined(separator: "\n")), to: Self.expected(changed))
                    == nil
            )

            // Deleted: its jump and its chain go, nothing else.
            let deleted = Array(changed.dropLast())
            let deletion = try await reconciler.reconcile(deleted)[0]
            #expect(deletion.plan?.deletedChains == [CaptureRules.chainName(forService: "shop/db")])
            #expect(
                RestorePlan(
                    from: NATChains(iptablesSave: try await namespace.natTable().joined(separator: "\n")),
                    to: Self.expected(deleted)
                ) == nil
            )
        }
    }

    @Test("the table flushed and meshbox's chains deleted: the canary is gone and the next pass repairs")
    func flushedAndDeleted() async throws {
        try await NetworkNamespace.with { namespace in
            let reconciler = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            _ = try await reconciler.reconcile(Self.services)
            try await namespace.run("iptables", "-t", "nat", "-F")
            for chain in Self.expected(Self.services).chains.keys {
                try await namespace.run("iptables", "-t", "nat", "-X", chain)
            }
            #expect(try await reconciler.canaryIsPresent(.ipv4) == false)
            let report = try await reconciler.reconcile(Self.services)[0]
            #expect(report.canaryMissing && report.readTable)
            #expect(
                RestorePlan(
                    from: NATChains(iptablesSave: try await namespace.natTable().joined(separator: "\n")),
                    to: Self.expected(Self.services)
                ) == nil
            )
            #expect(try await reconciler.canaryIsPresent(.ipv4))
        }
    }

    @Test("the table only flushed (chains left empty): the empty canary is noticed too")
    func flushedOnly() async throws {
        try await NetworkNamespace.with { namespace in
            let reconciler = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            _ = try await reconciler.reconcile(Self.services)
            try await namespace.run("iptables", "-t", "nat", "-F")
            let report = try await reconciler.reconcile(Self.services)[0]
            #expect(report.canaryMissing)
            #expect(
                RestorePlan(
                    from: NATChains(iptablesSave: try await namespace.natTable().joined(separator: "\n")),
                    to: Self.expected(Self.services)
                ) == nil
            )
        }
    }

    @Test("the table flushed before a pass that writes: its canary probe fails whole, and the pass repairs")
    func flushedBeforeAChange() async throws {
        try await NetworkNamespace.with { namespace in
            let reconciler = CaptureReconciler(configuration: Self.configuration.withoutIPv6, runner: namespace.runner)
            _ = try await reconciler.reconcile(Self.services)
            try await namespace.run("iptables", "-t", "nat", "-F")
            var changed = Self.services
            changed[2].ports = [.init(number: 5433)]
            let report = try await reconciler.reconcile(changed)[0]
            #expect(report.canaryMissing && report.readTable)
            #expect(
                RestorePlan(
                    from: NATChains(iptablesSave: try await namespace.natTable().joined(separator: "\n")),
                    to: Self.expected(changed)
                ) == nil
            )
            #expect(try await reconciler.canaryIsPresent(.ipv4))
        }
    }

    @Test("uninstall leaves iptables-save -t nat exactly as before install, the host's own rules included")
    func uninstall() async throws {
        try await NetworkNamespace.with { namespace in
            // Someone else's nat rules, which meshbox must neither move nor remove.
            try await namespace.run(
                "iptables-restore",
                "--noflush",
                input: """
                    *nat
                    :OTHER - [0:0]
                    -A OUTPUT -d 10.0.0.0/8 -j OTHER
                    -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 8081
                    -A OTHER -j RETURN
                    COMMIT

                    """
            )
            let before = try await namespace.natTable()
            let before6 = try await namespace.natTable(.ipv6)
            let reconciler = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            _ = try await reconciler.reconcile(
                Self.services + [
                    ServiceVIP(key: "default/v6", address: "fd00:f0f0::9", ports: [.init(number: 80)])
                ]
            )
            #expect(try await namespace.natTable() != before)
            #expect(try await namespace.natTable(.ipv6) != before6)
            // Capture comes first in OUTPUT, ahead of the host's own rule.
            #expect(
                try await namespace.natTable().first { $0.hasPrefix("-A OUTPUT") }?.hasSuffix("-j MESHBOX-SERVICES")
                    == true
            )
            _ = try await reconciler.uninstall()
            #expect(try await namespace.natTable() == before)
            #expect(try await namespace.natTable(.ipv6) == before6)
            // Nothing left to uninstall.
            #expect(try await reconciler.uninstall().allSatisfy { $0.plan == nil })
        }
    }

    @Test("a restarted proxy adopts what the crashed run left: no duplicates, stale chains gone")
    func adopt() async throws {
        try await NetworkNamespace.with { namespace in
            let crashed = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            _ = try await crashed.reconcile(Self.services)
            let restarted = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            let now =
                Array(Self.services.dropFirst()) + [
                    ServiceVIP(key: "default/new", address: "240.240.1.1", ports: [.init(number: 80)])
                ]
            let report = try await restarted.reconcile(now)[0]
            #expect(report.readTable && !report.canaryMissing)
            #expect(Set(report.plan?.rewrittenChains ?? []) == [CaptureRules.chainName(forService: "default/new")])
            #expect(report.plan?.deletedChains == [CaptureRules.chainName(forService: "default/reviews")])
            #expect(
                RestorePlan(
                    from: NATChains(iptablesSave: try await namespace.natTable().joined(separator: "\n")),
                    to: Self.expected(now)
                ) == nil
            )
        }
    }

    @Test("IPv6 VIPs are captured through ip6tables in the same shape")
    func ipv6() async throws {
        try await NetworkNamespace.with { namespace in
            let services = [ServiceVIP(key: "default/v6", address: "fd00:f0f0::9", ports: [.init(number: 80)])]
            let reconciler = CaptureReconciler(configuration: Self.configuration, runner: namespace.runner)
            let reports = try await reconciler.reconcile(services)
            #expect(reports[1].family == .ipv6 && reports[1].problems.isEmpty)
            let table = try await namespace.natTable(.ipv6)
            #expect(NATChains(iptablesSave: table.joined(separator: "\n")) == Self.expected(services, .ipv6))
            #expect(
                table.contains("-A OUTPUT -d fd00:f0f0::/112 -m comment --comment meshbox-services -j MESHBOX-SERVICES")
            )
        }
    }
}
