import HTTPTypes
import Hummingbird
import Logging
import MeshCore

/// Refuses requests whose `Host` the console does not answer to (`HostAllowList`), with 421
/// Misdirected Request, before authentication: a DNS-rebinding page never reaches a route.
struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: HostAllowList
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let host = request.head.authority
        guard hosts.allows(hostHeader: host) else {
            logger.notice("Request refused: Host not allowed", metadata: ["http.host": "\(host ?? "")"])
            throw APIError(
                status: .misdirectedRequest, code: MeshError.Code.permissionDenied.name,
                message:
                    "this console does not answer to the host name '\(host ?? "")' (DNS rebinding protection); "
                    + "add it to console.allowedHosts or use the listen address"
            )
        }
        return try await next(request, context)
    }
}
