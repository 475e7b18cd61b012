public import Logging
public import MeshAPI
public import NIOCore
import Foundation
import MeshCore

/// The registry role: services and their instances, active health checks, TTL heartbeats,
/// persistence of API registrations, and a latest-value watch of the whole state.
///
/// A registry is live from `init`: instances restored from the database start their checks at
/// once. `RegistryRole` ties `shutdown()` to the service group. Instances of ServiceEntries
/// arrive through `applyConfig(_:)`.
///
/// Health semantics:
/// - without a check an instance is `passing`; with one it starts `unknown`;
/// - HTTP/TCP: the first result decides (see `HealthTracker`), then thresholds apply;
/// - TTL: `unknown` until the first heartbeat (→ `passing`) or until `ttl` passes without one
///   (→ `critical`, `TTL expired`);
/// - `deregisterAfter`: an instance `critical` for that long is removed, whatever its check kind;
/// - after a restart, health is learned again (`unknown`); it is not persisted.
public actor Registry: RegistryAPI {
    let options: Options
    let logger: Logger
    let probe: HealthProbe
    let metrics = RegistryMetrics()
    let database: RegistryDatabase
    private let stateWatch: Watch<RegistryState>
    /// The state now. Changes apply here in place; watchers get copies at most once per
    /// `Options.publishInterval` (see `publish()`).
    private var working: RegistryState
    private var publishTask: Task<Void, Never>?
    private var lastPublish: ContinuousClock.Instant?
    /// What the last publication cost: publishing plus the copy the next change made of the
    /// then shared state. Both grow with the state.
    private var publishCost: Duration = .zero
    private var copyPending = false
    var checks: [String: CheckRuntime] = [:]
    var nextToken: UInt64 = 0
    private var healthCounts: [HealthState: Int] = [:]
    /// Ids of the instances that came from ServiceEntries.
    var serviceEntryIDs: Set<String> = []
    var lastConfigRevision: Int64?
    var isShutDown = false

    /// Opens (or creates) the database at `path` and restores the API registrations in it.
    public init(
        path: String, eventLoopGroup: any EventLoopGroup, options: Options = .init(), logger: Logger
    ) async throws {
        self.options = options
        self.logger = logger
        self.probe = HealthProbe(eventLoopGroup: eventLoopGroup)
        self.database = try RegistryDatabase(path: path)

        var instances: [String: Instance] = [:]
        var restoredChecks: [(String, ResolvedHealthCheck)] = []
        for row in try database.loadAll() {
            switch RegistrationValidator.validate(
                row.registration, defaultNode: options.nodeName, policy: options.healthChecks) {
            case .valid(let validated):
                instances[validated.id] = Self.makeInstance(validated, source: .api, registeredAt: row.registeredAt)
                if let check = validated.check { restoredChecks.append((validated.id, check)) }
            case .invalid(let issues):
                logger.warning(
                    "Ignoring an invalid stored registration",
                    metadata: ["instance.id": "\(row.registration.id ?? "")", "error.details": "\(issues)"])
            }
        }
        self.working = RegistryState(revision: 0, instances: instances)
        self.stateWatch = Watch(working)
        for instance in instances.values { healthCounts[instance.health, default: 0] += 1 }
        metrics.recordInstances(healthCounts)
        metrics.recordRevision(0)
        for (id, check) in restoredChecks {
            if let address = instances[id]?.address { startCheck(id: id, address: address, check: check) }
        }
        logger.info("Registry opened", metadata: ["registry.path": "\(path)", "registry.instances": "\(instances.count)"])
    }

    // MARK: RegistryAPI

    public func register(_ input: InstanceRegistration) async throws -> Instance {
        try ensureOpen()
        let validated: ValidatedRegistration
        switch RegistrationValidator.validate(input, defaultNode: options.nodeName, policy: options.healthChecks) {
        case .valid(let value): validated = value
        case .invalid(let issues): throw MeshError(.validation, "invalid instance registration", details: issues)
        }
        let id = validated.id
        let existing = instance(id)
        if let existing {
            if existing.source == .serviceEntry {
                throw MeshError(.conflict, "instance \(id) comes from a ServiceEntry; change the ServiceEntry instead")
            }
            // Agents re-register periodically; an identical registration keeps its health.
            if existing.matches(validated.registration) { return existing }
        }
        let registeredAt = existing?.registeredAt ?? Date()
        try database.save(validated.registration, registeredAt: registeredAt)
        stopCheck(id: id)
        let instance = Self.makeInstance(validated, source: .api, registeredAt: registeredAt)
        commit(id: id, instance)
        if let check = validated.check { startCheck(id: id, address: instance.address, check: check) }
        logger.debug("Instance registered", metadata: ["instance.id": "\(id)", "service.name": "\(instance.service)"])
        return instance
    }

    public func deregister(id: String) async throws {
        try ensureOpen()
        guard let existing = instance(id) else { throw MeshError(.notFound, "no instance \(id)") }
        guard existing.source == .api else {
            throw MeshError(.conflict, "instance \(id) comes from a ServiceEntry; change the ServiceEntry instead")
        }
        try database.delete(id: id)
        stopCheck(id: id)
        commit(id: id, nil)
        logger.debug("Instance deregistered", metadata: ["instance.id": "\(id)"])
    }

    public func heartbeat(id: String) async throws -> Instance {
        try ensureOpen()
        guard let existing = instance(id) else { throw MeshError(.notFound, "no instance \(id)") }
        guard existing.check?.kind == .ttl, checks[id] != nil else {
            throw MeshError(.invalidArgument, "instance \(id) has no TTL check")
        }
        metrics.recordCheck(kind: .ttl, success: true)
        armTTLTimer(id: id)
        return updateHealth(id: id, to: .passing, output: "heartbeat received") ?? existing
    }

    public func instances(service: String?, namespace: String?) async throws -> [Instance] {
        working.instances.values
            .filter { (service == nil || $0.service == service) && (namespace == nil || $0.namespace == namespace) }
            .sorted { $0.id < $1.id }
    }

    public nonisolated func watch() -> AsyncStream<RegistryState> {
        stateWatch.updates()
    }

    /// The state now, including changes not yet published to watchers.
    public func snapshot() -> RegistryState {
        working
    }

    /// Stops every check and timer (waiting for them), ends every watch and closes the database.
    /// Later calls of the API throw `.unavailable`.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        let tasks = checks.values.flatMap { [$0.task, $0.reapTask].compactMap { $0 } } + [publishTask].compactMap { $0 }
        checks.removeAll()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        publishTask = nil
        publishNow()
        stateWatch.finish()
        do {
            try database.close()
        } catch {
            logger.warning("Registry database did not close cleanly", metadata: ["error.message": "\(error)"])
        }
        logger.info("Registry closed")
    }

    // MARK: State

    func instance(_ id: String) -> Instance? {
        working.instances[id]
    }

    /// Applies changes (nil removes) as one revision. The dictionary is changed in place, so a
    /// change costs O(1) while the state is not shared; it is shared after each publication, so
    /// the first change after one copies it (O(n)) once.
    func commit(_ changes: [(id: String, instance: Instance?)]) {
        guard !changes.isEmpty else { return }
        let started = ContinuousClock.now
        for change in changes {
            let old =
                if let instance = change.instance {
                    working.instances.updateValue(instance, forKey: change.id)
                } else {
                    working.instances.removeValue(forKey: change.id)
                }
            if let old { healthCounts[old.health, default: 0] -= 1 }
            if let instance = change.instance { healthCounts[instance.health, default: 0] += 1 }
        }
        working.revision += 1
        if copyPending {
            copyPending = false
            publishCost += ContinuousClock.now - started
        }
        metrics.recordInstances(healthCounts)
        metrics.recordRevision(working.revision)
        publish()
    }

    /// Publishes at once when the last publication is older than the publish interval, otherwise
    /// once when the interval has passed, with every change made meanwhile. Publishing on every
    /// change would copy the whole state per change while a watcher holds the previous one,
    /// which makes bulk registration quadratic. The interval is `Options.publishInterval`, or
    /// four times what the last publication cost when that is more, so copying takes at most
    /// a fifth of the time however large the state. Throttling uses real time, not
    /// `Options.clock`: it bounds CPU work, and a test clock must not hold back watchers.
    private func publish() {
        guard !isShutDown else { return }
        let now = ContinuousClock.now
        let interval = max(options.publishInterval, publishCost * 4)
        guard let lastPublish, now - lastPublish < interval else {
            // Due: publish here rather than rely on the timer task, which a busy actor can starve.
            publishTask?.cancel()
            publishTask = nil
            publishNow()
            return
        }
        guard publishTask == nil else { return }
        let delay = interval - (now - lastPublish)
        publishTask = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.publishScheduled()
        }
    }

    private func publishScheduled() {
        guard publishTask != nil, !isShutDown else { return }
        publishTask = nil
        publishNow()
    }

    private func publishNow() {
        let started = ContinuousClock.now
        lastPublish = started
        guard stateWatch.current.revision != working.revision else { return }
        stateWatch.send(working)
        publishCost = ContinuousClock.now - started
        copyPending = true
    }

    func commit(id: String, _ instance: Instance?) {
        commit([(id: id, instance: instance)])
    }

    func makeToken() -> UInt64 {
        nextToken += 1
        return nextToken
    }

    private func ensureOpen() throws {
        if isShutDown { throw MeshError(.unavailable, "the registry is shut down") }
    }

    static func makeInstance(_ validated: ValidatedRegistration, source: Instance.Source, registeredAt: Date) -> Instance {
        let registration = validated.registration
        let hasCheck = registration.check != nil
        return Instance(
            id: validated.id, service: registration.service, namespace: registration.namespace ?? "default",
            address: registration.address, ports: registration.ports, labels: registration.labels ?? [:],
            node: registration.node ?? "", weight: registration.weight ?? 1, check: registration.check,
            source: source, health: hasCheck ? .unknown : .passing, healthOutput: hasCheck ? "" : "no checks",
            registeredAt: registeredAt, healthChangedAt: registeredAt,
            serviceAccount: registration.serviceAccount ?? Instance.defaultServiceAccount, runAs: registration.runAs)
    }
}

extension Instance {
    /// Whether a (normalized) registration describes this instance exactly.
    func matches(_ registration: InstanceRegistration) -> Bool {
        service == registration.service && namespace == registration.namespace && address == registration.address
            && ports == registration.ports && labels == (registration.labels ?? [:]) && node == registration.node
            && weight == registration.weight && check == registration.check && source == .api
            && serviceAccount == registration.serviceAccount && runAs == registration.runAs
    }
}
