import Foundation
import GRDB
import Logging
import MeshAPI
import MeshCore
import MeshModel

// MARK: - Write machinery

/// A resource and its stored JSON, or nothing (the resource should not exist).
struct Target {
    var value: (resource: Resource, body: String)?
}

extension ConfigStore {
    /// Runs one write under the write lock and records its metrics.
    func performWrite(
        _ operation: ConfigStoreMetrics.Operation,
        _ body: () async throws -> (WriteResult, ConfigStoreMetrics.Result)
    ) async throws -> WriteResult {
        let start = ContinuousClock.now
        await lockWrites()
        defer { unlockWrites() }
        do {
            guard !closed else { throw MeshError(.unavailable, "the config store is closed") }
            let (result, outcome) = try await body()
            metrics.record(operation, outcome, duration: ContinuousClock.now - start)
            return result
        } catch {
            metrics.record(operation, Self.isRejection(error) ? .rejected : .failed, duration: ContinuousClock.now - start)
            throw error
        }
    }

    static func isRejection(_ error: any Error) -> Bool {
        if error is ValidationError { return true }
        guard let error = error as? MeshError else { return false }
        let rejections: [MeshError.Code] = [.invalidArgument, .notFound, .validation]
        return rejections.contains(error.code)
    }

    /// The change that makes `key` equal `target` (nil: absent), or nil if it already does.
    func change(
        _ key: ResourceKey,
        to target: (resource: Resource, body: String)?,
        revision: Int64,
        millis: Int64
    ) -> PendingChange? {
        let current = state.resources[key]
        guard let target else {
            return current == nil ? nil : PendingChange(key: key, action: .deleted, stored: nil, body: nil)
        }
        if let current, current.resource == target.resource { return nil }
        let stored = StoredResource(
            resource: target.resource,
            revision: revision,
            createRevision: current?.createRevision ?? revision,
            version: (current?.version ?? 0) + 1,
            updatedAt: Self.date(millis: millis)
        )
        return PendingChange(key: key, action: current == nil ? .created : .configured, stored: stored, body: target.body)
    }

    /// The state history gives for `past.key` at `revision`; nil when that state was pruned.
    func target(of past: PastState, at revision: Int64) throws -> Target? {
        guard let first = past.firstRevision, first <= revision else { return Target(value: nil) }
        guard let entry = past.entry else { return nil }
        guard let body = entry.body else { return Target(value: nil) }
        return Target(value: (try decodeStored(body), body))
    }

    func prunedError(_ revision: Int64, keys: [ResourceKey]) -> MeshError {
        let depth = max(1, options.historyDepth)
        if keys.count == 1 {
            return MeshError(
                .notFound,
                "revision \(revision) of \(keys[0]) is no longer in history (history depth \(depth))"
            )
        }
        return MeshError(
            .notFound,
            "revision \(revision) of \(keys.count) resources is no longer in history (history depth \(depth))",
            details: keys.map(\.description)
        )
    }

    func checkRange(_ revision: Int64) throws {
        guard revision >= 0, revision <= state.revision else {
            throw MeshError(.invalidArgument, "revision \(revision) is outside 0...\(state.revision)")
        }
    }

    func encode(_ resource: Resource) throws -> String {
        do {
            return String(decoding: try encoder.encode(resource), as: UTF8.self)
        } catch {
            throw MeshError(.internal, "cannot encode \(resource.key)", cause: error)
        }
    }

    /// Analyzer issues about `batch`, over the store as it would be with `batch` written.
    func analysisWarnings(for batch: [(key: ResourceKey, resource: Resource)]) -> [FieldIssue] {
        let batchKeys = Set(batch.map(\.key))
        var all = batch.map(\.resource)
        all.reserveCapacity(state.resources.count + batch.count)
        for (key, stored) in state.resources where !batchKeys.contains(key) {
            all.append(stored.resource)
        }
        // Only the batch is analysed (against everything): analysing the whole store on every
        // apply made single applies O(store size) in analysis work (46 applies/s at 2,000).
        return Analyzer.analyze(batch.map(\.resource), in: all)
    }

    /// Writes `changes` as `revision` in one transaction, then updates the cache and publishes
    /// the new state. Nothing in the cache changes unless the transaction committed.
    func commit(
        _ changes: [PendingChange],
        revision: Int64,
        millis: Int64,
        operation: ConfigStoreMetrics.Operation,
        vips: [ResourceKey: [VIPAssignment]] = [:]
    ) async throws {
        let previous = state.revision
        let depth = max(1, options.historyDepth)
        do {
            try await pool.write { db in
                try StoreDatabase.commit(
                    db,
                    changes: changes,
                    previous: previous,
                    revision: revision,
                    timestampMillis: millis,
                    historyDepth: depth,
                    vips: vips
                )
            }
        } catch let error as MeshError {
            throw error
        } catch let error as CancellationError {
            throw error  // the transaction rolled back; nothing to report beyond the cancellation
        } catch {
            throw MeshError(.io, "config store write failed", cause: error)
        }
        state.revision = revision
        updateVIPHolders(vips)
        for change in changes {
            if let stored = change.stored {
                if state.resources.updateValue(stored, forKey: change.key) == nil {
                    counts[change.key.kind, default: 0] += 1
                }
            } else if state.resources.removeValue(forKey: change.key) != nil {
                counts[change.key.kind, default: 0] -= 1
            }
        }
        updates.send(state)
        metrics.update(revision: revision, counts: counts)
        logger.debug(
            "Committed config change",
            metadata: [
                "config.revision": "\(revision)",
                "config.operation": "\(operation.rawValue)",
                "config.changes": "\(changes.count)",
            ]
        )
    }
}

extension HistoryEntry.Action {
    var outcome: ChangeOutcome.Action {
        switch self {
        case .created: .created
        case .configured: .configured
        case .deleted: .deleted
        }
    }
}
