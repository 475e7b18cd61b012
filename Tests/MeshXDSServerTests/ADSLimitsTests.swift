import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshAPI
import MeshCore
import MeshModel
import MeshTesting
import MeshXDSProto
import Synchronization
import Testing

@testable import MeshXDSServer

@Suite("ADS limits: streams per connection and names per stream", .timeLimit(.minutes(1)))
struct ADSLimitsTests {
    typealias F = ADSFixtures
    typealias M = MeshboxNodeFixtures

    static func names(_ count: Int, prefix: String = "n") -> [String] { (0..<count).map { "\(prefix)\($0)" } }

    final class Answered: Sendable {
        let value = Mutex<Set<Int>>([])
    }

    /// A delta stream that asks for clusters, notes in `answered` when a response comes, and
    /// ends when `gate` finishes.
    static func hold<Transport: ClientTransport>(
        _ ads: Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client<Transport>, node index: Int,
        until gate: AsyncStream<Void>, answered: Answered
    ) async throws {
        let request = StreamingClientRequest<Envoy_Service_Discovery_V3_DeltaDiscoveryRequest> { writer in
            try await writer.write(F.delta(F.cluster, node: "edge-\(index)"))
            for await _ in gate {}
        }
        try await ads.deltaAggregatedResources(request: request) { response in
            for try await _ in response.messages {
                answered.value.withLock { _ = $0.insert(index) }
            }
        }
    }

    @Test("a delta stream may hold 100,000 subscribed names; past that, resource_exhausted, in one request or several")
    func deltaSubscriptions() async throws {
        let watch = Watch(M.snapshot())
        try await ADSTestServer.serve(source: M.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            _, port in
            let tooMany = await #expect(throws: RPCError.self) {
                try await ADSTestClient.delta(port: port) { stream in
                    try await stream.exchange(F.delta(F.endpoints, subscribe: Self.names(100_001), node: "edge-1"))
                }
            }
            #expect(tooMany?.code == .resourceExhausted)
            #expect(tooMany?.message.contains("more than 100000") == true)

            let stepwise = await #expect(throws: RPCError.self) {
                try await ADSTestClient.delta(port: port) { stream in
                    let first = try await stream.exchange(F.delta(F.endpoints, subscribe: Self.names(60_000), node: "edge-2"))
                    // Under the limit: answered (none of these exist, so all are removed).
                    #expect(first.removedResources.count == 60_000)
                    stream.send(F.delta(F.endpoints, nonce: first.nonce))
                    _ = try await stream.exchange(F.delta(F.cluster, subscribe: Self.names(40_001, prefix: "c")))
                }
            }
            #expect(stepwise?.code == .resourceExhausted)
        }
    }

    @Test("requests held before the node's first snapshot count toward the limit too")
    func beforeFirstSnapshot() async throws {
        // A source that never sends a snapshot: every request waits.
        struct Silent: SnapshotSource {
            func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> { AsyncStream { _ in } }
        }
        try await ADSTestServer.serve(source: Silent(), translate: XDSServer.meshTranslation) { _, port in
            let error = await #expect(throws: RPCError.self) {
                try await ADSTestClient.delta(port: port) { stream in
                    stream.send(F.delta(F.endpoints, subscribe: Self.names(60_000), node: "edge-1"))
                    stream.send(F.delta(F.cluster, subscribe: Self.names(40_001, prefix: "c")))
                    _ = try await stream.next()
                }
            }
            #expect(error?.code == .resourceExhausted)
        }
    }

    @Test("a state-of-the-world request naming more than 100,000 resources ends the stream with resource_exhausted")
    func sotwSubscriptions() async throws {
        try await ADSTestServer.with(SotWStreamMachineTests.mesh) { _, _, port in
            let error = await #expect(throws: RPCError.self) {
                try await ADSTestClient.sotw(port: port) { stream in
                    try await stream.exchange(F.sotw(F.endpoints, names: Self.names(100_001), node: "edge-1"))
                }
            }
            #expect(error?.code == .resourceExhausted)
        }
    }

    @Test("one connection gets at most maxConcurrentStreams streams at once; the next waits until one ends")
    func concurrentStreams() async throws {
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, maxConcurrentStreams: 2) { _, _, port in
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            ) { client in
                let ads = Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client(wrapping: client)
                let answered = Answered()
                let gates = (0..<3).map { _ in AsyncStream.makeStream(of: Void.self) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await Self.hold(ads, node: 0, until: gates[0].0, answered: answered) }
                    group.addTask { try await Self.hold(ads, node: 1, until: gates[1].0, answered: answered) }
                    try await eventually("two streams answered") { answered.value.withLock { $0 == [0, 1] } }
                    group.addTask { try await Self.hold(ads, node: 2, until: gates[2].0, answered: answered) }
                    try await Task.sleep(for: .seconds(1))
                    #expect(answered.value.withLock { !$0.contains(2) }, "a third stream was served while two were open")
                    gates[0].1.finish()
                    try await eventually("the third stream answered once the first ended") {
                        answered.value.withLock { $0.contains(2) }
                    }
                    gates[1].1.finish()
                    gates[2].1.finish()
                    try await group.waitForAll()
                }
            }
        }
    }
}
