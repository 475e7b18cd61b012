/// A Maglev lookup table (Eisenbud et al., NSDI 2016) filled as Envoy's `maglev` load balancer does:
/// each endpoint walks its own permutation of the slots (offset = xxHash64(key) mod M,
/// skip = xxHash64(key, seed 1) mod (M − 1) + 1) and claims free slots in turn, weighted endpoints
/// taking turns in proportion to their weight. A request hash maps to `slots[hash mod M]` in O(1).
///
/// Immutable: build once per endpoint set and share it between event loops.
public struct MaglevTable: Sendable {
    /// Envoy's default `table_size`, and its largest allowed one.
    public static let defaultSize: UInt64 = 65537
    public static let maximumSize: UInt64 = 5_000_011

    /// The endpoint index of each slot. `slots.count` is prime, so every skip visits every slot.
    let slots: [UInt32]

    public var size: Int { slots.count }

    /// `size` is rounded up to the next prime (Envoy rejects a non-prime one; a mesh compiler may not know).
    public init(endpoints: [UpstreamEndpoint], size: UInt64? = nil) {
        let tableSize = Self.nextPrime(atLeast: min(max(size ?? Self.defaultSize, 2), Self.maximumSize))
        guard !endpoints.isEmpty else {
            self.slots = []
            return
        }
        let maxWeight = UInt64(endpoints.map(\.weight).max() ?? 1)
        let offsets = endpoints.map { StableHash.hash($0.key) % tableSize }
        let skips = endpoints.map { StableHash.hash($0.key, seed: 1) % (tableSize - 1) + 1 }
        let weights = endpoints.map { UInt64($0.weight) }
        var next = [UInt64](repeating: 0, count: endpoints.count)
        var targets = [UInt64](repeating: 0, count: endpoints.count)
        let empty = UInt32.max
        var table = [UInt32](repeating: empty, count: Int(tableSize))
        // Hosts take turns in key order, not list order, so every proxy fills the same table for the
        // same set of endpoints whatever order it received them in.
        let turns = endpoints.indices.sorted { endpoints[$0].key < endpoints[$1].key }
        table.withUnsafeMutableBufferPointer { table in
            var filled: UInt64 = 0
            var iteration: UInt64 = 0
            while filled < tableSize {
                for host in turns where filled < tableSize {
                    // A host of maximum weight takes a slot every round; one of a third of it, every third.
                    if iteration * weights[host] < targets[host] { continue }
                    targets[host] += maxWeight
                    var slot = (offsets[host] + skips[host] * next[host]) % tableSize
                    while table[Int(slot)] != empty {
                        next[host] += 1
                        slot = (offsets[host] + skips[host] * next[host]) % tableSize
                    }
                    table[Int(slot)] = UInt32(truncatingIfNeeded: host)
                    next[host] += 1
                    filled += 1
                }
                iteration += 1
            }
        }
        self.slots = table
    }

    /// The endpoint index owning `hash`, or nil for an empty table.
    public func endpointIndex(for hash: UInt64) -> Int? {
        slots.isEmpty ? nil : Int(slots[Int(truncatingIfNeeded: hash % UInt64(truncatingIfNeeded: slots.count))])
    }

    static func isPrime(_ n: UInt64) -> Bool {
        if n < 2 { return false }
        if n % 2 == 0 { return n == 2 }
        var divisor: UInt64 = 3
        while divisor * divisor <= n {
            if n % divisor == 0 { return false }
            divisor += 2
        }
        return true
    }

    static func nextPrime(atLeast n: UInt64) -> UInt64 {
        var candidate = n
        while !isPrime(candidate) { candidate += 1 }
        return candidate
    }
}
