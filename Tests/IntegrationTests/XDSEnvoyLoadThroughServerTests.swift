import MeshTesting
import NIOCore
import Synchronization
import Testing

/// VirtualService changes pushed by meshbox's ADS server to the real Envoy 1.40 while clients
/// keep sending requests through it: no request is lost, and each new destination is reached.
@Suite("xDS through the real server and Envoy: changes under load")
struct XDSEnvoyLoadThroughServerTests {
    static let host = "shop.example.com"

    static func virtualService(_ routes: [(String, Int)]) -> String {
        let destinations = routes.map { "    - {destination: {host: \($0.0)}, weight: \($0.1)}" }.joined(separator: "\n")
        return """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["\(host)"]
              gateways: ["edge"]
              http:
              - route:
            \(destinations)
            """
    }

    @Test("weights and destinations changed four times under continuous load: zero failed requests", arguments: [false, true])
    func changesUnderLoad(delta: Bool) async throws {
        let harness = try await XDSEnvoyHarness.start(delta: delta)
        defer { harness.cleanUp() }
        var backends: [String: TestBackend] = [:]
        for name in ["shop-a", "shop-b", "shop-c"] {
            backends[name] = try await TestBackend.start(name: name, group: harness.group)
        }
        let port = try FreePort.take()
        try await harness.apply(
            XDSEnvoyRoutingThroughServerTests.gateway(port: port, host: Self.host)
                + XDSEnvoyRoutingThroughServerTests.service("shop-a") + XDSEnvoyRoutingThroughServerTests.service("shop-b")
                + Self.virtualService([("shop-a", 100)]))
        for (name, backend) in backends { try await harness.register(name, backend) }
        try await harness.waitForRoute(port: port, host: Self.host, reaching: ["shop-a"])

        let load = LoadLoop()
        let clients = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { await load.run(port: port, host: Self.host, group: harness.group) }
                }
            }
        }
        defer { clients.cancel() }
        try await load.waitForMore("shop-a")

        // 1: half to b. 2: all to b. 3: all to c, a Service (and so a cluster) new in this change.
        // 4: back to a. Each change is waited for by its effect on the answers.
        try await harness.apply(Self.virtualService([("shop-a", 50), ("shop-b", 50)]))
        try await load.waitForMore("shop-b")
        try await harness.apply(Self.virtualService([("shop-b", 100)]))
        try await load.waitForOnly("shop-b")
        try await harness.apply(XDSEnvoyRoutingThroughServerTests.service("shop-c") + Self.virtualService([("shop-c", 100)]))
        try await load.waitForOnly("shop-c")
        try await harness.apply(Self.virtualService([("shop-a", 100)]))
        try await load.waitForOnly("shop-a")
        load.stop()
        await clients.value

        let result = load.result
        #expect(result.failures.isEmpty, "failed requests: \(result.failures.prefix(10)) (\(result.failures.count))")
        #expect(result.answers.keys.sorted() == ["shop-a", "shop-b", "shop-c"], "answers: \(result.answers)")
        #expect(result.answers.values.reduce(0, +) >= 200, "too few requests to show anything: \(result.answers)")
        try await harness.expectEverythingACKed(types: ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"])
        let noCluster = try await harness.envoy.stats("no_cluster").values.reduce(0, +)
        #expect(noCluster == 0, "requests found no cluster: \(noCluster)")
        for backend in backends.values { await backend.stop() }
        await harness.stop()
    }
}

/// Clients sending requests one after another on keep-alive connections until stopped, counting
/// answers by backend and recording every failure (a status other than 200, a broken connection).
private final class LoadLoop: Sendable {
    struct Result {
        var answers: [String: Int] = [:]
        var failures: [String] = []
        var stopped = false
    }

    private let state = Mutex(Result())

    var result: Result { state.withLock { $0 } }

    func stop() { state.withLock { $0.stopped = true } }

    func run(port: Int, host: String, group: any EventLoopGroup) async {
        var client: ProxyClient?
        while !state.withLock({ $0.stopped }) && !Task.isCancelled {
            do {
                if client == nil || client?.isActive == false { client = try await ProxyClient.connect(port: port, group: group) }
                let response = try await client!.send("GET", "/", host: host)
                state.withLock {
                    if response.status == 200 {
                        $0.answers[response.text, default: 0] += 1
                    } else {
                        $0.failures.append("HTTP \(response.status) \(response.text.prefix(100))")
                    }
                }
            } catch {
                state.withLock { $0.failures.append("\(error)") }
                await client?.close()
                client = nil
            }
        }
        await client?.close()
    }

    /// Waits until `backend` answers 20 more requests than it had.
    func waitForMore(_ backend: String) async throws {
        let before = result.answers[backend, default: 0]
        try await eventually("\(backend) to answer under load", timeout: .seconds(30)) {
            result.answers[backend, default: 0] >= before + 20
        }
    }

    /// Waits until 20 or more answers in a row all came from `backend`.
    func waitForOnly(_ backend: String) async throws {
        try await eventually("only \(backend) to answer under load", timeout: .seconds(30), every: .milliseconds(100)) {
            let before = result.answers
            try await Task.sleep(for: .milliseconds(100))
            let after = result.answers
            let others = after.filter { $0.key != backend }.map { $0.value - before[$0.key, default: 0] }.reduce(0, +)
            return others == 0 && after[backend, default: 0] - before[backend, default: 0] >= 20
        }
    }
}
