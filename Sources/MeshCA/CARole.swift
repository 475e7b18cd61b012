public import ServiceLifecycle

/// The ca role in the service group: checks CA certificate expiry and refreshes the metrics
/// every `interval` until graceful shutdown, then closes the CA's database.
public struct CARole: Service {
    public let authority: CertificateAuthority
    let interval: Duration
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - authority: the opened CA.
    ///   - interval: time between expiry checks (default one minute).
    ///   - clock: what the role sleeps on (tests pass a manual clock).
    public init(
        authority: CertificateAuthority, interval: Duration = .seconds(60),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.authority = authority
        self.interval = interval
        self.sleep = { try await Self.sleep(on: clock, for: $0) }
    }

    private static func sleep<C: Clock<Duration>>(on clock: C, for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await authority.checkExpiry()
                try await sleep(interval)
            }
        }
        await authority.close()
    }
}
