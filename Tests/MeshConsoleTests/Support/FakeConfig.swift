import Foundation
import MeshAPI
import MeshCore
import MeshModel

/// An in-memory `ConfigAPI`: enough store semantics for the console's routes (revisions,
/// outcomes, not-found), plus knobs to make it fail.
actor FakeConfig: ConfigAPI {
    private(set) var revision: Int64 = 0
    private(set) var stored: [ResourceKey: StoredResource] = [:]
    private(set) var appliedDryRuns: [Bool] = []
    /// Thrown by the next `apply`, as a store that found a cross-resource problem would.
    var applyError: (any Error)?
    nonisolated let states = Watch(ConfigState.empty)

    func failNextApply(with error: any Error) { applyError = error }

    /// Puts a resource in without validation (set-up for read tests).
    @discardableResult
    func seed(_ resource: Resource) -> StoredResource {
        revision += 1
        let entry = StoredResource(resource: resource, revision: revision, createRevision: revision, version: 1, updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
        stored[resource.key] = entry
        publish()
        return entry
    }

    func apply(_ resources: [Resource], dryRun: Bool) async throws -> WriteResult {
        appliedDryRuns.append(dryRun)
        if let error = applyError {
            applyError = nil
            throw error
        }
        var outcomes: [ChangeOutcome] = []
        for resource in resources {
            let action: ChangeOutcome.Action =
                switch stored[resource.key] {
                case nil: .created
                case let existing? where existing.resource == resource: .unchanged
                case _?: .configured
                }
            outcomes.append(ChangeOutcome(key: resource.key, action: action))
        }
        let changed = outcomes.contains { $0.action != .unchanged }
        if !dryRun, changed {
            revision += 1
            for resource in resources {
                let previous = stored[resource.key]
                stored[resource.key] = StoredResource(
                    resource: resource, revision: revision, createRevision: previous?.createRevision ?? revision,
                    version: (previous?.version ?? 0) + 1, updatedAt: Date()
                )
            }
            publish()
        }
        return WriteResult(revision: revision, outcomes: outcomes, dryRun: dryRun)
    }

    func get(_ key: ResourceKey) async throws -> StoredResource? { stored[key] }

    func list(kind: ResourceKind?, namespace: String?, selector: LabelSelector?) async throws -> [StoredResource] {
        stored.values
            .filter { kind == nil || $0.resource.kind == kind }
            .filter { namespace == nil || $0.resource.metadata.namespace == namespace }
            .filter { selector?.matches($0.resource.metadata.labels) ?? true }
            .sorted { $0.key < $1.key }
    }

    func delete(_ keys: [ResourceKey]) async throws -> WriteResult {
        for key in keys where stored[key] == nil { throw MeshError(.notFound, "\(key) not found") }
        revision += 1
        for key in keys { stored[key] = nil }
        publish()
        return WriteResult(revision: revision, outcomes: keys.map { ChangeOutcome(key: $0, action: .deleted) })
    }

    func history(_ key: ResourceKey) async throws -> [HistoryEntry] {
        guard let entry = stored[key] else { return [] }
        return [HistoryEntry(revision: entry.revision, action: .created, resource: entry.resource, timestamp: entry.updatedAt)]
    }

    func rollback(_ key: ResourceKey, to revision: Int64) async throws -> WriteResult {
        guard revision <= self.revision, revision > 0 else {
            throw MeshError(.invalidArgument, "revision \(revision) does not exist")
        }
        return WriteResult(revision: self.revision, outcomes: [ChangeOutcome(key: key, action: .unchanged)])
    }

    func rollbackAll(to revision: Int64) async throws -> WriteResult {
        guard revision <= self.revision, revision >= 0 else {
            throw MeshError(.invalidArgument, "revision \(revision) does not exist")
        }
        return WriteResult(revision: self.revision, outcomes: [])
    }

    func currentRevision() async throws -> Int64 { revision }

    nonisolated func watch() -> AsyncStream<ConfigState> { states.updates() }

    private func publish() {
        states.send(ConfigState(revision: revision, resources: stored))
    }
}

/// A resource built through plain decoding, so that tests do not depend on spec initialisers.
func peerAuthentication(_ name: String, namespace: String = "default") throws -> Resource {
    let json = #"{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"\#(name)","namespace":"\#(namespace)"}}"#
    return try JSONDecoder().decode(Resource.self, from: Data(json.utf8))
}
