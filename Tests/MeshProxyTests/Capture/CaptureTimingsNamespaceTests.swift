import Foundation
import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

/// Reconcile times for the benchmark rows (1,000 and 10,000 services; one change among
/// 10,000), printed, never asserted. Opt-in: `MESHBOX_CAPTURE_TIMINGS=1 swift test --skip-build
/// --filter CaptureTimings`.
@Suite(
    "Capture reconcile timings",
    .serialized,
    .enabled(
        if: NetworkNamespace.isAvailable && ProcessInfo.processInfo.environment["MESHBOX_CAPTURE_TIMINGS"] == "1",
        "set MESHBOX_CAPTURE_TIMINGS=1 (and run as root) to measure"
    )
)
struct CaptureTimingsNamespaceTests {
    static func services(_ count: Int) -> [ServiceVIP] {
        (0..<count).map { index in
            ServiceVIP(
                key: "default/svc-\(index)",
                address: "240.240.\(index / 250).\(index % 250 + 1)",
                ports: [.init(number: 80, protocol: .http), .init(number: 9090, protocol: .grpc)]
            )
        }
    }

    @Test(
        "reconcile time for N services from empty, one change among N, a no-op pass, a repair, uninstall",
        arguments: [1_000, 10_000]
    )
    func timings(count: Int) async throws {
        try await NetworkNamespace.with { namespace in
            let reconciler = CaptureReconciler(configuration: CaptureConfiguration(), runner: namespace.runner)
            var services = Self.services(count)
            let generate = ContinuousClock().measure {
                _ = CaptureRules(services: services, family: .ipv4, configuration: CaptureConfiguration())
            }
            // The Swift share of a one-service change: the rules through the reconciler's cache.
            var cache = CaptureRules.RenderingCache()
            _ = CaptureRules(services: services, family: .ipv4, configuration: CaptureConfiguration(), cache: &cache)
            var edited = services
            edited[count / 2].ports = [.init(number: 8080)]
            let rulesChange = ContinuousClock().measure {
                _ = CaptureRules(services: edited, family: .ipv4, configuration: CaptureConfiguration(), cache: &cache)
            }
            let full = try await reconciler.reconcile(services)[0]
            services[count / 2].ports = [.init(number: 8080)]
            let change = try await reconciler.reconcile(services)[0]
            services[count / 3].address = "240.240.254.254"
            let vipChange = try await reconciler.reconcile(services)[0]
            let noop = try await reconciler.reconcile(services)[0]
            try await namespace.run("iptables", "-t", "nat", "-F")
            let repair = try await reconciler.reconcile(services)[0]
            let uninstall = try await reconciler.uninstall()[0]

            // Dual stack (an IPv6 range, no IPv6 VIPs): a one-change pass, and the IPv6 canary
            // check it leaves out, as a no-op pass makes it.
            let dual = CaptureReconciler(
                configuration: CaptureConfiguration(ipv6ServiceRange: "fd00:f0f0::/112"), runner: namespace.runner)
            _ = try await dual.reconcile(services)
            services[count / 4].ports = [.init(number: 8081)]
            let dualChange = try await dual.reconcile(services)
            let dualNoop = try await dual.reconcile(services)
            _ = try await dual.uninstall()

            // The same rows for the nftables backend.
            var nftServices = Self.services(count)
            let nft = NFTCaptureReconciler(configuration: CaptureConfiguration(), runner: namespace.runner)
            let nftFull = try await nft.reconcile(nftServices)
            nftServices[count / 2].ports = [.init(number: 8080)]
            let nftChange = try await nft.reconcile(nftServices)
            let nftNoop = try await nft.reconcile(nftServices)
            try await namespace.run("nft", "flush", "ruleset")
            let nftRepair = try await nft.reconcile(nftServices)
            print(
                """
                capture timings, \(count) services (\(full.ruleCount) rules): generate \(generate), \
                rules of a one-service change (cached) \(rulesChange), \
                full install \(full.duration) (\(full.plan?.input.utf8.count ?? 0) bytes), \
                one service's ports changed \(change.duration) (\(change.plan?.input.utf8.count ?? 0) bytes), \
                one VIP changed \(vipChange.duration), no-op pass \(noop.duration), \
                repair after iptables -t nat -F \(repair.duration), uninstall \(uninstall.duration); \
                dual stack one change: IPv4 \(dualChange[0].duration) + IPv6 \(dualChange[1].duration), \
                IPv6 canary check of a no-op pass \(dualNoop[1].duration); \
                nftables: full install \(nftFull.duration), one service's ports changed \(nftChange.duration), \
                no-op pass \(nftNoop.duration), repair after nft flush ruleset \(nftRepair.duration)
                """
            )
        }
    }
}
