public import Logging
public import MeshAPI
public import MeshDNS

/// Resolves the names of `resolution: DNS` and `DNS_ROUND_ROBIN` ServiceEntries in the control
/// plane and hands the answers to the registry, so their addresses reach every node as ordinary
/// endpoints in the snapshot (the data plane never resolves: no I/O on its hot path, and a remote
/// node needs no resolver of its own).
///
/// One loop over config states and answers (`HostResolutionSchedule` decides when each name is
/// asked again); the asking is `DNSResolver`'s, on NIO, never `getaddrinfo`. The registry gets
/// the config with the answers again only when a config or an answer changed, and publishes a
/// new state only when the resulting instances differ, so an answer that repeats costs no
/// snapshot.
public struct ServiceEntryResolver: Sendable {
    public struct Settings: Sendable {
        /// Default floor of an answer's TTL.
        public static let defaultMinTTL: Duration = .seconds(5)
        /// Default ceiling of an answer's TTL.
        public static let defaultMaxTTL: Duration = .seconds(300)

        /// The servers asked, their timeout and attempts (default: /etc/resolv.conf).
        public var resolver: DNSResolverConfiguration
        /// An answer is kept at least this long (and a failed name asked again after it, doubling).
        public var minTTL: Duration
        /// An answer is kept at most this long, whatever its TTL.
        public var maxTTL: Duration
        /// Names resolved at once.
        public var maxConcurrentNames: Int
        public var clock: any Clock<Duration>

        public init(
            resolver: DNSResolverConfiguration = .system(), minTTL: Duration = defaultMinTTL,
            maxTTL: Duration = defaultMaxTTL, maxConcurrentNames: Int = 16, clock: any Clock<Duration> = ContinuousClock()
        ) {
            self.resolver = resolver
            self.minTTL = minTTL
            self.maxTTL = maxTTL
            self.maxConcurrentNames = max(1, maxConcurrentNames)
            self.clock = clock
        }
    }

    public let settings: Settings
    private let logger: Logger

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    private enum Event: Sendable {
        case config(ConfigState)
        case resolved(String, Result<DNSResolution, DNSResolutionError>)
        case tick
        case configsEnded
    }

    /// Feeds `registry` every config state of `configs` with the answers for its DNS names, and
    /// again whenever an answer changes, until `configs` ends or the task is cancelled.
    public func run(configs: some AsyncSequence<ConfigState, Never> & Sendable, registry: Registry) async {
        await run(configs: configs, registry: registry, clock: settings.clock)
    }

    private func run<C: Clock<Duration>>(
        configs: some AsyncSequence<ConfigState, Never> & Sendable, registry: Registry, clock: C
    ) async {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let resolver = DNSResolver(configuration: settings.resolver)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await config in configs { continuation.yield(.config(config)) }
                continuation.yield(.configsEnded)
            }
            var schedule = HostResolutionSchedule<C.Instant>(minTTL: settings.minTTL, maxTTL: settings.maxTTL)
            var config: ConfigState?
            var timer: C.Instant?
            loop: for await event in events {
                let now = clock.now
                var apply = false
                switch event {
                case .config(let state):
                    guard state.revision != config?.revision else { break }
                    config = state
                    schedule.want(ServiceEntryDNSMapping.names(in: state), now: now)
                    apply = true
                case .resolved(let name, let result):
                    apply = report(name, result, schedule.record(name, result, now: now))
                case .tick:
                    if let armed = timer, armed <= now { timer = nil }
                case .configsEnded:
                    break loop
                }
                if apply, let config { await registry.applyServiceEntries(config, resolved: schedule.addresses) }
                for name in schedule.startDue(now: now, limit: settings.maxConcurrentNames) {
                    group.addTask {
                        do throws(DNSResolutionError) {
                            continuation.yield(.resolved(name, .success(try await resolver.resolve(name))))
                        } catch {
                            continuation.yield(.resolved(name, .failure(error)))
                        }
                    }
                }
                if let next = schedule.nextDue, timer.map({ next < $0 }) ?? true {
                    timer = next
                    group.addTask {
                        try? await clock.sleep(until: next, tolerance: nil)
                        continuation.yield(.tick)
                    }
                }
            }
            continuation.finish()
            group.cancelAll()
        }
    }

    /// Logs what an answer changed; true when the registry must hear of it.
    private func report(
        _ name: String, _ result: Result<DNSResolution, DNSResolutionError>,
        _ outcome: HostResolutionSchedule<some InstantProtocol>.Outcome
    ) -> Bool {
        switch outcome {
        case .changed(let old, let new):
            logger.info(
                "ServiceEntry name resolved to new addresses",
                metadata: [
                    "dns.name": "\(name)", "dns.addresses": "\(new.joined(separator: ","))",
                    "dns.previous": "\(old.map { $0.joined(separator: ",") } ?? "none")",
                ])
            return true
        case .failed(let kept, let failures):
            guard case .failure(let error) = result else { return false }
            // The first failure in a row is for the operator; the retries after it are not news.
            logger.log(
                level: failures == 1 ? .warning : .debug,
                "ServiceEntry name did not resolve; its last good answer stays in use",
                metadata: [
                    "dns.name": "\(name)", "error.message": "\(error)", "dns.failures": "\(failures)",
                    "dns.addresses": "\(kept.map { $0.joined(separator: ",") } ?? "none")",
                ])
            return false
        case .unchanged, .dropped:
            return false
        }
    }
}
