public import Foundation
public import MeshModel

/// A resource as the store keeps it: the resource plus the revisions that describe its life.
public struct StoredResource: Sendable, Hashable, Codable {
    public var resource: Resource
    /// Global revision of the change that produced this version (etcd's mod_revision).
    public var revision: Int64
    /// Global revision at which the resource was created (etcd's create_revision).
    public var createRevision: Int64
    /// How many times this resource has been written since it was created, starting at 1.
    public var version: Int64
    public var updatedAt: Date
    /// What the store keeps for the resource beside its spec: the VIPs of a `Service` or of a
    /// `ServiceEntry`'s hosts. Nil for other kinds and when there is nothing to show.
    public var status: ResourceStatus?

    public init(
        resource: Resource,
        revision: Int64,
        createRevision: Int64,
        version: Int64,
        updatedAt: Date,
        status: ResourceStatus? = nil
    ) {
        self.resource = resource
        self.revision = revision
        self.createRevision = createRevision
        self.version = version
        self.updatedAt = updatedAt
        self.status = status
    }

    public var key: ResourceKey { resource.key }
}

/// What one write did to one resource.
public struct ChangeOutcome: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable { case created, configured, unchanged, deleted }
    public var key: ResourceKey
    public var action: Action
    public init(key: ResourceKey, action: Action) {
        self.key = key
        self.action = action
    }
}

/// The answer to a write (apply, delete, rollback): the new global revision, what happened to
/// each resource, and non-fatal warnings (cross-resource analysis, like `istioctl analyze`).
public struct WriteResult: Sendable, Hashable, Codable {
    /// The store's revision after the write (unchanged when nothing changed or on a dry run).
    public var revision: Int64
    public var outcomes: [ChangeOutcome]
    public var warnings: [FieldIssue]
    public var dryRun: Bool

    public init(revision: Int64, outcomes: [ChangeOutcome], warnings: [FieldIssue] = [], dryRun: Bool = false) {
        self.revision = revision
        self.outcomes = outcomes
        self.warnings = warnings
        self.dryRun = dryRun
    }
}

/// One entry of a resource's history: the resource as it was after the change at `revision`,
/// or nil when that change deleted it.
public struct HistoryEntry: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable { case created, configured, deleted }
    public var revision: Int64
    public var action: Action
    public var resource: Resource?
    public var timestamp: Date

    public init(revision: Int64, action: Action, resource: Resource?, timestamp: Date) {
        self.revision = revision
        self.action = action
        self.resource = resource
        self.timestamp = timestamp
    }
}

/// The whole store at one revision, as watchers receive it.
public struct ConfigState: Sendable, Hashable {
    public var revision: Int64
    public var resources: [ResourceKey: StoredResource]

    public init(revision: Int64, resources: [ResourceKey: StoredResource]) {
        self.revision = revision
        self.resources = resources
    }

    public static let empty = ConfigState(revision: 0, resources: [:])

    public func resources(of kind: ResourceKind) -> [StoredResource] {
        resources.values.filter { $0.resource.kind == kind }.sorted { $0.key < $1.key }
    }

    /// The VIPs of a `Service` or `ServiceEntry` (its `status.vips`); empty for other keys.
    public func vips(of key: ResourceKey) -> [VIPAssignment] {
        resources[key]?.status?.vips ?? []
    }
}

/// The config role's contract. Co-located roles call the actor; remote callers use the admin API.
///
/// Every write is one transaction: all of it is applied or none of it, and a write that changes
/// anything advances the global revision by exactly one. Writes that fail validation throw
/// MeshModel's `ValidationError`, whose issues name resource, field path and reason; other
/// failures are `MeshError`s (`.notFound`, `.invalidArgument`, `.unavailable`, …).
public protocol ConfigAPI: Sendable {
    /// Creates or replaces the given resources (validated first). `dryRun` validates and reports
    /// what would change without writing.
    func apply(_ resources: [Resource], dryRun: Bool) async throws -> WriteResult
    func get(_ key: ResourceKey) async throws -> StoredResource?
    func list(kind: ResourceKind?, namespace: String?, selector: LabelSelector?) async throws -> [StoredResource]
    /// Deletes the given resources; a missing one is `.notFound` and nothing is deleted.
    func delete(_ keys: [ResourceKey]) async throws -> WriteResult
    /// Newest first.
    func history(_ key: ResourceKey) async throws -> [HistoryEntry]
    /// Puts one resource back to what it was at `revision` (deleting it if it did not exist then).
    func rollback(_ key: ResourceKey, to revision: Int64) async throws -> WriteResult
    /// Puts the whole store back to what it was at `revision`, as one new revision.
    func rollbackAll(to revision: Int64) async throws -> WriteResult
    func currentRevision() async throws -> Int64
    /// Current state first, then each newer state; a slow consumer skips to the newest.
    func watch() -> AsyncStream<ConfigState>
}
