import MeshCore

/// The console's browser sessions as a pure value: who logged in when, and when each session
/// stops being valid. Time comes in as an argument (`Duration` since an arbitrary origin), so
/// expiry is tested without sleeping.
///
/// A session ends at the first of: its absolute lifetime (`ttl`) since login, `idleTimeout`
/// without a request, logout, or eviction when `capacity` sessions exist and another logs in.
struct SessionTable: Sendable {
    struct Session: Sendable, Hashable {
        /// The cookie value: 32 random bytes, hex.
        var id: String
        /// What a write made with this session must carry in `X-CSRF-Token`.
        var csrfToken: String
        var createdAt: Duration
        var lastUsedAt: Duration
    }

    /// Why a presented session id is not (or no longer) accepted.
    enum Rejection: Sendable, Hashable {
        case unknown
        case expired
    }

    let ttl: Duration
    let idleTimeout: Duration
    let capacity: Int
    private(set) var sessions: [String: Session] = [:]

    init(ttl: Duration, idleTimeout: Duration, capacity: Int = 256) {
        self.ttl = ttl
        self.idleTimeout = idleTimeout
        self.capacity = max(1, capacity)
    }

    var count: Int { sessions.count }

    /// Adds a session, first dropping expired ones and, at capacity, the least recently used.
    mutating func insert(_ session: Session, now: Duration) {
        removeExpired(now: now)
        while sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.lastUsedAt < $1.lastUsedAt }) {
            sessions[oldest.id] = nil
        }
        sessions[session.id] = session
    }

    /// The session for an id if it is still valid at `now`, and marks it used (idle expiry
    /// restarts). An expired session is removed.
    mutating func use(id: String, now: Duration) -> Result<Session, RejectionError> {
        guard var session = sessions[id] else { return .failure(RejectionError(rejection: .unknown)) }
        guard !isExpired(session, now: now) else {
            sessions[id] = nil
            return .failure(RejectionError(rejection: .expired))
        }
        session.lastUsedAt = now
        sessions[id] = session
        return .success(session)
    }

    @discardableResult
    mutating func remove(id: String) -> Session? {
        sessions.removeValue(forKey: id)
    }

    mutating func removeExpired(now: Duration) {
        sessions = sessions.filter { !isExpired($0.value, now: now) }
    }

    func isExpired(_ session: Session, now: Duration) -> Bool {
        now - session.createdAt >= ttl || now - session.lastUsedAt >= idleTimeout
    }

    /// Seconds until the session ends if it stays in use.
    func remainingLifetime(of session: Session, now: Duration) -> Duration {
        max(.zero, session.createdAt + ttl - now)
    }

    struct RejectionError: Error, Sendable, Hashable {
        var rejection: Rejection
    }
}
