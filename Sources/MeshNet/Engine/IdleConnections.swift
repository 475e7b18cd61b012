import NIOCore

/// One event loop's downstream connections that may make room for a new one, oldest first, for
/// `ConnectionAdmission`: when the data plane is at its connection limit, a new connection takes
/// the place of the oldest one that is idle (an HTTP/1 connection with no request under way, as
/// nginx reuses its idle keep-alive connections, or a TLS handshake not yet done). Linked through
/// the connections' own handlers (`ListedConnection`), so joining and leaving cost a few pointer
/// moves per connection and nothing per request. Only touched on its loop.
final class IdleConnections {
    /// How many connections one shedding looks at, at most: a loop full of busy connections
    /// costs a bounded walk, and then the new connection is refused instead.
    static let maxWalk = 256

    private var oldest: ListedConnection?
    private var newest: ListedConnection?

    func append(_ connection: ListedConnection) {
        connection.olderConnection = newest
        connection.newerConnection = nil
        if let newest { newest.newerConnection = connection } else { oldest = connection }
        newest = connection
    }

    func remove(_ connection: ListedConnection) {
        let older = connection.olderConnection
        let newer = connection.newerConnection
        if let older { older.newerConnection = newer } else { oldest = newer }
        if let newer { newer.olderConnection = older } else { newest = older }
        connection.olderConnection = nil
        connection.newerConnection = nil
    }

    /// Closes the oldest idle connection; false when none of the oldest `maxWalk` is idle.
    @discardableResult
    func shedOldest() -> Bool {
        var walked = 0
        var candidate = oldest
        while let connection = candidate, walked < Self.maxWalk {
            if connection.isIdle {
                connection.shed()
                return true
            }
            candidate = connection.newerConnection
            walked += 1
        }
        return false
    }
}

/// A downstream connection's place in its loop's `IdleConnections`: the handler that knows
/// whether the connection is idle (`ConnectionTimeouts`, `TLSHandshakeTimeout`) is the list node.
class ListedConnection {
    fileprivate var olderConnection: ListedConnection?
    fileprivate var newerConnection: ListedConnection?
    private var list: IdleConnections?
    private var channel: (any Channel)?

    /// Whether a newer connection may take this one's place now.
    var isIdle: Bool { false }

    /// Joins `list` as its newest connection.
    func register(in list: IdleConnections, channel: any Channel) {
        guard self.list == nil else { return }
        self.list = list
        self.channel = channel
        list.append(self)
    }

    /// Leaves the list (the connection closed, or is no longer one that may be shed).
    func unregister() {
        guard let list else { return }
        self.list = nil
        channel = nil
        list.remove(self)
    }

    /// Closes the connection for a newer one.
    func shed() {
        channel?.close(promise: nil)
    }
}
