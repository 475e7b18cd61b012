import Foundation
import Logging
import MeshAPI
import MeshCore
import MeshModel
import MeshProxy
import MeshTesting
import ServiceLifecycle
import Testing

@Suite("ProxyRole")
struct ProxyRoleTests {
    @Test("a burst of config changes makes one pass, with the newest VIP table")
    func debounced() async throws {
        let capture = RecordingCapture()
        try await Self.withRole(capture, debounce: .milliseconds(300)) { configs, _ in
            for count in 1...3 { configs.yield(Self.snapshot(Self.state(services: count))) }
            try await eventually("the first pass") { await capture.passes.count == 1 }
            try await Task.sleep(for: .milliseconds(400))
            #expect(await capture.passes.count == 1)
            #expect(await capture.passes.first?.count == 3)
        }
    }

    @Test("a config change that leaves the VIP table as it was makes no pass")
    func unchangedTable() async throws {
        let capture = RecordingCapture()
        try await Self.withRole(capture) { configs, _ in
            configs.yield(Self.snapshot(Self.state(services: 1)))
            try await eventually("the first pass") { await capture.passes.count == 1 }
            var other = Self.state(services: 1)
            other.revision = 9
            configs.yield(Self.snapshot(other))
            try await Task.sleep(for: .milliseconds(300))
            #expect(await capture.passes.count == 1)
            configs.yield(Self.snapshot(Self.state(services: 2)))
            try await eventually("a pass for the new service") { await capture.passes.count == 2 }
        }
    }

    @Test("a missing canary makes a pass that reinstalls the rules, counted as a repair")
    func repair() async throws {
        let capture = RecordingCapture()
        try await Self.withRole(capture) { configs, board in
            configs.yield(Self.snapshot(Self.state(services: 1)))
            try await eventually("the first pass") { await capture.passes.count == 1 }
            #expect(board.current.repairs == 0)
            await capture.flush()
            try await eventually("the repair pass") { await capture.passes.count == 2 }
            try await eventually("the repair on the board") { board.current.repairs == 1 }
            #expect(await capture.passes.last?.count == 1)
        }
    }

    @Test("a failed pass is reported and retried until it succeeds")
    func retry() async throws {
        let capture = RecordingCapture(failures: 2)
        try await Self.withRole(capture) { configs, board in
            configs.yield(Self.snapshot(Self.state(services: 2)))
            try await eventually("a failure on the board") { board.current.lastError != nil }
            #expect(board.current.lastError?.contains("iptables-restore exploded") == true)
            try await eventually("a successful pass") { await capture.passes.count == 1 }
            try await eventually("the error cleared") { board.current.lastError == nil }
            #expect(board.current.families.first?.installed == true)
            #expect(await capture.passes.first?.count == 2)
        }
    }

    @Test("a graceful stop removes the rules unless removeRulesOnStop is off", arguments: [true, false])
    func removalOnStop(remove: Bool) async throws {
        let capture = RecordingCapture()
        try await Self.withRole(capture, removeRulesOnStop: remove) { configs, _ in
            configs.yield(Self.snapshot(Self.state(services: 1)))
            try await eventually("the first pass") { await capture.passes.count == 1 }
        }
        #expect(await capture.removals == (remove ? 1 : 0))
    }

    @Test("the board counts VIPs per family and shows the pass's problems")
    func board() async throws {
        let capture = RecordingCapture()
        try await Self.withRole(capture) { configs, board in
            configs.yield(Self.snapshot(Self.state(services: 3, firstAddress: "10.0.0.1")))
            try await eventually("the first pass") { board.current.lastReconcile != nil }
            let status = board.current
            #expect(status.vipCount == 3)
            #expect(status.families.map(\.vips) == [3])
            #expect(status.problems == ["default/s0: VIP 10.0.0.1 is outside 240.240.0.0/16"])
            #expect(status.lastReconcileSeconds != nil)
        }
    }

    @Test("a snapshot without the proxy's listener makes no pass; a health change re-passes a UDP port's endpoints")
    func registryEndpoints() async throws {
        let capture = RecordingCapture()
        try await Self.withRole(capture) { configs, _ in
            configs.yield(.empty)
            try await Task.sleep(for: .milliseconds(200))
            #expect(await capture.passes.isEmpty, "no pass before a snapshot with the proxy's listener")
            configs.yield(Self.snapshot(Self.udpState(), registry: Self.registry(healthy: true)))
            try await eventually("the first pass") { await capture.passes.count == 1 }
            #expect(await capture.passes.last?.first?.ports.first?.endpoints == [.init(address: "10.0.0.5", port: 5353)])
            configs.yield(Self.snapshot(Self.udpState(), registry: Self.registry(healthy: false)))
            try await eventually("a pass for the health change") { await capture.passes.count == 2 }
            #expect(await capture.passes.last?.first?.ports.first?.endpoints == [])
        }
    }

    // MARK: helpers

    /// Runs a role over a snapshot stream the body feeds, then stops it gracefully.
    static func withRole(
        _ capture: RecordingCapture, debounce: Duration = .milliseconds(20), removeRulesOnStop: Bool = true,
        _ body: (AsyncStream<Snapshot>.Continuation, ProxyStatusBoard) async throws -> Void
    ) async throws {
        let (snapshots, continuation) = AsyncStream.makeStream(of: Snapshot.self, bufferingPolicy: .bufferingNewest(1))
        let board = ProxyStatusBoard(capture: "fake")
        let role = ProxyRole(
            snapshots: snapshots, capture: capture, board: board,
            options: .init(debounce: debounce, canaryInterval: .milliseconds(50), removeRulesOnStop: removeRulesOnStop),
            logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: role)], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(continuation, board)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// `count` Services `default/s0…`, one IPv4 VIP each (240.240.0.1…, or `firstAddress` for s0).
    static func state(services count: Int, firstAddress: String? = nil) -> ConfigState {
        var resources: [ResourceKey: StoredResource] = [:]
        for index in 0..<count {
            let resource = Resource(
                metadata: ObjectMeta(name: "s\(index)"), spec: .service(ServiceSpec(ports: [.init(number: 80)])))
            resources[resource.key] = StoredResource(
                resource: resource, revision: 1, createRevision: 1, version: 1, updatedAt: Date(timeIntervalSince1970: 0),
                status: ResourceStatus(
                    vips: [VIPAssignment(address: index == 0 ? firstAddress ?? "240.240.0.1" : "240.240.0.\(index + 1)")]))
        }
        return ConfigState(revision: Int64(count), resources: resources)
    }
}

extension ProxyRoleTests {
    /// A snapshot as the compiler makes it for the proxy: its `virtualOutbound` listener carries
    /// the services of `config` and `registry`.
    static func snapshot(_ config: ConfigState, registry: RegistryState = .empty) -> Snapshot {
        Snapshot(
            version: UInt64(config.revision), configRevision: config.revision,
            listeners: [
                Snapshot.Listener(
                    name: "virtualOutbound", address: "0.0.0.0", port: 15001, protocol: .tcp, filterChains: [], role: .proxy,
                    useOriginalDestination: true, direction: .outbound, services: config.meshServices(registry: registry))
            ])
    }

    /// Service `default/dns` with a UDP port 53 (target 5353) on 240.240.0.53.
    static func udpState() -> ConfigState {
        let resource = Resource(
            metadata: ObjectMeta(name: "dns"),
            spec: .service(ServiceSpec(ports: [.init(name: "dns", number: 53, protocol: .udp, targetPort: 5353)])))
        let stored = StoredResource(
            resource: resource, revision: 1, createRevision: 1, version: 1, updatedAt: Date(timeIntervalSince1970: 0),
            status: ResourceStatus(vips: [VIPAssignment(address: "240.240.0.53")]))
        return ConfigState(revision: 1, resources: [resource.key: stored])
    }

    /// One instance of `default/dns` at 10.0.0.5:5353.
    static func registry(healthy: Bool) -> RegistryState {
        let instance = Instance(
            id: "dns-1", service: "dns", namespace: "default", address: "10.0.0.5", ports: [.init(number: 5353)],
            labels: [:], node: "n1", weight: 1, check: nil, source: .api, health: healthy ? .passing : .critical,
            healthOutput: "", registeredAt: Date(timeIntervalSince1970: 0), healthChangedAt: Date(timeIntervalSince1970: 0))
        return RegistryState(revision: healthy ? 1 : 2, instances: [instance.id: instance])
    }
}

/// A capture backend that records what it was asked to do; its canary goes missing on `flush()`.
/// Its problems are the real rules' (`CaptureRules`) for the default ranges.
actor RecordingCapture: CaptureBackend {
    nonisolated let name = "fake"
    private(set) var passes: [[ServiceVIP]] = []
    private(set) var removals = 0
    private var canary = false
    private var failures: Int

    init(failures: Int = 0) {
        self.failures = failures
    }

    func flush() { canary = false }

    func capturePass(_ services: [ServiceVIP]) async throws -> CapturePass {
        if failures > 0 {
            failures -= 1
            throw MeshError(.io, "iptables-restore exploded")
        }
        let repaired = !passes.isEmpty && !canary
        passes.append(services)
        canary = true
        return CapturePass(
            duration: .milliseconds(1), changed: true, repaired: repaired,
            families: [.init(family: .ipv4, range: "240.240.0.0/16", installed: true, rules: services.count + 4)],
            problems: CaptureRules(services: services, family: .ipv4, configuration: CaptureConfiguration()).problems)
    }

    func canaryIsPresent() async throws -> Bool { canary }

    func removeRules() async throws {
        removals += 1
        canary = false
    }
}
