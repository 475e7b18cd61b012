public import Foundation
public import Logging
public import MeshAPI
import MeshModel
import Metrics
public import ServiceLifecycle

/// Keeps an eye on the certificates of stored Secrets, at every config change (an apply) and
/// every `interval` (time passes without one):
///
/// - `meshbox_secret_certificate_expiry_timestamp_seconds{namespace, name}` (gauge): notAfter of
///   each Secret's leaf certificate (`tls.crt`), like the CA's
///   `meshbox_ca_certificate_expiry_timestamp_seconds`; a deleted Secret's series goes away.
/// - a warning log (`Secret certificate expires soon`) for a Secret with less than 20 % of its
///   lifetime or less than 7 days left (or expired), repeated daily while it stays so.
public struct SecretExpiryMonitor<C: Clock<Duration>>: Service {
    static var expiryLabel: String { "meshbox_secret_certificate_expiry_timestamp_seconds" }

    private let config: any ConfigAPI
    private let clock: C
    private let interval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// - Parameters:
    ///   - interval: how often to look again without a config change.
    ///   - now: the wall-clock time certificates are judged at.
    public init(
        config: any ConfigAPI, clock: C, interval: Duration = .seconds(3600), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.config = config
        self.clock = clock
        self.interval = interval
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        let (ticks, continuation) = AsyncStream.makeStream(of: ConfigState?.self, bufferingPolicy: .bufferingNewest(4))
        let config = config, clock = clock, interval = interval
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await state in config.watch() { continuation.yield(state) }
                    continuation.finish()
                }
                group.addTask {
                    while (try? await clock.sleep(for: interval)) != nil { continuation.yield(nil) }
                }
                var tracker = SecretExpiryTracker()
                var latest: ConfigState?
                for await tick in ticks {
                    if let tick { latest = tick }
                    guard let latest else { continue }
                    publish(tracker.check(latest, now: now()))
                }
                group.cancelAll()
            }
        }
        continuation.finish()
    }

    private func publish(_ report: SecretExpiryTracker.Report) {
        for (key, notAfter) in report.expiries {
            Self.gauge(key).record(notAfter.timeIntervalSince1970)
        }
        for key in report.removed { Self.gauge(key).destroy() }
        let now = now()
        for warning in report.warnings {
            let left = warning.validity.remaining(at: now)
            logger.warning(
                "Secret certificate expires soon",
                metadata: [
                    "secret.namespace": "\(warning.key.namespace)", "secret.name": "\(warning.key.name)",
                    "certificate.not_after": "\(warning.validity.notValidAfter.formatted(.iso8601))",
                    "certificate.days_left": "\(String(format: "%.1f", left / 86400))",
                    "certificate.lifetime_left_percent": "\(Int((left / max(warning.validity.lifetime, 1) * 100).rounded()))",
                ])
        }
    }

    private static func gauge(_ key: ResourceKey) -> Gauge {
        Gauge(label: expiryLabel, dimensions: [("namespace", key.namespace), ("name", key.name)])
    }
}
