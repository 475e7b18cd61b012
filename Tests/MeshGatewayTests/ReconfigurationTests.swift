import MeshNet
import MeshTesting
import NIOCore
import Testing

/// Snapshots applied while traffic flows: no request may fail or be dropped.
@Suite("Reconfiguration under load")
struct ReconfigurationTests {
    @Test("20 configuration changes under continuous load lose no request")
    func noRequestLost() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        func split(_ v1: Int) -> String {
            GatewayRoutingTests.virtualService("""
                  - route:
                    - {destination: {host: app, subset: v1}, weight: \(v1)}
                    - {destination: {host: app, subset: v2}, weight: \(100 - v1)}
                """) + "\n---\n" + GatewayRoutingTests.subsets
        }
        try await harness.apply(split(100), backends: backends)
        let port = harness.port
        let host = harness.host
        let group = harness.group
        let results = try await withThrowingTaskGroup(of: [Int].self) { tasks in
            for _ in 0..<4 {
                tasks.addTask {
                    let client = try await ProxyClient.connect(port: port, group: group)
                    var statuses: [Int] = []
                    for _ in 0..<400 {
                        statuses.append((try? await client.send("GET", "/", host: host).status) ?? -1)
                    }
                    await client.close()
                    return statuses
                }
            }
            tasks.addTask {
                for change in 1...20 {
                    try await Task.sleep(for: .milliseconds(40))
                    // Alternate the split and, every fourth change, the endpoint set as well.
                    let subset = change % 4 == 0 ? [backends[0]] : backends
                    try await harness.apply(split(change % 2 == 0 ? 100 : 0), backends: subset, version: UInt64(change + 1))
                }
                return []
            }
            var all: [Int] = []
            for try await statuses in tasks { all += statuses }
            return all
        }
        #expect(results.count == 1_600)
        let failures = results.filter { $0 != 200 }
        #expect(failures.isEmpty, "\(failures.count) requests failed: \(Set(failures))")
        #expect(backends[1].requestCount > 0 && backends[0].requestCount > 0, "both splits took traffic")
        await harness.shutdown(backends)
    }
}
