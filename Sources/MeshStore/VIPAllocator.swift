import MeshAPI
import MeshModel

/// Works out the VIPs of the resources a write changes, from the VIPs held now.
///
/// A pure function of its inputs, so that two control planes that see the same writes in the
/// same order agree: a new address is the hash (FNV-1a) of `namespace/name` (a `Service`) or of
/// the host (a `ServiceEntry`, as Istio's allocator hashes host names) into the range, then the
/// next free one (linear probing). An address a resource already holds is kept as long as it
/// is still inside a configured range, whatever else the write changes.
struct VIPAllocator {
    /// At most one range per address family: each auto-allocated owner gets one address of each.
    var ranges: [VIPRange]

    /// What one resource asks for.
    enum Want: Equatable {
        case none
        /// A `Service`'s `spec.vip`, canonical.
        case fixed(String)
        /// One address per family for each of these hosts (nil: the `Service` itself).
        case allocated([String?])
    }

    struct Plan {
        /// The VIPs of every changed key after the write (empty: none).
        var vips: [ResourceKey: [VIPAssignment]] = [:]
        var issues: [FieldIssue] = []
    }

    static func want(_ resource: Resource?) -> Want {
        switch resource?.spec {
        case .service(let spec)?:
            guard let vip = spec.vip else { return .allocated([nil]) }
            return .fixed(VIPRange.canonical(vip) ?? vip)
        case .serviceEntry(let spec)?:
            // Istio's rule: entries with addresses keep them, wildcard hosts get no VIP.
            guard spec.addresses.isEmpty else { return .none }
            var seen: Set<String> = []
            let hosts = spec.hosts.filter { !$0.hasPrefix("*") && seen.insert($0).inserted }
            return hosts.isEmpty ? .none : .allocated(hosts)
        default:
            return .none
        }
    }

    /// - Parameters:
    ///   - changes: every key the write changes and its resource afterwards (nil: deleted).
    ///   - holders: every address held now and the key holding it.
    ///   - current: the VIPs a key holds now.
    ///   - reserved: addresses never allocated (the single `addresses` of ServiceEntries), so
    ///     that an allocated VIP names one service only.
    func plan(
        changes: [(key: ResourceKey, resource: Resource?)],
        holders: [String: ResourceKey],
        current: (ResourceKey) -> [VIPAssignment],
        reserved: Set<String> = []
    ) -> Plan {
        var plan = Plan()
        let sorted = changes.sorted { $0.key < $1.key }
        let wants = Dictionary(sorted.map { ($0.key, Self.want($0.resource)) }, uniquingKeysWith: { _, last in last })
        var claimed: [String: ResourceKey] = [:]
        var kept: [ResourceKey: [VIPAssignment]] = [:]

        // Whether `holder` still holds `address` after the write.
        func keeps(_ holder: ResourceKey, _ address: String) -> Bool {
            guard let want = wants[holder] else { return true }  // not part of this write
            switch want {
            case .none: return false
            case .fixed(let other): return other == address
            case .allocated(let hosts):
                return current(holder).contains { vip in
                    vip.address == address && !vip.fixed && hosts.contains(vip.host)
                        && ranges.contains { $0.contains(address) }
                }
            }
        }

        // Fixed addresses first: they may not take an address someone else keeps.
        for change in sorted {
            guard case .fixed(let address) = wants[change.key] else { continue }
            let resource = change.key.description
            if let other = claimed[address] {
                plan.issues.append(
                    FieldIssue(resource: resource, path: "spec.vip", message: "\(address) is also the spec.vip of \(other)")
                )
            } else if let holder = holders[address], holder != change.key, keeps(holder, address) {
                plan.issues.append(
                    FieldIssue(resource: resource, path: "spec.vip", message: "\(address) is already the VIP of \(holder)")
                )
            } else {
                claimed[address] = change.key
                plan.vips[change.key] = [VIPAssignment(address: address, fixed: true)]
            }
        }
        // Then the allocated addresses owners keep.
        for change in sorted {
            guard case .allocated(let hosts) = wants[change.key] else { continue }
            for vip in current(change.key) where !vip.fixed && hosts.contains(vip.host) {
                guard claimed[vip.address] == nil, !reserved.contains(vip.address),
                    ranges.contains(where: { $0.contains(vip.address) })
                else { continue }
                let family = VIPRange.family(of: vip.address)
                guard !kept[change.key, default: []].contains(where: {
                    $0.host == vip.host && VIPRange.family(of: $0.address) == family
                }) else { continue }
                claimed[vip.address] = change.key
                kept[change.key, default: []].append(vip)
            }
        }
        // Anything now held by a key outside this write stays taken.
        func isFree(_ address: String) -> Bool {
            guard claimed[address] == nil, !reserved.contains(address) else { return false }
            guard let holder = holders[address] else { return true }
            return wants[holder] != nil && !keeps(holder, address)
        }
        // Then new addresses, in key order so that the outcome does not depend on input order.
        for change in sorted {
            guard case .allocated(let hosts) = wants[change.key] else { continue }
            var vips = kept[change.key] ?? []
            for (index, host) in hosts.enumerated() {
                for range in ranges {
                    if vips.contains(where: { $0.host == host && VIPRange.family(of: $0.address) == range.family }) {
                        continue
                    }
                    let seed = host ?? "\(change.key.namespace)/\(change.key.name)"
                    let taken = UInt64(holders.count + claimed.count + reserved.count)
                    guard let address = Self.probe(range, seed: seed, limit: taken + 1, isFree: isFree) else {
                        plan.issues.append(exhausted(change.key, range: range, hostIndex: host == nil ? nil : index))
                        continue
                    }
                    claimed[address] = change.key
                    vips.append(VIPAssignment(host: host, address: address))
                }
            }
            plan.vips[change.key] = Self.ordered(vips, hosts: hosts)
        }
        for change in sorted where plan.vips[change.key] == nil {
            plan.vips[change.key] = []
        }
        return plan
    }

    /// The first free address from the seed's hash on, trying at most `limit` (and at most
    /// the whole range): `limit` is one more than the addresses taken, so a free one is found
    /// whenever there is one.
    static func probe(_ range: VIPRange, seed: String, limit: UInt64, isFree: (String) -> Bool) -> String? {
        let start = fnv1a(seed) % range.count
        for step in 0..<min(range.count, limit) {
            let address = range.address(at: (start &+ step) % range.count)
            if isFree(address) { return address }
        }
        return nil
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Hosts in the resource's order, IPv4 before IPv6.
    static func ordered(_ vips: [VIPAssignment], hosts: [String?]) -> [VIPAssignment] {
        vips.sorted { a, b in
            let ha = hosts.firstIndex(of: a.host) ?? 0
            let hb = hosts.firstIndex(of: b.host) ?? 0
            if ha != hb { return ha < hb }
            return !a.address.contains(":") && b.address.contains(":")
        }
    }

    private func exhausted(_ key: ResourceKey, range: VIPRange, hostIndex: Int?) -> FieldIssue {
        let setting = range.family == .ipv4 ? "serviceCIDR" : "serviceCIDRv6"
        let head = "no free address left in \(setting) \(range) (\(range.count) usable addresses)"
        if let hostIndex {
            return FieldIssue(
                resource: key.description,
                path: "spec.hosts[\(hostIndex)]",
                message: head + "; set spec.addresses or widen \(setting)"
            )
        }
        return FieldIssue(resource: key.description, path: "spec.vip", message: head + "; set spec.vip or widen \(setting)")
    }

    /// The single addresses (`10.0.0.1`, `10.0.0.1/32`) ServiceEntries list in `addresses`,
    /// canonical; CIDR blocks are not reserved address by address.
    static func reserved(_ resources: some Sequence<Resource>) -> Set<String> {
        var result: Set<String> = []
        for resource in resources {
            guard case .serviceEntry(let spec) = resource.spec else { continue }
            for written in spec.addresses {
                var text = written
                if text.hasSuffix("/32") || text.hasSuffix("/128") { text = String(text.prefix { $0 != "/" }) }
                if let address = VIPRange.canonical(text) { result.insert(address) }
            }
        }
        return result
    }
}
