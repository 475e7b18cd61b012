/// One event loop's HTTP/1 downstream connections, oldest first, for `ConnectionAdmission`: when
/// the data plane is at its connection limit, a new connection takes the place of the oldest one
/// that is idle (no request under way), as nginx reuses its idle keep-alive connections. Linked
/// through the connections' own `ConnectionTimeouts`, so joining and leaving cost a few pointer
/// moves per connection and nothing per request. Only touched on its loop.
final class IdleConnections {
    /// How many connections one shedding looks at, at most: a loop full of busy connections
    /// costs a bounded walk, and then the new connection is refused instead.
    static let maxWalk = 256

    private var oldest: ConnectionTimeouts?
    private var newest: ConnectionTimeouts?
    private(set) var count = 0

    func append(_ connection: ConnectionTimeouts) {
        connection.olderConnection = newest
        connection.newerConnection = nil
        if let newest { newest.newerConnection = connection } else { oldest = connection }
        newest = connection
        count += 1
    }

    func remove(_ connection: ConnectionTimeouts) {
        let older = connection.olderConnection
        let newer = connection.newerConnection
        if let older { older.newerConnection = newer } else { oldest = newer }
        if let newer { newer.olderConnection = older } else { newest = older }
        connection.olderConnection = nil
        connection.newerConnection = nil
        count -= 1
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
