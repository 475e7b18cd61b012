public import MeshModel

/// Everything about an endpoint set that a balancer only reads: weights, the weighted round-robin
/// schedule, the hash ring or Maglev table.
///
/// Building these costs up to a few milliseconds (a 65537-slot Maglev table), so the engine can build one
/// table per cluster per snapshot and hand it to the `EndpointBalancer` of every event loop, which then
/// adds only its own small mutable state.
public final class BalancerTable: Sendable {
    enum Kind: Sendable {
        case roundRobin
        case leastRequest
        case random
        case ringHash(HashRing)
        case maglev(MaglevTable)
    }

    /// Longest smooth weighted round-robin cycle kept precomputed (64 KB of indices); a longer one is
    /// computed live, as nginx does, in O(n) per pick.
    static let maximumScheduleLength = 16384

    public let policy: Snapshot.LoadBalancingPolicy
    public let endpoints: [UpstreamEndpoint]
    let kind: Kind
    let weights: [UInt64]
    let totalWeight: UInt64
    /// True when every weight is the same: balancers then skip weighting entirely.
    let equalWeights: Bool
    /// Walker's alias table for weighted random picks in O(1) (empty when weights are equal): draw a
    /// column i and r in 0..<totalWeight; the pick is i when r < aliasThresholds[i], else aliases[i].
    let aliasThresholds: [UInt64]
    let aliases: [UInt32]
    /// One full cycle of nginx's smooth weighted round robin over all endpoints, weights divided by their
    /// greatest common divisor; empty when weights are equal or the cycle is too long.
    let schedule: [UInt32]

    public init(policy: Snapshot.LoadBalancingPolicy, endpoints: [UpstreamEndpoint]) {
        self.policy = policy
        self.endpoints = endpoints
        let weights = endpoints.map { UInt64($0.weight) }
        self.weights = weights
        self.totalWeight = weights.reduce(0, +)
        let equal = weights.allSatisfy { $0 == weights.first }
        self.equalWeights = equal
        if equal {
            (self.aliasThresholds, self.aliases) = ([], [])
        } else {
            (self.aliasThresholds, self.aliases) = Self.aliasTable(weights: weights)
        }
        switch policy {
        case .roundRobin:
            self.kind = .roundRobin
            self.schedule = equal ? [] : Self.smoothSchedule(weights: weights)
        case .leastRequest:
            self.kind = .leastRequest
            self.schedule = []
        case .random:
            self.kind = .random
            self.schedule = []
        case .ringHash(let minimumRingSize):
            self.kind = .ringHash(HashRing(endpoints: endpoints, minimumSize: minimumRingSize))
            self.schedule = []
        case .maglev(let tableSize):
            self.kind = .maglev(MaglevTable(endpoints: endpoints, size: tableSize))
            self.schedule = []
        }
    }

    /// The ring of a RING_HASH table.
    public var ring: HashRing? {
        if case .ringHash(let ring) = kind { return ring }
        return nil
    }

    /// The lookup table of a MAGLEV table.
    public var maglevTable: MaglevTable? {
        if case .maglev(let table) = kind { return table }
        return nil
    }

    /// nginx's smooth weighted round robin run for one cycle from all-zero current weights. The cycle is
    /// the sum of the reduced weights long, and after it every current weight is zero again, so
    /// replaying it forever gives exactly nginx's sequence.
    static func smoothSchedule(weights: [UInt64]) -> [UInt32] {
        let divisor = weights.reduce(0) { greatestCommonDivisor($0, $1) }
        guard divisor > 0 else { return [] }
        let reduced = weights.map { Int64($0 / divisor) }
        let length = reduced.reduce(0, +)
        guard length <= maximumScheduleLength else { return [] }
        var current = [Int64](repeating: 0, count: reduced.count)
        var schedule: [UInt32] = []
        schedule.reserveCapacity(Int(length))
        for _ in 0..<length {
            var best = 0
            for i in reduced.indices {
                current[i] += reduced[i]
                if current[i] > current[best] { best = i }
            }
            current[best] -= length
            schedule.append(UInt32(truncatingIfNeeded: best))
        }
        return schedule
    }

    /// Vose's construction in integers: each weight is scaled by the column count so a column's share is
    /// exactly `totalWeight`, and exact arithmetic keeps the picks exactly proportional.
    static func aliasTable(weights: [UInt64]) -> ([UInt64], [UInt32]) {
        let count = UInt64(weights.count)
        let total = weights.reduce(0, +)
        var scaled = weights.map { $0 * count }
        var thresholds = [UInt64](repeating: total, count: weights.count)
        var aliases = weights.indices.map { UInt32(truncatingIfNeeded: $0) }
        var small = weights.indices.filter { scaled[$0] < total }
        var large = weights.indices.filter { scaled[$0] >= total }
        while let light = small.popLast(), let heavy = large.last {
            thresholds[light] = scaled[light]
            aliases[light] = UInt32(truncatingIfNeeded: heavy)
            scaled[heavy] -= total - scaled[light]
            if scaled[heavy] < total {
                large.removeLast()
                small.append(heavy)
            }
        }
        return (thresholds, aliases)
    }

    static func greatestCommonDivisor(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
