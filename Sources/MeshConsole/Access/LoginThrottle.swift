import Synchronization

/// Failed admin-token attempts per client address: after `maxFailures` failures within `window`,
/// every attempt from that address (the right token included) is refused with 429 until the
/// oldest of those failures leaves the window. A success (while not throttled) forgets the
/// address's failures.
///
/// Brute force against a 256-bit token is hopeless anyway; the throttle keeps a guessing client
/// from burning CPU and filling logs, and makes the attempt visible (`meshbox_admin_login_failures_total`).
/// Time is elapsed time from the injected clock, so tests move it instead of sleeping.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable, Hashable {
        /// Failures within `window` that start throttling an address.
        public var maxFailures: Int
        public var window: Duration

        public init(maxFailures: Int = 10, window: Duration = .seconds(60)) {
            self.maxFailures = max(1, maxFailures)
            self.window = window
        }
    }

    enum Verdict: Equatable {
        case allowed
        /// Refused without looking at the credential; try again after this long.
        case throttled(retryAfter: Duration)
    }

    let policy: Policy
    /// Addresses tracked at once; beyond it the address whose newest failure is oldest goes.
    let capacity: Int
    /// Per address: the times of its recent failures, oldest first, at most `maxFailures`.
    private var failures: [String: [Duration]] = [:]

    init(policy: Policy, capacity: Int = 4096) {
        self.policy = policy
        self.capacity = capacity
    }

    var trackedAddresses: Int { failures.count }

    func verdict(for address: String, now: Duration) -> Verdict {
        guard let times = failures[address], times.count >= policy.maxFailures, let oldest = times.first else {
            return .allowed
        }
        let until = oldest + policy.window
        return now < until ? .throttled(retryAfter: until - now) : .allowed
    }

    mutating func recordFailure(from address: String, now: Duration) {
        var times = (failures[address] ?? []).filter { now - $0 < policy.window }
        times.append(now)
        if times.count > policy.maxFailures { times.removeFirst(times.count - policy.maxFailures) }
        if failures[address] == nil, failures.count >= capacity { evict(now: now) }
        failures[address] = times
    }

    mutating func recordSuccess(from address: String) {
        failures[address] = nil
    }

    /// Drops what the window has forgotten, then, if still full, the stalest address.
    private mutating func evict(now: Duration) {
        failures = failures.filter { now - ($0.value.last ?? now) < policy.window }
        guard failures.count >= capacity,
            let stalest = failures.min(by: { ($0.value.last ?? .zero) < ($1.value.last ?? .zero) })
        else { return }
        failures[stalest.key] = nil
    }
}

/// The console's one `LoginThrottle`, shared by the authentication middleware and the login route.
final class LoginThrottleStore: Sendable {
    private let table: Mutex<LoginThrottle>
    private let elapsed: @Sendable () -> Duration

    init(policy: LoginThrottle.Policy, clock: any Clock<Duration>) {
        table = Mutex(LoginThrottle(policy: policy))
        elapsed = SessionStore.stopwatch(clock)
    }

    func verdict(for address: String) -> LoginThrottle.Verdict {
        let now = elapsed()
        return table.withLock { $0.verdict(for: address, now: now) }
    }

    func recordFailure(from address: String) {
        let now = elapsed()
        table.withLock { $0.recordFailure(from: address, now: now) }
    }

    func recordSuccess(from address: String) {
        table.withLock { $0.recordSuccess(from: address) }
    }
}
