import Foundation
import Logging
import MeshAPI

/// What the registry keeps per instance with a check.
struct CheckRuntime {
    /// Identifies this registration's check: results carrying another token are stale.
    var token: UInt64
    var check: ResolvedHealthCheck
    var tracker: HealthTracker
    /// HTTP/TCP: the probe loop. TTL: the expiry timer (replaced on each heartbeat).
    var task: Task<Void, Never>?
    var timerToken: UInt64 = 0
    /// `deregisterAfter` timer, running while the instance is critical.
    var reapTask: Task<Void, Never>?
    var reapToken: UInt64 = 0
}

// Checks and timers are unstructured tasks: each lives exactly as long as one registration and
// must be cancelled by instance id, which a task group cannot do. The registry keeps every
// handle, cancels it on deregister/replace, and `shutdown()` cancels and awaits them all, so no
// task outlives the role. Every callback carries a token and is ignored when it is stale.
extension Registry {
    func startCheck(id: String, address: String, check: ResolvedHealthCheck) {
        let token = makeToken()
        checks[id] = CheckRuntime(
            token: token, check: check,
            tracker: HealthTracker(
                healthyThreshold: check.healthyThreshold, unhealthyThreshold: check.unhealthyThreshold))
        switch check.kind {
        case .http, .tcp:
            let probe = probe
            let clock = options.clock
            checks[id]?.task = Task { [weak self] in
                while !Task.isCancelled {
                    let result = await probe.run(check, address: address)
                    if Task.isCancelled { return }
                    guard let registry = self else { return }
                    await registry.record(result, id: id, token: token)
                    do { try await clock.sleep(for: check.interval) } catch { return }
                }
            }
        case .ttl:
            armTTLTimer(id: id)
        }
    }

    func stopCheck(id: String) {
        guard let runtime = checks.removeValue(forKey: id) else { return }
        runtime.task?.cancel()
        runtime.reapTask?.cancel()
    }

    func record(_ result: ProbeResult, id: String, token: UInt64) {
        guard var runtime = checks[id], runtime.token == token else { return }
        metrics.recordCheck(kind: runtime.check.kind, success: result.success)
        _ = runtime.tracker.record(success: result.success)
        checks[id] = runtime
        updateHealth(id: id, to: runtime.tracker.state, output: result.output)
    }

    /// (Re)starts the TTL timer of an instance.
    func armTTLTimer(id: String) {
        guard var runtime = checks[id], let ttl = runtime.check.ttl else { return }
        runtime.task?.cancel()
        let token = makeToken()
        runtime.timerToken = token
        let clock = options.clock
        runtime.task = Task { [weak self] in
            do { try await clock.sleep(for: ttl) } catch { return }
            await self?.expireTTL(id: id, timerToken: token)
        }
        checks[id] = runtime
    }

    func expireTTL(id: String, timerToken: UInt64) {
        guard let runtime = checks[id], runtime.timerToken == timerToken else { return }
        metrics.recordCheck(kind: .ttl, success: false)
        updateHealth(id: id, to: .critical, output: "TTL expired")
    }

    /// Sets health and output; publishes a revision only when either changed.
    @discardableResult
    func updateHealth(id: String, to health: HealthState, output: String) -> Instance? {
        guard var instance = instance(id) else { return nil }
        let previous = instance.health
        guard health != previous || output != instance.healthOutput else { return instance }
        instance.health = health
        instance.healthOutput = output
        if health != previous { instance.healthChangedAt = Date() }
        commit(id: id, instance)
        if health != previous {
            logger.info(
                "Instance health changed",
                metadata: [
                    "instance.id": "\(id)", "service.name": "\(instance.service)", "health.state": "\(health.rawValue)",
                    "health.previous": "\(previous.rawValue)", "health.output": "\(output)",
                ])
            armReapTimer(id: id, health: health)
        }
        return instance
    }

    /// Starts the `deregisterAfter` timer when an instance turns critical, stops it otherwise.
    private func armReapTimer(id: String, health: HealthState) {
        guard var runtime = checks[id] else { return }
        runtime.reapTask?.cancel()
        runtime.reapTask = nil
        if health == .critical, let after = runtime.check.deregisterAfter {
            let token = makeToken()
            runtime.reapToken = token
            let clock = options.clock
            runtime.reapTask = Task { [weak self] in
                do { try await clock.sleep(for: after) } catch { return }
                await self?.reap(id: id, reapToken: token)
            }
        }
        checks[id] = runtime
    }

    private func reap(id: String, reapToken: UInt64) {
        guard let runtime = checks[id], runtime.reapToken == reapToken, instance(id)?.health == .critical else { return }
        do {
            try database.delete(id: id)
        } catch {
            logger.warning(
                "Cannot deregister a critical instance", metadata: ["instance.id": "\(id)", "error.message": "\(error)"])
            return
        }
        stopCheck(id: id)
        commit(id: id, nil)
        logger.info(
            "Instance deregistered after being critical",
            metadata: ["instance.id": "\(id)", "health.state": "critical"])
    }
}
