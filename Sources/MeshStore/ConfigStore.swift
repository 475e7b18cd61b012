import Foundation
public import Logging
public import MeshAPI
public import MeshModel
import GRDB
import MeshCore

/// The config role's store: declarative resources in SQLite (WAL) with one global revision,
/// per-resource history, rollback and a watch of the whole state.
///
/// The actor keeps the whole current state in memory (`ConfigState`, loaded when the file is
/// opened), so reads and the checks of a write never query the database; the database is
/// written once per write, in one transaction, and the new state is published to watchers
/// after it commits. Writes are serialized by the actor (they wait for each other across the
/// database `await`), reads never wait for a write.
///
/// Like etcd, the revision only moves forward: every write that changes anything, including a
/// rollback, adds exactly one revision, and every row it writes carries it.
public actor ConfigStore: ConfigAPI {
    /// How the store treats its file.
    public struct Options: Sendable {
        /// How many history entries each resource keeps (the oldest are pruned; at least 1).
        public var historyDepth: Int
        /// `PRAGMA synchronous=FULL`: a write that returned has been synced to disk, so it
        /// survives power loss as well as a crash. `false` uses WAL's `NORMAL` (faster; the last
        /// writes may be lost on power loss, never on a process crash).
        public var synchronousFull: Bool
        /// How long to wait for a lock held by another connection before failing.
        public var busyTimeout: Duration
        /// The ranges Service and ServiceEntry VIPs are allocated from, at most one per address
        /// family (`serviceCIDR`, `serviceCIDRv6`); empty allocates none (fixed `spec.vip`s
        /// are still kept and checked for collisions).
        public var vipRanges: [VIPRange]

        /// Istio's auto-allocation ranges: `240.240.0.0/16` and `2001:2::/48` (RFC 5180).
        public static let defaultVIPRanges = [VIPRange("240.240.0.0/16")!, VIPRange("2001:2::/48")!]

        public init(
            historyDepth: Int = 50,
            synchronousFull: Bool = true,
            busyTimeout: Duration = .seconds(5),
            vipRanges: [VIPRange] = Options.defaultVIPRanges
        ) {
            self.historyDepth = historyDepth
            self.synchronousFull = synchronousFull
            self.busyTimeout = busyTimeout
            self.vipRanges = vipRanges
        }
    }

    let pool: DatabasePool
    let options: Options
    let logger: Logger
    let metrics = ConfigStoreMetrics()
    let updates: Watch<ConfigState>
    let encoder: JSONEncoder
    let decoder: JSONDecoder

    /// The committed state: what every read answers from and what watchers last received.
    var state: ConfigState
    var counts: [ResourceKind: Int]
    /// Every VIP address held (fixed or allocated) and its owner: the allocator's view of what
    /// is taken, kept in step with the `status` of `state`'s resources.
    var vipHolders: [String: ResourceKey] = [:]
    var closed = false
    private var writing = false
    private var writeWaiters: [CheckedContinuation<Void, Never>] = []

    /// Opens (creating it and its directory if needed) the store file at `path` and loads its
    /// state. Bootstrap the metrics system before this: the store creates its metrics here.
    ///
    /// - Throws: `MeshError` `.io` when the file cannot be opened, migrated or read.
    public init(path: String, options: Options = .init(), logger: Logger = Logger(label: "meshbox.config")) throws {
        self.options = options
        self.logger = logger
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.encoder = encoder
        let decoder = JSONDecoder()
        self.decoder = decoder
        let loaded: ConfigState
        let loadedCounts: [ResourceKind: Int]
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // It holds private keys (TLS `Secret`s for `credentialName`): owner-only.
            try PrivateFile.prepareDatabase(path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(options.busyTimeout.seconds)
            configuration.label = "meshbox.config"
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous=NORMAL when it turns WAL on; only the writer connection
            // writes, so setting it there is enough.
            if options.synchronousFull {
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            try StoreDatabase.migrator().migrate(pool)
            let (revision, rows, vips) = try pool.read { db in
                (try StoreDatabase.revision(db), try StoreDatabase.resources(db), try StoreDatabase.vips(db))
            }
            var resources: [ResourceKey: StoredResource] = [:]
            var counts: [ResourceKind: Int] = [:]
            for row in rows {
                let stored = StoredResource(
                    resource: try decoder.decode(Resource.self, from: Data(row.body.utf8)),
                    revision: row.revision,
                    createRevision: row.createRevision,
                    version: row.version,
                    updatedAt: Self.date(millis: row.updatedAtMillis)
                )
                resources[stored.key] = stored
                counts[stored.key.kind, default: 0] += 1
            }
            self.pool = pool
            // VIPs of resources written before allocation existed, or outside ranges the
            // configuration no longer has, are (re)allocated now; the rest are kept.
            let settled = try Self.settleVIPs(
                resources: &resources,
                stored: vips,
                ranges: options.vipRanges,
                pool: pool,
                logger: logger
            )
            vipHolders = settled
            loaded = ConfigState(revision: revision, resources: resources)
            loadedCounts = counts
        } catch {
            throw MeshError(.io, "cannot open the config store at \(path)", cause: error)
        }
        self.state = loaded
        self.counts = loadedCounts
        self.updates = Watch(loaded)
        metrics.update(revision: loaded.revision, counts: loadedCounts)
        logger.info(
            "Opened config store",
            metadata: [
                "config.path": "\(path)",
                "config.revision": "\(loaded.revision)",
                "config.resources": "\(loaded.resources.count)",
            ]
        )
    }

    // MARK: - Reads (from the cache)

    public func get(_ key: ResourceKey) -> StoredResource? {
        state.resources[key]
    }

    /// Sorted by key. `nil` filters match everything.
    public func list(kind: ResourceKind?, namespace: String?, selector: LabelSelector?) -> [StoredResource] {
        state.resources.values
            .filter { stored in
                (kind == nil || stored.key.kind == kind)
                    && (namespace == nil || stored.key.namespace == namespace)
                    && (selector?.matches(stored.resource.metadata.labels) ?? true)
            }
            .sorted { $0.key < $1.key }
    }

    public func currentRevision() -> Int64 {
        state.revision
    }

    /// The whole committed state (revision and every resource), without subscribing.
    public func currentState() -> ConfigState {
        state
    }

    /// Newest first, deletions included; at most `Options.historyDepth` entries.
    public func history(_ key: ResourceKey) async throws -> [HistoryEntry] {
        let rows = try await read { db in try StoreDatabase.history(db, key: key) }
        return try rows.map { try historyEntry($0) }
    }

    public nonisolated func watch() -> AsyncStream<ConfigState> {
        updates.updates()
    }

    // MARK: - Lifecycle

    /// Ends every watch and closes the file. Waits for a write in progress; later writes throw
    /// `.unavailable`, reads of the cache keep answering with the last state.
    public func close() async {
        await lockWrites()
        defer { unlockWrites() }
        guard !closed else { return }
        closed = true
        updates.finish()
        do {
            try pool.close()
        } catch {
            logger.debug("Config store close deferred to release", metadata: ["error.type": "\(type(of: error))"])
        }
        logger.info("Closed config store", metadata: ["config.revision": "\(state.revision)"])
    }

    /// Reads a pragma on the writer connection (`journal_mode`, `synchronous`), for
    /// diagnostics and tests.
    func pragma(_ name: String) async throws -> String? {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else {
            throw MeshError(.invalidArgument, "not a pragma name: \(name)")
        }
        return try await pool.writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA \(name)")
        }
    }

    // MARK: - Helpers shared with the write side

    /// Serializes writes: the actor is re-entered while a transaction is awaited, and the cache
    /// must not change under a write that computed its changes from it.
    func lockWrites() async {
        if writing {
            await withCheckedContinuation { writeWaiters.append($0) }
        } else {
            writing = true
        }
    }

    func unlockWrites() {
        if writeWaiters.isEmpty {
            writing = false
        } else {
            writeWaiters.removeFirst().resume()  // hand the lock over; `writing` stays true
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard !closed else { throw MeshError(.unavailable, "the config store is closed") }
        do {
            return try await pool.read(body)
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.io, "config store read failed", cause: error)
        }
    }

    func historyEntry(_ row: HistoryRow) throws -> HistoryEntry {
        guard let action = HistoryEntry.Action(rawValue: row.action) else {
            throw MeshError(.internal, "config store history holds unknown action \(row.action)")
        }
        return HistoryEntry(
            revision: row.revision,
            action: action,
            resource: try row.body.map { try decodeStored($0) },
            timestamp: Self.date(millis: row.timestampMillis)
        )
    }

    func decodeStored(_ body: String) throws -> Resource {
        do {
            return try decoder.decode(Resource.self, from: Data(body.utf8))
        } catch {
            throw MeshError(.internal, "config store holds a resource it cannot decode", cause: error)
        }
    }

    /// Timestamps are kept as whole milliseconds so a state read back from the file equals the
    /// state that was written.
    static func date(millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
