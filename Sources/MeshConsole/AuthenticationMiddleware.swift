import HTTPTypes
import Hummingbird
import MeshCore

/// Guards everything under `/api/`. Health, readiness, metrics and the console's static files
/// stay open so that supervisors and Prometheus need no secret.
///
/// Two ways in:
/// - `Authorization: Bearer <admin token>` (the CLI, scripts): checked alone, no CSRF token,
///   since a browser never adds that header on its own.
/// - the console's session cookie (browsers, after `POST /api/v1/session`): valid while the
///   session lives, and every write (anything but GET, HEAD, OPTIONS) must also carry the
///   session's `X-CSRF-Token`, which another site cannot read.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The one `/api/` route open without credentials: logging in.
    static var loginRoute: String { "/api/v1/session" }

    let token: AdminToken
    let sessions: SessionStore
    /// Whether cookies carry `Secure` (the listener uses TLS).
    let secureCookies: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard Self.isProtected(path: request.uri.path, route: context.endpointPath) else {
            return try await next(request, context)
        }
        if request.method == .post, context.endpointPath == Self.loginRoute {
            return try await next(request, context)
        }
        if let authorization = request.headers[.authorization] {
            guard token.verify(authorizationHeader: authorization) else { throw Self.unauthenticated() }
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
}
