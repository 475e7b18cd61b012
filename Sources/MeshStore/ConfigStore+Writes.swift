import Foundation
import GRDB
import Logging
public import MeshAPI
import MeshCore
public import MeshModel

extension ConfigStore {
    /// Validates and writes `resources` as one transaction and one new revision.
    ///
    /// Rejected with `ValidationError` (and nothing written) when any resource has an error
    /// issue from `Validator`, an apiVersion its kind does not accept, or a key that appears
    /// twice in the batch, and when the batch's Service VIPs cannot be settled: a fixed
    /// `spec.vip` another resource holds or asks for, or a VIP range with no free address
    /// (`allocateVIPs`; dry runs too). Accepted apiVersions are stored as the kind's preferred one.
    ///
    /// `warnings` holds the validator's warnings for the batch and the `Analyzer`'s issues about
    /// the batch's resources, analysed over the whole store as it is after the write (issues
    /// the write causes on other resources are not reported here).
    public func apply(_ resources: [Resource], dryRun: Bool = false) async throws -> WriteResult {
        try await performWrite(.apply) {
            var issues: [FieldIssue] = []
            var seen: Set<ResourceKey> = []
            var batch: [(key: ResourceKey, resource: Resource, body: String)] = []
            for resource in resources {
                let key = resource.key
                if !resource.kind.acceptedAPIVersions.contains(resource.apiVersion) {
                    issues.append(
                        FieldIssue(
                            resource: key.description,
                            path: "apiVersion",
                            message: "\(resource.apiVersion) is not an apiVersion of \(resource.kind.rawValue);"
                                + " use \(resource.kind.preferredAPIVersion)"
                        )
                    )
                }
                if !seen.insert(key).inserted {
                    issues.append(FieldIssue(resource: key.description, path: "", message: "appears more than once in the batch"))
                }
                issues += Validator.validate(resource)
                var normalized = resource
                normalized.apiVersion = resource.kind.preferredAPIVersion
                // The stored form is the JSON round trip, so the cache equals what a reopen reads.
                let body = try encode(normalized)
                batch.append((key, try decodeStored(body), body))
            }
            if issues.contains(where: { $0.severity == .error }) {
                throw ValidationError(issues: issues)
            }

            let revision = state.revision + 1
            let millis = Self.nowMillis()
            var outcomes: [ChangeOutcome] = []
            var changes: [PendingChange] = []
            for item in batch {
                if let change = change(item.key, to: (item.resource, item.body), revision: revision, millis: millis) {
                    changes.append(change)
                    outcomes.append(ChangeOutcome(key: item.key, action: change.action.outcome))
                } else {
                    outcomes.append(ChangeOutcome(key: item.key, action: .unchanged))
                }
            }
            let vips = try allocateVIPs(for: &changes)
            let warnings = issues + analysisWarnings(for: batch.map { ($0.key, $0.resource) })

            if dryRun || changes.isEmpty {
                let result = WriteResult(revision: state.revision, outcomes: outcomes, warnings: warnings, dryRun: dryRun)
                return (result, dryRun ? .dryRun : .unchanged)
            }
            try await commit(changes, revision: revision, millis: millis, operation: .apply, vips: vips)
            return (WriteResult(revision: revision, outcomes: outcomes, warnings: warnings), .changed)
        }
    }

    /// Deletes `keys` (repeated keys count once) as one transaction and one new revision.
    /// Any missing key is `.notFound` and nothing is deleted.
    public func delete(_ keys: [ResourceKey]) async throws -> WriteResult {
        try await performWrite(.delete) {
            var seen: Set<ResourceKey> = []
            let unique = keys.filter { seen.insert($0).inserted }
            let missing = unique.filter { state.resources[$0] == nil }
            if let first = missing.first {
                throw MeshError(
                    .notFound,
                    "\(first) not found",
                    details: missing.count > 1 ? missing.map { "\($0) not found" } : []
                )
            }
            guard !unique.isEmpty else {
                return (WriteResult(revision: state.revision, outcomes: []), .unchanged)
            }
            let revision = state.revision + 1
            let millis = Self.nowMillis()
            var changes = unique.compactMap { change($0, to: nil, revision: revision, millis: millis) }
            let vips = try allocateVIPs(for: &changes)
            try await commit(changes, revision: revision, millis: millis, operation: .delete, vips: vips)
            let outcomes = unique.map { ChangeOutcome(key: $0, action: .deleted) }
            return (WriteResult(revision: revision, outcomes: outcomes), .changed)
        }
    }

    /// Puts `key` back to what it was at `revision` (deleting it if it did not exist then), as
    /// a new revision; unchanged (no new revision) if it is already so.
    ///
    /// - Throws: `.invalidArgument` for a revision outside `0...currentRevision()`, `.notFound`
    ///   when the key never existed or its state at `revision` has been pruned from history.
    public func rollback(_ key: ResourceKey, to revision: Int64) async throws -> WriteResult {
        try await performWrite(.rollback) {
            try checkRange(revision)
            let unchanged = WriteResult(revision: state.revision, outcomes: [ChangeOutcome(key: key, action: .unchanged)])
            if let current = state.resources[key], current.revision <= revision {
                return (unchanged, .unchanged)  // not written since then
            }
            let past = try await read { db in try StoreDatabase.pastState(db, key: key, at: revision) }
            guard past.firstRevision != nil else { throw MeshError(.notFound, "\(key) not found") }
            guard let target = try target(of: past, at: revision) else {
                throw prunedError(revision, keys: [key])
            }
            let next = state.revision + 1
            let millis = Self.nowMillis()
            guard let change = change(key, to: target.value, revision: next, millis: millis) else {
                return (unchanged, .unchanged)
            }
            var changes = [change]
            let vips = try allocateVIPs(for: &changes)
            try await commit(changes, revision: next, millis: millis, operation: .rollback, vips: vips)
            let result = WriteResult(revision: next, outcomes: [ChangeOutcome(key: key, action: change.action.outcome)])
            return (result, .changed)
        }
    }

    /// Makes the whole store what it was at `revision`, as one new revision: resources created
    /// since are deleted, changed ones restored, deleted ones recreated. Restored resources are
    /// written as they were then, without validating them again. `outcomes` lists only the
    /// resources it changed.
    ///
    /// - Throws: `.invalidArgument` for a revision outside `0...currentRevision()`; `.notFound`
    ///   (and nothing changes) when history needed for it has been pruned.
    public func rollbackAll(to revision: Int64) async throws -> WriteResult {
        try await performWrite(.rollbackAll) {
            try checkRange(revision)
            guard revision < state.revision else {
                return (WriteResult(revision: state.revision, outcomes: []), .unchanged)
            }
            let pasts = try await read { db in
                try StoreDatabase.keysChanged(db, after: revision).map { key in
                    try StoreDatabase.pastState(db, key: key, at: revision)
                }
            }
            let next = state.revision + 1
            let millis = Self.nowMillis()
            var pruned: [ResourceKey] = []
            var changes: [PendingChange] = []
            for past in pasts.sorted(by: { $0.key < $1.key }) {
                guard let target = try target(of: past, at: revision) else {
                    pruned.append(past.key)
                    continue
                }
                if let change = change(past.key, to: target.value, revision: next, millis: millis) {
                    changes.append(change)
                }
            }
            if !pruned.isEmpty { throw prunedError(revision, keys: pruned) }
            guard !changes.isEmpty else {
                return (WriteResult(revision: state.revision, outcomes: []), .unchanged)
            }
            let vips = try allocateVIPs(for: &changes)
            try await commit(changes, revision: next, millis: millis, operation: .rollbackAll, vips: vips)
            let outcomes = changes.map { ChangeOutcome(key: $0.key, action: $0.action.outcome) }
            return (WriteResult(revision: next, outcomes: outcomes), .changed)
        }
    }
}
