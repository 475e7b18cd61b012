public import Foundation
public import MeshAPI
public import MeshCore

/// Keeps a current certificate and renews it through `renew` when `RenewalSchedule` says so.
/// Nodes and the gateway hold their identity in one.
///
/// Time comes only from the injected `now`; the sleeping in `run` uses the injected clock.
public actor CertificateHolder {
    public typealias Renew = @Sendable () async throws -> IssuedCertificate

    private let schedule: RenewalSchedule
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let renewBody: Renew
    private var certificate: IssuedCertificate?
    private var renewalDate: Date?
    private var renewing: Task<IssuedCertificate, any Error>?
    /// The current certificate for co-located readers (TLS contexts), newest only.
    public nonisolated let updates: Watch<IssuedCertificate?>

    public init(
        initial: IssuedCertificate? = nil, schedule: RenewalSchedule = .init(),
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        renew: @escaping Renew
    ) {
        self.schedule = schedule
        self.now = now
        self.random = random
        self.renewBody = renew
        self.certificate = initial
        self.updates = Watch(initial)
        if let initial {
            renewalDate = schedule.renewalDate(
                notBefore: initial.notBefore, notAfter: initial.notAfter, unitRandom: random())
        }
    }

    /// When the current certificate is due for renewal (nil: none yet).
    public var nextRenewal: Date? { renewalDate }

    /// The current certificate, renewed first if it is due or missing.
    public func current() async throws -> IssuedCertificate {
        _ = try await renewIfDue()
        guard let certificate else { throw MeshError(.internal, "certificate holder has no certificate") }
        return certificate
    }

    /// Renews when due. Returns true when it renewed. Concurrent callers share one renewal.
    @discardableResult
    public func renewIfDue() async throws -> Bool {
        if let renewalDate, certificate != nil, now() < renewalDate { return false }
        _ = try await renewNow()
        return true
    }

    /// Renews regardless of the schedule.
    public func renewNow() async throws -> IssuedCertificate {
        if let renewing { return try await renewing.value }
        let task = Task { try await renewBody() }
        renewing = task
        defer { renewing = nil }
        let fresh = try await task.value
        certificate = fresh
        renewalDate = schedule.renewalDate(notBefore: fresh.notBefore, notAfter: fresh.notAfter, unitRandom: random())
        updates.send(fresh)
        return fresh
    }

    /// Renews on schedule until cancelled; a failed renewal is retried after `retry`.
    public func run<C: Clock<Duration>>(clock: C, retry: Duration = .seconds(5)) async throws {
        while !Task.isCancelled {
            do {
                try await renewIfDue()
                let wait = max(0, (renewalDate ?? now()).timeIntervalSince(now()))
                try await clock.sleep(for: .milliseconds(Int64(wait * 1000)))
            } catch is CancellationError {
                return
            } catch {
                try await clock.sleep(for: retry)
            }
        }
    }
}
