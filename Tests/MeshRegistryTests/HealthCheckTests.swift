import Foundation
import MeshAPI
import MeshCore
import MeshRegistry
import NIOCore
import Testing

/// Checks against real backends on 127.0.0.1, with intervals of 100 ms to 2 s.
@Suite("Health checks")
struct HealthCheckTests {
    static func http(
        _ port: Int, expectedStatus: Int? = nil, unhealthyThreshold: Int? = nil, interval: String = "2s"
    ) -> InstanceRegistration {
        InstanceRegistration(
            id: "web-1", service: "web", address: "127.0.0.1", ports: [.init(number: port)],
            check: .init(
                // The timeout is the whole interval: on a machine saturated by the parallel suite (the
                // gateway's load tests run alongside) a local probe took over 500 ms in CI, and that
                // must not read as "down".
                kind: .http, path: "/healthz", expectedStatus: expectedStatus, interval: interval, timeout: interval,
                unhealthyThreshold: unhealthyThreshold))
    }

    @Test("an HTTP check turns critical when the backend dies and passing when it returns")
    func httpBackendDiesAndReturns() async throws {
        try await withRegistry { registry, group, _ in
            var backend = try await TestBackend.start(group: group)
            let port = backend.port
            let registered = try await registry.register(Self.http(port))
            #expect(registered.health == .unknown)

            let passing = try await waitFor(registry) { $0.instances["web-1"]?.health == .passing }
            #expect(passing.instances["web-1"]?.healthOutput == "HTTP 2xx")

            try await backend.stop()
            let critical = try await waitFor(registry) { $0.instances["web-1"]?.health == .critical }
            // Refused, reset or timed out (a loaded machine) all mean "down"; never an HTTP answer.
            #expect(critical.instances["web-1"]?.healthOutput.hasPrefix("HTTP") == false)
            #expect(critical.revision > passing.revision)

            backend = try await TestBackend.start(group: group, port: port)
            let back = try await waitFor(registry) { $0.instances["web-1"]?.health == .passing }
            #expect(back.instances["web-1"]?.healthOutput == "HTTP 2xx")
            try await backend.stop()
        }
    }

    @Test(
        "an HTTP status other than the expected one is critical; the output shows only the status class",
        arguments: [(503, nil, "HTTP 5xx"), (200, 204, "HTTP 2xx, expected 204")] as [(Int, Int?, String)])
    func statusMismatch(status: Int, expected: Int?, output: String) async throws {
        try await withRegistry { registry, group, _ in
            let backend = try await TestBackend.start(group: group, status: status)
            _ = try await registry.register(Self.http(backend.port, expectedStatus: expected))
            // A probe slower than its timeout on a loaded machine is also critical; wait for the status.
            let state = try await waitFor(registry) {
                $0.instances["web-1"]?.health == .critical && $0.instances["web-1"]?.healthOutput.hasPrefix("HTTP") == true
            }
            #expect(state.instances["web-1"]?.healthOutput == output)
            try await backend.stop()
        }
    }

    @Test("an expected non-2xx status is passing")
    func expectedStatusMatch() async throws {
        try await withRegistry { registry, group, _ in
            let backend = try await TestBackend.start(group: group, status: 503)
            _ = try await registry.register(Self.http(backend.port, expectedStatus: 503))
            let state = try await waitFor(registry) { $0.instances["web-1"]?.health == .passing }
            #expect(state.instances["web-1"]?.healthOutput == "HTTP 5xx")
            try await backend.stop()
        }
    }

    @Test("a TCP check passes while the port accepts and fails when it refuses")
    func tcp() async throws {
        try await withRegistry { registry, group, _ in
            let backend = try await TestBackend.start(group: group)
            _ = try await registry.register(
                InstanceRegistration(
                    id: "db-1", service: "db", address: "127.0.0.1", ports: [.init(number: backend.port)],
                    check: .init(kind: .tcp, interval: "300ms", timeout: "300ms")))
            try await waitFor(registry) { $0.instances["db-1"]?.health == .passing }
            try await backend.stop()
            let state = try await waitFor(registry) { $0.instances["db-1"]?.health == .critical }
            // A loaded machine may not finish even a refused connect in time: both mean "down".
            let output = state.instances["db-1"]?.healthOutput ?? ""
            #expect(output.hasPrefix("connection ") || output.hasPrefix("timed out"), "got \(output)")
        }
    }

    @Test("unhealthyThreshold 2 keeps an instance passing after one failure")
    func unhealthyThreshold() async throws {
        try await withRegistry { registry, group, _ in
            let backend = try await TestBackend.start(group: group)
            // A 1 s interval keeps the in-between state (one failure, still passing) visible long
            // enough for a watcher on a loaded machine: watches skip states a slow reader misses.
            _ = try await registry.register(Self.http(backend.port, unhealthyThreshold: 2, interval: "1s"))
            try await waitFor(registry) { $0.instances["web-1"]?.health == .passing }
            try await backend.stop()
            // The first failure changes the output (a new revision) but not the health.
            try await waitFor(registry) {
                $0.instances["web-1"]?.health == .passing && $0.instances["web-1"]?.healthOutput.hasPrefix("HTTP") == false
            }
            try await waitFor(registry) { $0.instances["web-1"]?.health == .critical }
        }
    }

    @Test("a TTL check expires to critical and a heartbeat makes it passing")
    func ttl() async throws {
        try await withRegistry { registry, _, _ in
            let registered = try await registry.register(
                InstanceRegistration(
                    id: "w", service: "worker", address: "10.0.0.2", ports: [.init(number: 9000)],
                    check: .init(kind: .ttl, ttl: "300ms")))
            #expect(registered.health == .unknown)
            let beat = try await registry.heartbeat(id: "w")
            #expect(beat.health == .passing)

            let expired = try await waitFor(registry) { $0.instances["w"]?.health == .critical }
            #expect(expired.instances["w"]?.healthOutput == "TTL expired")

            let again = try await registry.heartbeat(id: "w")
            #expect(again.health == .passing)
            #expect((await registry.snapshot()).instances["w"]?.health == .passing)
        }
    }

    @Test("heartbeats within the TTL keep an instance passing")
    func ttlKeptAlive() async throws {
        try await withRegistry { registry, _, _ in
            _ = try await registry.register(
                InstanceRegistration(
                    id: "w", service: "worker", address: "10.0.0.2", ports: [.init(number: 9000)],
                    check: .init(kind: .ttl, ttl: "400ms")))
            for _ in 0..<6 {
                _ = try await registry.heartbeat(id: "w")
                try await Task.sleep(for: .milliseconds(100))
                #expect((await registry.snapshot()).instances["w"]?.health == .passing)
            }
        }
    }

    @Test("an instance critical for deregisterAfter is removed, also from the database")
    func deregisterAfter() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meshbox-registry-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withRegistry(directory: dir) { registry, group, _ in
            let port = try await closedPort(group: group)
            _ = try await registry.register(
                InstanceRegistration(
                    id: "w", service: "worker", address: "10.0.0.2", ports: [.init(number: 9000)],
                    check: .init(kind: .ttl, ttl: "100ms", deregisterAfter: "200ms")))
            _ = try await registry.register(
                InstanceRegistration(
                    id: "web-1", service: "web", address: "127.0.0.1", ports: [.init(number: port)],
                    check: .init(kind: .tcp, interval: "100ms", timeout: "100ms", deregisterAfter: "200ms")))
            try await waitFor(registry) { $0.instances["w"]?.health == .critical }
            try await waitFor(registry) { $0.instances["w"] == nil && $0.instances["web-1"] == nil }
        }
        try await withRegistry(directory: dir) { registry, _, _ in
            let remaining = try await registry.instances(service: nil, namespace: nil)
            #expect(remaining.isEmpty)
        }
    }

    @Test("deregistering stops the check")
    func deregisterStopsCheck() async throws {
        try await withRegistry { registry, group, _ in
            let backend = try await TestBackend.start(group: group)
            _ = try await registry.register(Self.http(backend.port))
            try await waitFor(registry) { $0.instances["web-1"]?.health == .passing }
            try await registry.deregister(id: "web-1")
            let revision = (await registry.snapshot()).revision
            try await backend.stop()
            try await Task.sleep(for: .milliseconds(300))
            #expect((await registry.snapshot()).revision == revision)
            #expect((await registry.snapshot()).instances.isEmpty)
        }
    }
}
