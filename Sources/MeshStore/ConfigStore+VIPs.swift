import GRDB
import Logging
import MeshAPI
import MeshCore
import MeshModel

/// Service VIPs: worked out for each write from the cache (`VIPAllocator`), written in the
/// write's transaction, shown as the resources' `status.vips`.
extension ConfigStore {
    /// Gives each changed `Service` and `ServiceEntry` its VIPs (in `stored.status`) and returns
    /// the rows to write, keyed by every changed key (an empty list frees a key's addresses).
    ///
    /// - Throws: `ValidationError` (nothing is written) for a fixed `spec.vip` another resource
    ///   holds or asks for, and for a range with no free address left.
    func allocateVIPs(for changes: inout [PendingChange]) throws -> [ResourceKey: [VIPAssignment]] {
        let relevant = changes.filter { change in
            Self.hasVIPs(change.key.kind)
        }
        guard !relevant.isEmpty else { return [:] }
        let allocator = VIPAllocator(ranges: options.vipRanges)
        let plan = allocator.plan(
            changes: relevant.map { ($0.key, $0.stored?.resource) },
            holders: vipHolders,
            current: { [state] key in state.resources[key]?.status?.vips ?? [] },
            reserved: reservedAddresses(after: relevant)
        )
        if !plan.issues.isEmpty { throw ValidationError(issues: plan.issues) }
        for index in changes.indices where changes[index].stored != nil {
            let vips = plan.vips[changes[index].key] ?? []
            changes[index].stored?.status = vips.isEmpty ? nil : ResourceStatus(vips: vips)
        }
        return plan.vips
    }

    /// The ServiceEntry addresses the state has once `changes` are written (a scan of the
    /// cache, only for writes that touch a Service or ServiceEntry).
    private func reservedAddresses(after changes: [PendingChange]) -> Set<String> {
        let changedKeys = Set(changes.map(\.key))
        let unchanged = state.resources.values.lazy
            .filter { $0.key.kind == .serviceEntry && !changedKeys.contains($0.key) }
            .map(\.resource)
        let changed = changes.lazy.filter { $0.key.kind == .serviceEntry }.compactMap { $0.stored?.resource }
        return VIPAllocator.reserved(Array(unchanged) + Array(changed))
    }

    static func hasVIPs(_ kind: ResourceKind) -> Bool {
        kind == .service || kind == .serviceEntry
    }

    /// Moves `vipHolders` to the state after a commit of `vips`; call before the resources
    /// in `state` change (it reads their old VIPs).
    func updateVIPHolders(_ vips: [ResourceKey: [VIPAssignment]]) {
        for key in vips.keys {
            for old in state.resources[key]?.status?.vips ?? [] where vipHolders[old.address] == key {
                vipHolders[old.address] = nil
            }
        }
        for (key, list) in vips {
            for vip in list { vipHolders[vip.address] = key }
        }
    }

    /// At open: attaches the stored VIPs to `resources` and allocates what is missing (resources
    /// written before VIPs existed, addresses outside ranges the configuration no longer has),
    /// writing only the VIP rows that change. A conflict it cannot settle (two old Services
    /// with one fixed VIP) leaves the later one without a VIP and is logged.
    ///
    /// - Returns: every address held and its owner.
    static func settleVIPs(
        resources: inout [ResourceKey: StoredResource],
        stored: [ResourceKey: [VIPAssignment]],
        ranges: [VIPRange],
        pool: DatabasePool,
        logger: Logger
    ) throws -> [String: ResourceKey] {
        var holders: [String: ResourceKey] = [:]
        for (key, list) in stored {
            for vip in list { holders[vip.address] = key }
        }
        let owners = resources.values.filter { hasVIPs($0.key.kind) }.map { ($0.key, Optional($0.resource)) }
        let keys = Set(owners.map(\.0))
        let plan = VIPAllocator(ranges: ranges).plan(
            changes: owners,
            holders: holders,
            current: { stored[$0] ?? [] },
            reserved: VIPAllocator.reserved(resources.values.map(\.resource))
        )
        for issue in plan.issues {
            logger.warning(
                "Service VIP not allocated",
                metadata: ["config.resource": "\(issue.resource)", "config.path": "\(issue.path)", "error.message": "\(issue.message)"]
            )
        }
        var changed: [ResourceKey: [VIPAssignment]] = [:]
        for (key, old) in stored where !keys.contains(key) {
            if !old.isEmpty { changed[key] = [] }  // rows of a resource that no longer exists
        }
        for (key, vips) in plan.vips {
            if Set(vips) != Set(stored[key] ?? []) { changed[key] = vips }
            resources[key]?.status = vips.isEmpty ? nil : ResourceStatus(vips: vips)
        }
        if !changed.isEmpty {
            try pool.write { db in try StoreDatabase.replaceVIPs(db, changed) }
            logger.info("Settled service VIPs", metadata: ["config.resources": "\(changed.count)"])
        }
        var result: [String: ResourceKey] = [:]
        for (key, vips) in plan.vips {
            for vip in vips { result[vip.address] = key }
        }
        return result
    }
}
