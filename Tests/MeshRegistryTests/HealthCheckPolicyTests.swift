import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshRegistry
import Testing

/// The production limits on health checks: a caller must not make the registry a load generator
/// or a probe of fenced-off addresses.
@Suite("Health check policy")
struct HealthCheckPolicyTests {
    static func registration(address: String = "10.0.0.1", _ check: HealthCheckSpec) -> InstanceRegistration {
        InstanceRegistration(service: "web", address: address, ports: [.init(number: 80)], check: check)
    }

    static let tooFast: [(HealthCheckSpec, String)] = [
        (.init(kind: .http, interval: "1ms", timeout: "1ms"), "check.interval: must be at least 1s"),
        (.init(kind: .tcp, interval: "999ms", timeout: "500ms"), "check.interval: must be at least 1s"),
        (.init(kind: .tcp, interval: "1s", timeout: "10ms"), "check.timeout: must be at least 100ms"),
        (.init(kind: .ttl, ttl: "500ms"), "check.ttl: must be at least 1s"),
    ]

    @Test("intervals under 1 s, timeouts under 100 ms and TTLs under 1 s are refused with the field path", arguments: tooFast)
    func minimums(check: HealthCheckSpec, expected: String) async throws {
        try await withRegistry(healthChecks: .init()) { registry, _, _ in
            let error = await #expect(throws: MeshError.self) { try await registry.register(Self.registration(check)) }
            #expect(error?.code == .validation)
            #expect(error?.details.contains(expected) == true, "\(error?.details ?? [])")
        }
    }

    @Test("the minimums themselves are accepted")
    func atMinimum() async throws {
        try await withRegistry(healthChecks: .init()) { registry, _, _ in
            _ = try await registry.register(Self.registration(.init(kind: .tcp, interval: "1s", timeout: "100ms")))
        }
    }

    @Test("a check may not target a denied CIDR; the registration without a check, or with a TTL check, may")
    func deniedTargets() async throws {
        let policy = Registry.HealthCheckPolicy(denyCIDRs: [IPBlock("169.254.0.0/16")!, IPBlock("fd00::/8")!])
        try await withRegistry(healthChecks: policy) { registry, _, _ in
            for address in ["169.254.169.254", "::ffff:169.254.169.254", "fd00::1"] {
                let error = await #expect(throws: MeshError.self) {
                    try await registry.register(Self.registration(address: address, .init(kind: .http, interval: "5s")))
                }
                #expect(
                    error?.details.contains { $0.hasPrefix("check: may not target \(address)") && $0.contains("registry.healthCheck.denyCIDRs") }
                        == true, "\(error?.details ?? [])")
            }
            _ = try await registry.register(
                InstanceRegistration(service: "meta", address: "169.254.169.254", ports: [.init(number: 80)]))
            _ = try await registry.register(
                InstanceRegistration(
                    service: "agent", address: "169.254.169.254", ports: [.init(number: 80)], check: .init(kind: .ttl, ttl: "30s")))
            _ = try await registry.register(Self.registration(address: "10.0.0.1", .init(kind: .tcp, interval: "5s")))
        }
    }

    @Test("a check's output never shows the target's headers, body or reason phrase")
    func coarseOutput() async throws {
        try await withRegistry { registry, group, _ in
            let backend = try await TestBackend.start(group: group, status: 418)
            _ = try await registry.register(
                InstanceRegistration(
                    id: "web-1", service: "web", address: "127.0.0.1", ports: [.init(number: backend.port)],
                    check: .init(kind: .http, interval: "2s", timeout: "2s")))
            let state = try await waitFor(registry) { $0.instances["web-1"]?.healthOutput.hasPrefix("HTTP") == true }
            let output = state.instances["web-1"]?.healthOutput ?? ""
            #expect(output == "HTTP 4xx")
            #expect(!output.contains("secret") && !output.contains("Test") && !output.contains("418"))
            try await backend.stop()
        }
    }
}
