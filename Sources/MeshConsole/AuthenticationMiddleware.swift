import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <admin token>` on everything under `/api/`. Health, readiness
/// and metrics stay open so that supervisors and Prometheus need no secret.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AdminToken

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard Self.isProtected(path: request.uri.path, route: context.endpointPath) else {
            return try await next(request, context)
        }
        guard token.verify(authorizationHeader: request.headers[.authorization]) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            throw APIError(
                status: .unauthorized, code: "unauthenticated",
                message: "a valid admin token is required (Authorization: Bearer <token>)", headers: headers
            )
        }
        return try await next(request, context)
    }

    /// The router skips empty segments (`//api/v1/revision` reaches `/api/v1/revision`), so the
    /// check looks at the first non-empty segment, and at the matched route as a second guard.
    static func isProtected(path: String, route: String?) -> Bool {
        if let route, route.split(separator: "/").first == "api" { return true }
        return path.split(separator: "/").first?.lowercased() == "api"
    }
}
