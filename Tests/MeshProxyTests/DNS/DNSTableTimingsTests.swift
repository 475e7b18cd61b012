import Foundation
import MeshAPI
import MeshDNS
import MeshModel
import MeshProxy
import Testing

/// How long the proxy's DNS table of N services takes to build (after every config change),
/// printed, never asserted. Opt-in: `MESHBOX_CAPTURE_TIMINGS=1 swift test --skip-build --filter
/// DNSTableTimings`.
@Suite(
    "DNS table timings",
    .enabled(
        if: ProcessInfo.processInfo.environment["MESHBOX_CAPTURE_TIMINGS"] == "1",
        "set MESHBOX_CAPTURE_TIMINGS=1 to measure"
    )
)
struct DNSTableTimingsTests {
    @Test("build time of the table of 10,000 services with two named ports each")
    func buildTime() {
        var resources: [ResourceKey: StoredResource] = [:]
        for index in 0..<10_000 {
            let resource = Resource(
                metadata: ObjectMeta(name: "svc-\(index)"),
                spec: .service(
                    ServiceSpec(ports: [
                        .init(name: "http", number: 80, protocol: .http), .init(name: "grpc", number: 9090, protocol: .grpc),
                    ])))
            resources[resource.key] = StoredResource(
                resource: resource, revision: 1, createRevision: 1, version: 1, updatedAt: Date(timeIntervalSince1970: 0),
                status: ResourceStatus(vips: [VIPAssignment(address: "240.240.\(index / 250).\(index % 250 + 1)")]))
        }
        let state = ConfigState(revision: 1, resources: resources)
        var table: DNSTable?
        let times = (0..<3).map { _ in
            ContinuousClock().measure { table = DNSTable(config: state, domain: DNSTestConfig.domain) }
        }
        #expect(table?.entry(for: DNSName("svc-7.default.svc.cluster.local")!)?.ipv4 == [[240, 240, 0, 8]])
        print("DNS table timings, 10000 services: build \(times.map(\.description).joined(separator: ", "))")
    }
}
