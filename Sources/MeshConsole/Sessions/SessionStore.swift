import MeshCore
import Synchronization

/// The console's sessions, shared by the authentication middleware and the session routes.
///
/// A lock rather than an actor: every operation is a few dictionary steps, and the middleware
/// runs on every admin request.
final class SessionStore: Sendable {
    typealias Session = SessionTable.Session

    private let table: Mutex<SessionTable>
    /// Time since the store was made, read from the injected clock.
    private let elapsed: @Sendable () -> Duration

    init(ttl: Duration, idleTimeout: Duration, capacity: Int = 256, clock: any Clock<Duration> = ContinuousClock()) {
        table = Mutex(SessionTable(ttl: ttl, idleTimeout: idleTimeout, capacity: capacity))
        elapsed = Self.stopwatch(clock)
    }

    var ttl: Duration { table.withLock { $0.ttl } }
    var idleTimeout: Duration { table.withLock { $0.idleTimeout } }
    var count: Int { table.withLock { $0.count } }

    /// A new session with fresh random id and CSRF token.
    func create() -> Session {
        let now = elapsed()
        let session = Session(
            id: AdminToken.generateSecret(), csrfToken: AdminToken.generateSecret(), createdAt: now, lastUsedAt: now
        )
        table.withLock { $0.insert(session, now: now) }
        return session
    }

    func use(id: String) -> Result<Session, SessionTable.RejectionError> {
        let now = elapsed()
        return table.withLock { $0.use(id: id, now: now) }
    }

    func remove(id: String) {
        table.withLock { _ = $0.remove(id: id) }
    }

    func remainingLifetime(of session: Session) -> Duration {
        let now = elapsed()
        return table.withLock { $0.remainingLifetime(of: session, now: now) }
    }

    /// Elapsed time since now on `clock`: what the console's tables count in.
    static func stopwatch<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let origin = clock.now
        return { origin.duration(to: clock.now) }
    }
}
