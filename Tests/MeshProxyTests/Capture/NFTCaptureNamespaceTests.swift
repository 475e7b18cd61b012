import Foundation
import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

/// The nftables backend against the real `nft`, each test in a network namespace of its own.
@Suite(
    "nftables capture in a network namespace",
    .enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.hasNFT, "needs root, ip netns and nft")
)
struct NFTCaptureNamespaceTests {
    let configuration = CaptureReconcilerNamespaceTests.configuration
    let services =
        CaptureReconcilerNamespaceTests.services + [
            ServiceVIP(key: "default/v6", address: "fd00:f0f0::9", ports: [.init(number: 80)])
        ]

    @Test("install, change one service, repair a flushed ruleset, uninstall to the ruleset as before")
    func lifecycle() async throws {
        try await NetworkNamespace.with { namespace in
            // Someone else's table, which meshbox must leave alone.
            try await namespace.run(
                "nft",
                "-f",
                "-",
                input: "table ip other {\n chain c { type nat hook output priority 0; }\n}\n"
            )
            let before = try await namespace.run("nft", "list", "ruleset")
            let reconciler = NFTCaptureReconciler(configuration: configuration, runner: namespace.runner)

            let first = try await reconciler.reconcile(services)
            #expect(first.replacedTable && first.problems.isEmpty)
            let set4 = try await namespace.run("nft", "list", "set", "inet", "meshbox", "captured4")
            for element in ["240.240.0.1 . 80", "240.240.0.2 . 9080", "240.240.0.2 . 9443", "240.240.0.3 . 5432"] {
                #expect(set4.contains(element))
            }
            #expect(
                try await namespace.run("nft", "list", "set", "inet", "meshbox", "captured6").contains(
                    "fd00:f0f0::9 . 80"
                )
            )

            var changed = services
            changed[0].ports = [.init(number: 8080)]
            let change = try await reconciler.reconcile(changed)
            #expect(!change.replacedTable)
            #expect(
                change.script == """
                    delete element inet meshbox captured4 { 240.240.0.1 . 80 }
                    add element inet meshbox captured4 { 240.240.0.1 . 8080 }

                    """
            )
            #expect(try await reconciler.reconcile(changed).script == nil)

            try await namespace.run("nft", "flush", "ruleset")
            let repair = try await reconciler.reconcile(changed)
            #expect(repair.canaryMissing && repair.replacedTable)
            #expect(
                try await namespace.run("nft", "list", "set", "inet", "meshbox", "captured4").contains(
                    "240.240.0.1 . 8080"
                )
            )

            try await namespace.run("nft", "flush", "ruleset")
            try await namespace.run(
                "nft",
                "-f",
                "-",
                input: "table ip other {\n chain c { type nat hook output priority 0; }\n}\n"
            )
            _ = try await reconciler.reconcile(changed)
            try await reconciler.uninstall()
            #expect(try await namespace.run("nft", "list", "ruleset") == before)
        }
    }

    @Test("a restarted proxy replaces what the crashed run left")
    func adopt() async throws {
        try await NetworkNamespace.with { namespace in
            let crashed = NFTCaptureReconciler(configuration: configuration, runner: namespace.runner)
            _ = try await crashed.reconcile(services)
            let restarted = NFTCaptureReconciler(configuration: configuration, runner: namespace.runner)
            let report = try await restarted.reconcile(Array(services.dropFirst()))
            #expect(report.replacedTable)
            let set4 = try await namespace.run("nft", "list", "set", "inet", "meshbox", "captured4")
            #expect(!set4.contains("240.240.0.1 . 80"))
            #expect(set4.contains("240.240.0.2 . 9080"))
        }
    }
}
