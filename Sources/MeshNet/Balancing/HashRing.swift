/// A Ketama ring as Envoy's `ring_hash` builds it: each endpoint owns points hashed (xxHash64) from
/// `address:port_i`, in proportion to its weight; a request hash belongs to the first point at or after it.
///
/// One deviation, on purpose: Envoy scales points per weight unit to exactly the minimum ring size, so
/// the count of every host's points changes whenever the cluster's size changes, and those moved points
/// remap keys between hosts that stayed. Here the points per weight unit are rounded up to a power of
/// two, so they stay the same across most membership changes and removing one of ten endpoints remaps
/// only that endpoint's keys. The ring is then between one and two times the minimum size.
///
/// Immutable: build once per endpoint set and share it between event loops.
public struct HashRing: Sendable {
    /// Envoy's defaults for `minimum_ring_size` and `maximum_ring_size`.
    public static let defaultMinimumSize: UInt64 = 1024
    public static let maximumSize: UInt64 = 8_388_608

    /// Point hashes in ascending order; `hosts[i]` owns `hashes[i]`. Two arrays keep the binary search
    /// on a dense run of UInt64.
    let hashes: [UInt64]
    let hosts: [UInt32]
    /// `buckets[b]` is the first point at or after `b << bucketShift`: a lookup starts there, with
    /// about one point per bucket left to search, instead of a binary search over the whole ring
    /// (eleven dependent cache reads for a ring of 1024).
    let buckets: [UInt32]
    let bucketShift: UInt64

    public var count: Int { hashes.count }

    /// An empty ring.
    public init() {
        self.init(endpoints: [])
    }

    public init(endpoints: [UpstreamEndpoint], minimumSize: UInt64? = nil) {
        let minimum = min(max(minimumSize ?? Self.defaultMinimumSize, 1), Self.maximumSize)
        let totalWeight = endpoints.reduce(UInt64(0)) { $0 + UInt64($1.weight) }
        guard totalWeight > 0 else {
            self.hashes = []
            self.hosts = []
            self.buckets = []
            self.bucketShift = 63
            return
        }
        let perUnit = Self.pointsPerWeightUnit(totalWeight: totalWeight, minimumSize: minimum)
        var points: [(hash: UInt64, host: UInt32)] = []
        points.reserveCapacity(Int(min(totalWeight &* perUnit, Self.maximumSize)))
        var buffer: [UInt8] = []
        for (index, endpoint) in endpoints.enumerated() {
            let count: UInt64
            if perUnit > 0 {
                count = UInt64(endpoint.weight) * perUnit
            } else {
                // Weights summing past the maximum ring size: scale down, keeping every host on the ring.
                let share = Double(endpoint.weight) * Double(Self.maximumSize) / Double(totalWeight)
                count = max(1, UInt64(share))
            }
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: endpoint.key.utf8)
            buffer.append(UInt8(ascii: "_"))
            let base = buffer.count
            for i in 0..<count {
                buffer.removeSubrange(base...)
                Self.appendDecimal(i, to: &buffer)
                points.append((StableHash.hash(buffer), UInt32(truncatingIfNeeded: index)))
            }
        }
        // Ties (64-bit collisions) are ordered by host so every proxy builds the same ring.
        points.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.host < $1.host }
        let hashes = points.map(\.hash)
        self.hashes = hashes
        self.hosts = points.map(\.host)
        (self.buckets, self.bucketShift) = Self.buckets(for: hashes)
    }

    /// Power-of-two buckets, at least as many as points (at most 2^16, 256 KB).
    static func buckets(for hashes: [UInt64]) -> ([UInt32], UInt64) {
        var bits: UInt64 = 1
        while (1 << bits) < hashes.count && bits < 16 { bits += 1 }
        let shift = 64 - bits
        var buckets = [UInt32](repeating: 0, count: 1 << bits)
        var position = 0
        for bucket in 0..<buckets.count {
            let floor = UInt64(bucket) << shift
            while position < hashes.count && hashes[position] < floor { position += 1 }
            buckets[bucket] = UInt32(truncatingIfNeeded: position)
        }
        return (buckets, shift)
    }

    /// The smallest power of two p with totalWeight × p ≥ minimumSize; 0 when even one point per unit
    /// would pass the maximum size.
    static func pointsPerWeightUnit(totalWeight: UInt64, minimumSize: UInt64) -> UInt64 {
        guard totalWeight <= maximumSize else { return 0 }
        var perUnit: UInt64 = 1
        while totalWeight * perUnit < minimumSize {
            perUnit <<= 1
        }
        if totalWeight * perUnit > maximumSize {
            perUnit = max(1, maximumSize / totalWeight)
        }
        return perUnit
    }

    /// The index of the point owning `hash`: the first at or after it, wrapping to 0. O(1) expected:
    /// the bucket of the hash's top bits bounds a binary search that is usually over one or two points.
    @inline(__always)
    static func position(of hash: UInt64, in hashes: [UInt64], buckets: [UInt32], shift: UInt64) -> Int {
        let bucket = Int(truncatingIfNeeded: hash >> shift)
        var low = Int(buckets[bucket])
        var high = bucket &+ 1 < buckets.count ? Int(buckets[bucket &+ 1]) : hashes.count
        while low < high {
            let middle = (low &+ high) >> 1
            if hashes[middle] < hash {
                low = middle &+ 1
            } else {
                high = middle
            }
        }
        return low == hashes.count ? 0 : low
    }

    @inline(__always)
    func position(for hash: UInt64) -> Int {
        Self.position(of: hash, in: hashes, buckets: buckets, shift: bucketShift)
    }

    /// The endpoint index owning `hash`, or nil for an empty ring.
    public func endpointIndex(for hash: UInt64) -> Int? {
        hashes.isEmpty ? nil : Int(hosts[position(for: hash)])
    }

    private static func appendDecimal(_ value: UInt64, to buffer: inout [UInt8]) {
        guard value > 0 else {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        let start = buffer.count
        var rest = value
        while rest > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        buffer[start...].reverse()
    }
}
