public import MeshModel

/// Picks the upstream endpoint for each request of one cluster on one event loop.
///
/// Not Sendable on purpose: each event loop owns its own balancer, so round-robin cursors, active-request
/// counts and the random generator need no locks or atomics. The immutable part (`BalancerTable`) may be
/// shared. A pick allocates nothing and costs O(1) while the first candidate is available (ring hash:
/// O(1) expected, O(log n) at worst; weighted round robin with a cycle too long to precompute: O(n) as
/// nginx). Only the degraded paths (the candidate unavailable) scan, and then they call `isAvailable`
/// at most once per endpoint.
///
/// A new endpoint set means a new balancer: the engine builds one when a snapshot changes.
public final class EndpointBalancer {
    public let endpoints: [UpstreamEndpoint]
    public let table: BalancerTable

    // The table's parts the hot path reads, copied into stored properties once: reading them through
    // `table.kind` copied its payload on every pick, two reference-count operations each time.
    let strategy: Strategy
    let weights: [UInt64]
    let totalWeight: UInt64
    let equalWeights: Bool
    let aliasThresholds: [UInt64]
    let aliases: [UInt32]
    let schedule: [UInt32]
    /// RING_HASH: the ring (empty otherwise).
    let ring: HashRing
    /// RING_HASH: the endpoint of each point; MAGLEV: the endpoint of each slot.
    let owners: [UInt32]

    // The mutable state below opts out of Swift's run-time exclusivity checks: every access to a class's
    // `var` otherwise calls into the runtime (begin/end access), which cost more than the picks
    // themselves. Safe because one event loop owns the balancer and no access spans a call out.
    @exclusivity(unchecked) var random: FastRandom
    /// Round robin: the next endpoint (equal weights) or schedule position (weighted).
    @exclusivity(unchecked) var cursor: Int
    /// Round robin: nginx's current weights, used live for long cycles and as the fallback when the
    /// scheduled endpoint is unavailable.
    @exclusivity(unchecked) var currentWeights: [Int64]
    /// Least request: requests in flight per endpoint.
    @exclusivity(unchecked) var activeRequests: [UInt32]
    /// Consistent-hash walks: `visited[i] == visitMark` means endpoint i was already asked this pick, so
    /// a walk over a ring where hosts repeat calls `isAvailable` once per endpoint, with no reset cost.
    @exclusivity(unchecked) var visited: [UInt32]
    @exclusivity(unchecked) var visitMark: UInt32 = 0

    /// `seed` drives the random choices and the round-robin starting point; give each event loop a
    /// different one so the loops do not all start on the same endpoint.
    public convenience init(policy: Snapshot.LoadBalancingPolicy, endpoints: [UpstreamEndpoint], seed: UInt64) {
        self.init(table: BalancerTable(policy: policy, endpoints: endpoints), seed: seed)
    }

    /// A balancer over a table built once and shared between event loops.
    public init(table: BalancerTable, seed: UInt64) {
        self.table = table
        self.endpoints = table.endpoints
        self.weights = table.weights
        self.totalWeight = table.totalWeight
        self.equalWeights = table.equalWeights
        self.aliasThresholds = table.aliasThresholds
        self.aliases = table.aliases
        self.schedule = table.schedule
        self.random = FastRandom(seed: seed)
        let count = table.endpoints.count
        self.cursor = 0
        self.currentWeights = []
        self.activeRequests = []
        self.visited = []
        switch table.kind {
        case .roundRobin:
            (strategy, ring, owners) = (.roundRobin, HashRing(), [])
            let cycle = table.schedule.isEmpty ? count : table.schedule.count
            cursor = cycle == 0 ? 0 : Int(seed % UInt64(cycle))
            if !table.equalWeights { currentWeights = [Int64](repeating: 0, count: count) }
        case .leastRequest:
            (strategy, ring, owners) = (.leastRequest, HashRing(), [])
            activeRequests = [UInt32](repeating: 0, count: count)
        case .random:
            (strategy, ring, owners) = (.random, HashRing(), [])
        case .ringHash(let ring):
            (strategy, self.ring, owners) = (.ringHash, ring, ring.hosts)
            visited = [UInt32](repeating: 0, count: count)
        case .maglev(let maglev):
            (strategy, ring, owners) = (.maglev, HashRing(), maglev.slots)
            visited = [UInt32](repeating: 0, count: count)
        }
    }

    /// The index into `endpoints` for the next request, or nil when no endpoint is available.
    ///
    /// - Parameters:
    ///   - hash: the request's hash for RING_HASH and MAGLEV (see `StableHash`); nil falls back to random.
    ///     Other policies ignore it.
    ///   - isAvailable: false for endpoints to avoid (ejected, already tried by this request).
    public func pick(hash: UInt64?, isAvailable: (Int) -> Bool) -> Int? {
        guard !endpoints.isEmpty else { return nil }
        switch strategy {
        case .roundRobin:
            return pickRoundRobin(isAvailable)
        case .leastRequest:
            return pickLeastRequest(isAvailable)
        case .random:
            return pickRandom(isAvailable)
        case .ringHash:
            guard let hash else { return pickRandom(isAvailable) }
            return walk(from: ring.position(for: hash), isAvailable)
        case .maglev:
            guard let hash else { return pickRandom(isAvailable) }
            return walk(from: Int(truncatingIfNeeded: hash % UInt64(truncatingIfNeeded: owners.count)), isAvailable)
        }
    }

    /// A pick with every endpoint available.
    public func pick(hash: UInt64? = nil) -> Int? {
        pick(hash: hash) { _ in true }
    }

    /// Counts a request sent to `endpoints[index]`; LEAST_REQUEST balances on these counts.
    @inline(__always)
    public func requestStarted(_ index: Int) {
        guard index >= 0 && index < activeRequests.count else { return }
        activeRequests[index] &+= 1
    }

    /// Ends a request counted by `requestStarted`.
    @inline(__always)
    public func requestFinished(_ index: Int) {
        guard index >= 0 && index < activeRequests.count, activeRequests[index] > 0 else { return }
        activeRequests[index] -= 1
    }

    enum Strategy {
        case roundRobin, leastRequest, random, ringHash, maglev
    }

    /// Requests in flight to `endpoints[index]` (LEAST_REQUEST only; 0 otherwise).
    public func activeRequests(_ index: Int) -> Int {
        index >= 0 && index < activeRequests.count ? Int(activeRequests[index]) : 0
    }
}
