public import MeshDNS

/// When each ServiceEntry host name is resolved next, and its last good answer: the state of the
/// registry's DNS resolution, without I/O (the loop in `ServiceEntryResolver` does the asking).
///
/// - A wanted name is due at once; an answer makes it due again after its TTL clamped to
///   `[minTTL, maxTTL]` (a TTL of 0 would ask without pause, a day-long TTL would never notice a
///   move).
/// - A failure keeps the last good answer and asks again after `minTTL`, doubling per failure in
///   a row up to `maxTTL`.
/// - A name no longer wanted is forgotten; an answer for it that arrives later is dropped.
struct HostResolutionSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    struct Entry: Sendable {
        /// The last good answer; nil before the first.
        var addresses: [String]?
        var due: Instant
        var inFlight = false
        var failures = 0
    }

    enum Outcome: Equatable {
        /// The name's addresses are new or different.
        case changed(old: [String]?, new: [String])
        case unchanged
        /// Resolution failed; `kept` is the last good answer still in use (nil: none yet).
        case failed(kept: [String]?, failuresInARow: Int)
        /// The name is no longer wanted.
        case dropped
    }

    let minTTL: Duration
    let maxTTL: Duration
    private(set) var entries: [String: Entry] = [:]

    init(minTTL: Duration, maxTTL: Duration) {
        self.minTTL = minTTL
        self.maxTTL = max(minTTL, maxTTL)
    }

    /// The good answers now, by name: what the registry's instances are built from.
    var addresses: [String: [String]] {
        entries.compactMapValues(\.addresses)
    }

    /// Makes `names` the wanted set: new names are due at `now`, names not in it are forgotten.
    /// Returns whether a forgotten name had addresses (the instances built from it change).
    @discardableResult
    mutating func want(_ names: Set<String>, now: Instant) -> Bool {
        var forgotAddresses = false
        for name in entries.keys where !names.contains(name) {
            if entries.removeValue(forKey: name)?.addresses != nil { forgotAddresses = true }
        }
        for name in names where entries[name] == nil { entries[name] = Entry(due: now) }
        return forgotAddresses
    }

    /// The names due at `now` that are not being resolved, at most `limit`, marked in flight.
    mutating func startDue(now: Instant, limit: Int) -> [String] {
        let inFlight = entries.values.count(where: \.inFlight)
        let due = entries.filter { !$0.value.inFlight && $0.value.due <= now }.keys.sorted()
        let started = Array(due.prefix(max(0, limit - inFlight)))
        for name in started { entries[name]?.inFlight = true }
        return started
    }

    /// The earliest moment a name not in flight falls due; nil when none waits.
    var nextDue: Instant? {
        entries.values.filter { !$0.inFlight }.map(\.due).min()
    }

    /// Records the outcome of resolving `name`.
    mutating func record(_ name: String, _ result: Result<DNSResolution, DNSResolutionError>, now: Instant) -> Outcome {
        guard var entry = entries[name] else { return .dropped }
        entry.inFlight = false
        let outcome: Outcome
        switch result {
        case .success(let resolution):
            entry.failures = 0
            entry.due = now.advanced(by: clamp(.seconds(resolution.ttl)))
            let old = entry.addresses
            entry.addresses = resolution.addresses
            outcome = old == resolution.addresses ? .unchanged : .changed(old: old, new: resolution.addresses)
        case .failure:
            entry.failures += 1
            entry.due = now.advanced(by: retryDelay(failuresInARow: entry.failures))
            outcome = .failed(kept: entry.addresses, failuresInARow: entry.failures)
        }
        entries[name] = entry
        return outcome
    }

    func clamp(_ ttl: Duration) -> Duration {
        min(max(ttl, minTTL), maxTTL)
    }

    func retryDelay(failuresInARow failures: Int) -> Duration {
        var delay = minTTL
        for _ in 1..<max(1, min(failures, 32)) where delay < maxTTL { delay *= 2 }
        return min(delay, maxTTL)
    }
}
