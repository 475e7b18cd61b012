import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the process's open-descriptor limit (RLIMIT_NOFILE) is shared out, so that no one kind of
/// connection can take the descriptors every other part needs: with the gateway free to accept
/// until `accept()` fails, 1,100 idle clients at the usual soft limit of 1,024 left the console,
/// `/healthz` and the gateway itself unable to accept anything.
///
/// From the limit: a fixed `reserved` part for the process itself (standard streams, the event
/// loops' epoll, event and timer descriptors, the SQLite stores with their WAL and SHM files, log
/// files, listening sockets, health checks); the console's connections; and what is left split in
/// two, half for the gateway's downstream connections and half for the upstream connections they
/// lead to (one each for an HTTP/1.1 request or a TCP relay in flight, plus idle pooled ones).
public struct DescriptorBudget: Sendable, Hashable {
    /// The soft limit the process runs with.
    public var limit: Int
    /// Kept for the process itself.
    public var reserved: Int
    /// Connections the console (admin API, `/healthz`, `/metrics`) may hold at once.
    public var consoleConnections: Int
    /// Downstream connections of the gateway, all listeners together (`gateway.maxConnections`'s default).
    public var gatewayConnections: Int

    /// - Parameters:
    ///   - threads: the gateway's event loops; with `cores`, the other roles' (one per core):
    ///     each holds a few descriptors of its own (epoll, eventfd, timerfd).
    ///   - cores: nil for this machine's.
    public init(limit: Int, threads: Int, cores: Int? = nil) {
        self.limit = limit
        let cores = cores ?? ProcessInfo.processInfo.activeProcessorCount
        reserved = 128 + 4 * (max(1, threads) + max(1, cores))
        // The console is an admin listener: a browser holds a few connections, and one per live view.
        consoleConnections = min(256, max(16, limit / 8))
        gatewayConnections = max(16, (limit - reserved - consoleConnections) / 2)
    }

    /// The open-descriptor limits of this process.
    public struct Limits: Sendable, Hashable {
        public var soft: Int
        public var hard: Int
    }

    /// Raises the soft limit to the hard one (on macOS at most `OPEN_MAX`), as nginx's
    /// `worker_rlimit_nofile` and Envoy's deployments do; what the process had before and now.
    public static func raiseSoftLimit() -> (before: Limits, after: Limits)? {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else { return nil }
        let before = Limits(soft: Self.count(limits.rlim_cur), hard: Self.count(limits.rlim_max))
        var target = limits.rlim_max
        #if canImport(Darwin)
        target = min(target, rlim_t(OPEN_MAX))
        #endif
        if target > limits.rlim_cur {
            var raised = limits
            raised.rlim_cur = target
            if setrlimit(resource, &raised) == 0 { limits = raised }
        }
        return (before, Limits(soft: Self.count(limits.rlim_cur), hard: Self.count(limits.rlim_max)))
    }

    #if os(Linux)
    // Glibc declares the resource as an enum and the functions take its typedef.
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif

    /// RLIM_INFINITY is a huge unsigned value: counted as Int.max.
    private static func count(_ value: rlim_t) -> Int {
        value >= rlim_t(Int.max) ? Int.max : Int(value)
    }
}

extension DescriptorBudget {
    /// At start: raises the soft limit, logs the result and the shares, and returns the budget.
    /// - Parameters:
    ///   - gatewayConnections: `gateway.maxConnections` when set (logged in place of the share).
    ///   - consoleConnections: `console.maxConnections` when set, likewise.
    static func atStart(
        threads: Int, gatewayConnections configured: Int?, consoleConnections configuredConsole: Int?, logger: Logger
    ) -> DescriptorBudget {
        guard let raised = raiseSoftLimit() else {
            logger.warning("Cannot read the open-descriptor limit; assuming 1024")
            return DescriptorBudget(limit: 1024, threads: threads)
        }
        let (before, after) = raised
        let budget = DescriptorBudget(limit: after.soft, threads: threads)
        let metadata: Logger.Metadata = [
            "descriptors.limit": "\(after.soft)", "descriptors.previous_limit": "\(before.soft)",
            "descriptors.hard_limit": "\(after.hard)",
            "gateway.max_connections": "\(configured ?? budget.gatewayConnections)",
            "console.max_connections": "\(configuredConsole ?? budget.consoleConnections)",
        ]
        if after.soft < 4096 {
            // Too few for a gateway on the internet: say how to give it more.
            logger.warning(
                "Few open descriptors: raise LimitNOFILE (systemd) or ulimit -n",
                metadata: metadata)
        } else {
            logger.info(after.soft > before.soft ? "Open-descriptor limit raised" : "Open-descriptor limit", metadata: metadata)
        }
        return budget
    }
}
