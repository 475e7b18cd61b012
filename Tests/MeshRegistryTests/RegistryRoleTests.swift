import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshRegistry
import Testing

@Suite("RegistryRole")
struct RegistryRoleTests {
    @Test("feeds config states to the registry and shuts it down when cancelled")
    func feedsConfigAndShutsDown() async throws {
        try await withRegistry { registry, _, _ in
            let (configs, continuation) = AsyncStream.makeStream(of: ConfigState.self)
            let role = RegistryRole(registry: registry, configUpdates: configs)
            let running = Task { try await role.run() }

            continuation.yield(ServiceEntryTests.config(revision: 1, entries: [("payments", ServiceEntryTests.payments)]))
            try await waitFor(registry) { $0.instances.count == 2 }
            continuation.yield(ServiceEntryTests.config(revision: 2, entries: []))
            try await waitFor(registry) { $0.instances.isEmpty }
            // The config stream ending does not stop the role.
            continuation.finish()
            try await Task.sleep(for: .milliseconds(50))
            _ = try await registry.register(
                InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)]))

            running.cancel()
            try await running.value
            let error = await #expect(throws: MeshError.self) {
                try await registry.register(
                    InstanceRegistration(service: "web", address: "10.0.0.2", ports: [.init(number: 80)]))
            }
            #expect(error?.code == .unavailable)
        }
    }
}
