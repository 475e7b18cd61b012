public import NIOCore

extension OutlierDetector {
    /// Periodic work, meant for every `interval`: ends ejections that ran out and forgives one ejection
    /// of each host that spent a whole interval in service. Safe to call more often: forgiveness then
    /// still happens once per interval.
    public func sweep(now: NIODeadline) {
        expireDue(now: now)
        guard let due = nextDecay else {
            nextDecay = now + interval
            return
        }
        guard now >= due else { return }
        nextDecay = now + interval
        for index in hosts.indices {
            let host = hosts.values[index]
            guard host.ejectedUntil == nil, host.multiplier > 0 else { continue }
            if let returned = host.returnedAt, now - returned < interval { continue }
            hosts.values[index].multiplier -= 1
        }
    }

    /// Forgets hosts not in `keys` (they left the cluster) and starts tracking new ones; hosts that stay
    /// keep their streaks, ejections and multipliers. `keys.count` becomes the cluster size.
    public func retain(keys: Set<String>) {
        clusterSize = keys.count
        let gone = hosts.keys.filter { !keys.contains($0) }
        for key in gone {
            guard let host = hosts.removeValue(forKey: key) else { continue }
            if host.ejectedUntil != nil { ejectedCount -= 1 }
            if host.isFailing { failingCount -= 1 }
        }
        for key in keys where hosts[key] == nil {
            hosts[key] = Host()
        }
        if ejectedCount == 0 { nextExpiry = .distantFuture }
    }

    /// The times `key` was ejected and not yet forgiven (0 for unknown hosts).
    public func ejectionMultiplier(_ key: String) -> Int {
        Int(hosts[key]?.multiplier ?? 0)
    }

    /// When the ejection of `key` ends, or nil when it is in service.
    public func ejectionEnd(_ key: String) -> NIODeadline? {
        hosts[key]?.ejectedUntil
    }

    // MARK: Internals

    static func threshold(_ value: UInt32?, default fallback: UInt32) -> UInt32? {
        let threshold = value ?? fallback
        return threshold == 0 ? nil : threshold
    }

    static func positive(_ value: Duration?, default fallback: TimeAmount) -> TimeAmount {
        guard let value, value > .zero else { return fallback }
        return TimeAmount(value)
    }

    func insert(_ key: String) -> Dictionary<String, Host>.Index {
        hosts[key] = Host()
        return hosts.index(forKey: key)!
    }

    /// Ejects `key` unless the cap forbids it: (ejected + 1) / hosts ≤ maxEjectionPercent, or none ejected.
    func eject(_ key: String, now: NIODeadline) {
        expireDue(now: now)
        let size = max(clusterSize, hosts.count)
        let allowed = ejectedCount == 0 || (ejectedCount + 1) * 100 <= Int(maxEjectionPercent) * size
        guard allowed, let index = hosts.index(forKey: key) else { return }
        var host = hosts.values[index]
        if host.isFailing { failingCount -= 1 }
        host.consecutive5xx = 0
        host.consecutiveGatewayErrors = 0
        host.multiplier = min(host.multiplier + 1, maxMultiplier)
        let duration = min(baseEjectionTime * Int64(host.multiplier), maxEjectionTime)
        let until = now + duration
        host.ejectedUntil = until
        hosts.values[index] = host
        ejectedCount += 1
        nextExpiry = min(nextExpiry, until)
        onEjection?(key, true)
    }

    /// Ends the ejection of `key` if it ran out by `now`; returns whether the host is back in service.
    @discardableResult
    func expire(_ key: String, now: NIODeadline) -> Bool {
        guard let index = hosts.index(forKey: key), let until = hosts.values[index].ejectedUntil else { return true }
        guard now >= until else { return false }
        hosts.values[index].ejectedUntil = nil
        hosts.values[index].returnedAt = until
        ejectedCount -= 1
        if ejectedCount == 0 { nextExpiry = .distantFuture }
        onEjection?(key, false)
        return true
    }

    /// Ends every ejection that ran out; a scan only once the earliest one is due.
    func expireDue(now: NIODeadline) {
        guard ejectedCount > 0, now >= nextExpiry else { return }
        var expired: [String] = []
        var earliest = NIODeadline.distantFuture
        for (key, host) in hosts {
            guard let until = host.ejectedUntil else { continue }
            if now >= until {
                expired.append(key)
            } else {
                earliest = min(earliest, until)
            }
        }
        for key in expired { expire(key, now: now) }
        nextExpiry = earliest
    }
}
