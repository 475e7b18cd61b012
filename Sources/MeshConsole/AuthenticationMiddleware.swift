import HTTPTypes
import Hummingbird
import Logging
import MeshCore
import Metrics

/// Guards everything under `/api/`, and `/metrics` unless `console.metricsAuth` is `none`.
/// Health, readiness and the console's static files stay open so that supervisors need no secret.
///
/// Two ways in:
/// - `Authorization: Bearer <admin token>` (the CLI, scripts): checked alone, no CSRF token,
///   since a browser never adds that header on its own.
/// - the console's session cookie (browsers, after `POST /api/v1/session`): valid while the
///   session lives, and every write (anything but GET, HEAD, OPTIONS) must also carry the
///   session's `X-CSRF-Token`, which another site cannot read.
///
/// Every admin-token check (a bearer header here, a login in the session route) is throttled per
/// client address (`LoginThrottle`): a throttled address gets 429 with `Retry-After` before its
/// credential is looked at.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    /// The one `/api/` route open without credentials: logging in.
    static var loginRoute: String { "/api/v1/session" }

    let token: AdminToken
    let sessions: SessionStore
    /// Whether cookies carry `Secure` (the listener uses TLS).
    let secureCookies: Bool
    /// Whether `/metrics` needs credentials too.
    let protectsMetrics: Bool
    let throttle: LoginThrottleStore
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard
            Self.isProtected(path: request.uri.path, route: context.endpointPath)
                || (protectsMetrics && Self.isMetrics(path: request.uri.path))
        else {
            return try await next(request, context)
        }
        if request.method == .post, context.endpointPath == Self.loginRoute {
            try Self.refuseIfThrottled(context, throttle: throttle, logger: logger)
            return try await next(request, context)
        }
        if let authorization = request.headers[.authorization] {
            try Self.refuseIfThrottled(context, throttle: throttle, logger: logger)
            guard token.verify(authorizationHeader: authorization) else {
                Self.recordFailure(context, method: "bearer", throttle: throttle, logger: logger)
                throw Self.unauthenticated()
            }
            throttle.recordSuccess(from: context.peerAddress)
            return try await next(request, context)
        }
        guard let id = SessionCookie.id(in: request) else { throw Self.unauthenticated() }
        let session: SessionTable.Session
        switch sessions.use(id: id) {
        case .success(let found):
            session = found
        case .failure(let error):
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            headers[.setCookie] = SessionCookie.clearing(secure: secureCookies)
            let message =
                error.rejection == .expired
                ? "the session has expired; log in again" : "unknown session; log in again"
            throw APIError(status: .unauthorized, code: "unauthenticated", message: message, headers: headers)
        }
        if !Self.isSafe(request.method) {
            guard let presented = request.headers[SessionCookie.csrfHeader],
                constantTimeEquals(presented, session.csrfToken)
            else {
                throw APIError(
                    status: .forbidden, code: MeshError.Code.permissionDenied.name,
                    message: "a write made with a console session needs its CSRF token (X-CSRF-Token)"
                )
            }
        }
        return try await next(request, context)
    }

    static var failuresMetric: String { "meshbox_admin_login_failures_total" }
    static var throttledMetric: String { "meshbox_admin_login_throttled_total" }

    /// 429 with `Retry-After` (whole seconds, rounded up) while the client's address is throttled.
    static func refuseIfThrottled(_ context: Context, throttle: LoginThrottleStore, logger: Logger) throws {
        guard case .throttled(let retryAfter) = throttle.verdict(for: context.peerAddress) else { return }
        let seconds = max(1, retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0))
        Counter(label: throttledMetric).increment()
        logger.notice(
            "Admin token attempt refused: too many failures", metadata: ["peer.address": "\(context.peerAddress)"])
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        throw APIError(
            status: .tooManyRequests, code: "resource_exhausted",
            message: "too many failed admin token attempts from this address; try again in \(seconds) s",
            headers: headers
        )
    }

    /// A wrong admin token: counted against the address, counted in metrics (`method`: `bearer`
    /// or `session`, a login), logged with the address.
    static func recordFailure(_ context: Context, method: String, throttle: LoginThrottleStore, logger: Logger) {
        throttle.recordFailure(from: context.peerAddress)
        Counter(label: failuresMetric, dimensions: [("method", method)]).increment()
        logger.notice(
            "Admin token refused",
            metadata: ["peer.address": "\(context.peerAddress)", "auth.method": "\(method)", "reason": "wrong admin token"])
    }

    static func unauthenticated() -> APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer"
        return APIError(
            status: .unauthorized, code: "unauthenticated",
            message: "a valid admin token is required (Authorization: Bearer <token>) or a console session",
            headers: headers
        )
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// The router skips empty segments (`//api/v1/revision` reaches `/api/v1/revision`), so the
    /// check looks at the first non-empty segment, and at the matched route as a second guard.
    static func isProtected(path: String, route: String?) -> Bool {
        if let route, route.split(separator: "/").first == "api" { return true }
        return path.split(separator: "/").first?.lowercased() == "api"
    }

    /// `/metrics`, however the router would spell it (`//metrics`, `/METRICS` does not route).
    static func isMetrics(path: String) -> Bool {
        path.split(separator: "/").first == "metrics"
    }
}
