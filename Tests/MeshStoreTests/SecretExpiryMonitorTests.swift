import Foundation
import Logging
import MeshAPI
import MeshModel
import MeshStore
import MeshTesting
import Synchronization
import Testing

/// The monitor over a real store: a Secret that becomes due while nothing is applied is warned
/// about at the next periodic look, not only at apply.
@Suite("Secret expiry monitor")
struct SecretExpiryMonitorTests {
    /// Keeps the messages and metadata of warnings.
    final class Recorder: LogHandler, @unchecked Sendable {
        let warnings = Mutex<[(String, Logger.Metadata)]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            guard event.level == .warning else { return }
            warnings.withLock { $0.append(("\(event.message)", event.metadata ?? [:])) }
        }
    }

    @Test("a certificate that becomes due between applies is warned about at the next periodic check")
    func periodic() async throws {
        try await withStore { store, _ in
            let start = Date()
            let authority = try TestPKI.Authority(trustDomain: "example.com")
            // 90 days of lifetime, 60 left: fine now, due 51 days later (9 left, 10 %).
            let leaf = try authority.issue(
                spiffeID: nil, dnsName: "shop.example.com", notValidBefore: start.addingTimeInterval(-30 * 86400),
                notValidAfter: start.addingTimeInterval(60 * 86400))
            let secret = Resource(
                metadata: ObjectMeta(name: "shop-cert"),
                spec: .secret(.tls(certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM)))
            _ = try await store.apply([secret], dryRun: false)

            let clockNow = Mutex(start)
            let recorder = Recorder()
            let monitor = SecretExpiryMonitor(
                config: store, clock: ContinuousClock(), interval: .milliseconds(50), now: { clockNow.withLock { $0 } },
                logger: Logger(label: "test.secret-expiry") { _ in recorder })
            let running = Task { try await monitor.run() }
            defer { running.cancel() }
            // Several looks at the apply's state: nothing to say yet.
            try await Task.sleep(for: .milliseconds(300))
            #expect(recorder.warnings.withLock { $0.isEmpty })

            clockNow.withLock { $0 = start.addingTimeInterval(51 * 86400) }
            try await eventually("the warning at a periodic look") { recorder.warnings.withLock { !$0.isEmpty } }
            let (message, metadata) = try #require(recorder.warnings.withLock { $0.first })
            #expect(message == "Secret certificate expires soon")
            #expect(metadata["secret.name"] == "shop-cert" && metadata["secret.namespace"] == "default")
            #expect(metadata["certificate.lifetime_left_percent"] == "10", "\(metadata)")
            // Once, not at every look.
            try await Task.sleep(for: .milliseconds(300))
            #expect(recorder.warnings.withLock { $0.count } == 1)
        }
    }
}
