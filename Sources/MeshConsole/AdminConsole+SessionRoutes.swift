import HTTPTypes
import Hummingbird
import Logging
import MeshCore
import NIOCore

/// `POST /api/v1/session` body.
struct LoginRequest: Codable {
    var token: String
}

/// What login and `GET /api/v1/session` answer.
struct SessionBody: Codable, Sendable {
    /// `session` (cookie) or `bearer` (Authorization header).
    var method: String
    /// The value writes must send in `X-CSRF-Token`; only for sessions.
    var csrfToken: String?
    /// Seconds until the session ends at the latest (idle expiry can end it sooner).
    var expiresInSeconds: Int64?
    var idleTimeoutSeconds: Int64?
}

extension AdminConsole {
    func addSessionRoutes(to router: Router<ConsoleRequestContext>, sessions: SessionStore) {
        let secure = configuration.secureCookies
        router.post(RouterPath(AuthenticationMiddleware.loginRoute)) { request, context in
            let body = try JSONBody.decode(LoginRequest.self, from: try await collectBody(request))
            guard token.verify(authorizationHeader: "Bearer " + body.token) else {
                AuthenticationMiddleware.recordFailure(context, method: "session", throttle: throttle, logger: logger)
                throw APIError(status: .unauthorized, code: "unauthenticated", message: "wrong admin token")
            }
            throttle.recordSuccess(from: context.peerAddress)
            // A login replaces the session the browser had, if any.
            if let previous = SessionCookie.id(in: request) { sessions.remove(id: previous) }
            let session = sessions.create()
            logger.info(
                "Console login",
                metadata: ["sessions.count": "\(sessions.count)", "peer.address": "\(context.peerAddress)"])
            var response = JSONBody.response(Self.sessionBody(session, sessions: sessions), status: .created)
            response.headers[.setCookie] = SessionCookie.setting(session.id, maxAge: sessions.ttl, secure: secure)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.get(RouterPath(AuthenticationMiddleware.loginRoute)) { request, _ in
            // The middleware let the request in: by bearer token, or by a live session.
            guard request.headers[.authorization] == nil, let id = SessionCookie.id(in: request),
                case .success(let session) = sessions.use(id: id)
            else {
                return JSONBody.response(SessionBody(method: "bearer"))
            }
            var response = JSONBody.response(Self.sessionBody(session, sessions: sessions))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.delete(RouterPath(AuthenticationMiddleware.loginRoute)) { request, _ in
            if let id = SessionCookie.id(in: request) { sessions.remove(id: id) }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = SessionCookie.clearing(secure: secure)
            return response
        }
    }

    /// How long a watch may stream to a console session: no longer than the session lives, and
    /// a little less than the idle timeout, so that the browser's reconnect (a new request) keeps
    /// an open live page from going idle. Nil for bearer clients: their streams run until closed.
    func streamLimit(for request: Request) -> Duration? {
        guard request.headers[.authorization] == nil, let id = SessionCookie.id(in: request),
            case .success(let session) = sessions.use(id: id)
        else { return nil }
        return min(sessions.remainingLifetime(of: session), sessions.idleTimeout / 10 * 9)
    }

    static func sessionBody(_ session: SessionTable.Session, sessions: SessionStore) -> SessionBody {
        SessionBody(
            method: "session", csrfToken: session.csrfToken,
            expiresInSeconds: sessions.remainingLifetime(of: session).components.seconds,
            idleTimeoutSeconds: sessions.idleTimeout.components.seconds
        )
    }
}
