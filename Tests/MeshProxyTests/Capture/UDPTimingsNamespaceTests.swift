import Foundation
import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

/// Reconcile times with UDP services (DNAT across endpoints, conntrack cleanup), printed, never
/// asserted. Opt-in: `MESHBOX_CAPTURE_TIMINGS=1 swift test --skip-build --filter UDPTimings`.
@Suite(
    "UDP reconcile timings",
    .serialized,
    .enabled(
        if: NetworkNamespace.hasConntrack && ProcessInfo.processInfo.environment["MESHBOX_CAPTURE_TIMINGS"] == "1",
        "set MESHBOX_CAPTURE_TIMINGS=1 (and run as root, with conntrack installed) to measure"
    )
)
struct UDPTimingsNamespaceTests {
    /// `count` services with one UDP port across three endpoints each.
    static func services(_ count: Int) -> [ServiceVIP] {
        (0..<count).map { index in
            let endpoints = (1...3).map {
                ServiceVIP.Endpoint(address: "10.\(index / 250).\(index % 250).\($0)", port: 5353)
            }
            return ServiceVIP(
                key: "default/udp-\(index)",
                address: "240.240.\(index / 250).\(index % 250 + 1)",
                ports: [.init(number: 53, protocol: .udp, endpoints: endpoints)]
            )
        }
    }

    @Test("reconcile time for N UDP services from empty, one endpoint removed, a no-op pass", arguments: [1_000])
    func timings(count: Int) async throws {
        try await NetworkNamespace.with { namespace in
            var services = Self.services(count)
            let iptables = CaptureReconciler(configuration: CaptureConfiguration(), runner: namespace.runner)
            let full = try await iptables.reconcile(services)[0]
            services[count / 2].ports[0].endpoints.removeLast()
            let removal = try await iptables.reconcile(services)[0]
            let noop = try await iptables.reconcile(services)[0]
            _ = try await iptables.uninstall()

            var nftServices = Self.services(count)
            let nft = NFTCaptureReconciler(configuration: CaptureConfiguration(), runner: namespace.runner)
            let nftFull = try await nft.reconcile(nftServices)
            nftServices[count / 2].ports[0].endpoints.removeLast()
            let nftRemoval = try await nft.reconcile(nftServices)
            let nftNoop = try await nft.reconcile(nftServices)
            try await nft.uninstall()
            print(
                """
                UDP timings, \(count) services × 3 endpoints (\(full.ruleCount) rules): \
                iptables full install \(full.duration) (\(full.plan?.input.utf8.count ?? 0) bytes, with conntrack -L), \
                one endpoint removed \(removal.duration) (\(removal.plan?.input.utf8.count ?? 0) bytes, conntrack -L), \
                no-op pass \(noop.duration); nftables: full install \(nftFull.duration), \
                one endpoint removed \(nftRemoval.duration), no-op pass \(nftNoop.duration)
                """
            )
        }
    }
}
