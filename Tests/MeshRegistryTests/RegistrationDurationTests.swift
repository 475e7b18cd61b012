import MeshAPI
import MeshCore
import MeshRegistry
import Testing

@Suite("Registration durations")
struct RegistrationDurationTests {
    static let absurd = "99999999999999999999h"

    // Each of these aborted the process in `DurationText` before issue 22.
    @Test(
        "a check duration longer than 100 years is refused with its field, and nothing is registered",
        arguments: [
            ("interval", HealthCheckSpec(kind: .tcp, interval: absurd)),
            ("timeout", HealthCheckSpec(kind: .tcp, timeout: absurd)),
            ("ttl", HealthCheckSpec(kind: .ttl, ttl: absurd)),
            ("deregisterAfter", HealthCheckSpec(kind: .ttl, ttl: "5s", deregisterAfter: absurd)),
        ]
    )
    func tooLongIsRefused(field: String, check: HealthCheckSpec) async throws {
        let registration = InstanceRegistration(
            service: "web",
            address: "10.0.0.1",
            ports: [.init(number: 80)],
            check: check
        )
        try await withRegistry { registry, _, _ in
            let error = await #expect(throws: MeshError.self) { try await registry.register(registration) }
            let details = error?.details ?? []
            #expect(
                details.contains { $0.hasPrefix("check.\(field): invalid duration \"\(Self.absurd)\"") },
                "\(details)"
            )
            #expect(details.contains { $0.hasSuffix("(100 years)") }, "the reason, not only the field: \(details)")
            let remaining = try await registry.instances(service: nil, namespace: nil)
            #expect(remaining.isEmpty)
        }
    }
}
