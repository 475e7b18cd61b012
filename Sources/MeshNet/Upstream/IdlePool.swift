/// One cluster's idle HTTP/1.1 connections on one event loop: a stack per endpoint, the most
/// recently used connection on top.
///
/// The stack of the endpoint used last is kept at hand: a keep-alive request to the endpoint
/// before it takes a connection and gives it back without hashing the endpoint's key (two
/// dictionary lookups a request, ~1,300 instructions, when the pool was keyed by string alone).
struct IdlePool {
    private final class Stack {
        var connections: [UpstreamConnection] = []
    }

    private var stacks: [String: Stack] = [:]
    private var recentEndpoint: UpstreamEndpoint?
    private var recent: Stack?

    /// The stack of `endpoint`, made when `create`; nil when it has none.
    private mutating func stack(for endpoint: UpstreamEndpoint, create: Bool) -> Stack? {
        if let recent, recentEndpoint == endpoint { return recent }
        let found: Stack
        if let existing = stacks[endpoint.key] {
            found = existing
        } else {
            guard create else { return nil }
            found = Stack()
            stacks[endpoint.key] = found
        }
        recentEndpoint = endpoint
        recent = found
        return found
    }

    /// The most recently pooled connection to `endpoint`, taken out of the pool.
    mutating func popLast(for endpoint: UpstreamEndpoint) -> UpstreamConnection? {
        stack(for: endpoint, create: false)?.connections.popLast()
    }

    /// Pools `connection` unless its endpoint has `limit` idle ones already.
    mutating func push(_ connection: UpstreamConnection, limit: Int) -> Bool {
        guard let stack = stack(for: connection.endpoint, create: true), stack.connections.count < limit else {
            return false
        }
        stack.connections.append(connection)
        return true
    }

    /// Takes `connection` out of the pool (it closed while idle).
    mutating func remove(_ connection: UpstreamConnection) {
        stack(for: connection.endpoint, create: false)?.connections.removeAll { $0 === connection }
    }

    /// Empties the pool of endpoints whose key is not in `keep`, returning their connections.
    mutating func removeEndpoints(notIn keep: Set<String>) -> [UpstreamConnection] {
        var removed: [UpstreamConnection] = []
        for (key, stack) in stacks where !keep.contains(key) {
            removed += stack.connections
            stacks[key] = nil
        }
        recentEndpoint = nil
        recent = nil
        return removed
    }

    /// Empties the pool, returning every connection it held.
    mutating func removeAll() -> [UpstreamConnection] {
        removeEndpoints(notIn: [])
    }

    /// Takes out, and returns, the connections `expired` says go; endpoints left without idle
    /// connections leave the pool (but the one used last, which stays at hand).
    mutating func removeExpired(_ expired: (UpstreamConnection) -> Bool) -> [UpstreamConnection] {
        var removed: [UpstreamConnection] = []
        for (key, stack) in stacks {
            var kept: [UpstreamConnection] = []
            for connection in stack.connections {
                if expired(connection) { removed.append(connection) } else { kept.append(connection) }
            }
            stack.connections = kept
            if kept.isEmpty && stack !== recent { stacks[key] = nil }
        }
        return removed
    }
}
