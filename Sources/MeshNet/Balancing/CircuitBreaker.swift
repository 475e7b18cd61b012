public import MeshModel

/// Envoy's circuit-breaker thresholds for one cluster on one event loop: plain counters, checked before
/// opening a connection, queueing a request, sending a request or a retry.
///
/// Envoy keeps these per cluster per worker thread too, so limits apply per event loop: a cluster
/// allowing 1024 connections allows 1024 on each loop. Not Sendable: owned by its event loop.
public final class CircuitBreaker {
    /// Envoy's defaults for the default priority.
    public static let defaultMaxConnections = 1024
    public static let defaultMaxPendingRequests = 1024
    public static let defaultMaxRequests = 1024
    public static let defaultMaxRetries = 3

    public private(set) var maxConnections: Int
    public private(set) var maxPendingRequests: Int
    public private(set) var maxRequests: Int
    public private(set) var maxRetries: Int

    // Counters skip Swift's run-time exclusivity checks, which would cost more than the counting:
    // one event loop owns the breaker.
    @exclusivity(unchecked) public private(set) var openConnections = 0
    @exclusivity(unchecked) public private(set) var pendingRequests = 0
    @exclusivity(unchecked) public private(set) var activeRequests = 0
    @exclusivity(unchecked) public private(set) var activeRetries = 0

    public init(_ config: Snapshot.CircuitBreakers? = nil) {
        maxConnections = Self.defaultMaxConnections
        maxPendingRequests = Self.defaultMaxPendingRequests
        maxRequests = Self.defaultMaxRequests
        maxRetries = Self.defaultMaxRetries
        update(config)
    }

    /// New limits from a changed snapshot; counters carry on, so in-flight work is still accounted.
    public func update(_ config: Snapshot.CircuitBreakers?) {
        maxConnections = config?.maxConnections.map(Int.init) ?? Self.defaultMaxConnections
        maxPendingRequests = config?.maxPendingRequests.map(Int.init) ?? Self.defaultMaxPendingRequests
        maxRequests = config?.maxRequests.map(Int.init) ?? Self.defaultMaxRequests
        maxRetries = config?.maxRetries.map(Int.init) ?? Self.defaultMaxRetries
    }

    public func canOpenConnection() -> Bool { openConnections < maxConnections }
    public func connectionOpened() { openConnections += 1 }
    public func connectionClosed() { openConnections = max(0, openConnections - 1) }

    public func canQueuePending() -> Bool { pendingRequests < maxPendingRequests }
    public func pendingStarted() { pendingRequests += 1 }
    public func pendingFinished() { pendingRequests = max(0, pendingRequests - 1) }

    public func canStartRequest() -> Bool { activeRequests < maxRequests }
    public func requestStarted() { activeRequests += 1 }
    public func requestFinished() { activeRequests = max(0, activeRequests - 1) }

    public func canRetry() -> Bool { activeRetries < maxRetries }
    public func retryStarted() { activeRetries += 1 }
    public func retryFinished() { activeRetries = max(0, activeRetries - 1) }
}
