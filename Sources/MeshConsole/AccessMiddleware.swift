import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore

/// The outermost middleware: turns every error into a JSON answer (`APIError`), counts requests
/// and logs them.
///
/// Metric dimensions are bounded: the route pattern (`/api/v1/resources/{kind}/{namespace}/{name}`),
/// never the raw path, and a fixed set of method names.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestsMetric: String { "meshbox_admin_requests_total" }
    static var durationMetric: String { "meshbox_admin_request_duration_seconds" }
    /// What Hummingbird's router records as the endpoint of a request no route matched.
    static var unmatchedRoute: String { "NotFound" }

    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            var apiError = APIError(error)
            if apiError.status.code == 404, context.endpointPath == Self.unmatchedRoute {
                apiError.message = "no route for \(request.method.rawValue) \(request.uri.path)"
            }
            if apiError.isServerFault {
                logger.error(
                    "Admin request failed",
                    metadata: [
                        "http.method": "\(request.method.rawValue)",
                        "http.route": "\(context.endpointPath ?? "unmatched")",
                        "http.status": "\(apiError.status.code)",
                        "error.type": "\(String(reflecting: type(of: error)))",
                        "error.message": "\(error)",
                    ]
                )
            }
            response = apiError.response()
        }
        record(request: request, context: context, status: response.status, elapsed: clock.now - start)
        return response
    }

    private func record(request: Request, context: Context, status: HTTPResponse.Status, elapsed: Duration) {
        let route = context.endpointPath ?? "unmatched"
        let method = Self.methodDimension(request.method)
        Counter(
            label: Self.requestsMetric,
            dimensions: [("method", method), ("code", String(status.code)), ("route", route)]
        ).increment()
        Metrics.Timer(label: Self.durationMetric, dimensions: [("method", method), ("route", route)])
            .recordNanoseconds(TimeAmount(elapsed).nanoseconds)
        logger.debug(
            "Admin request handled",
            metadata: [
                "http.method": "\(request.method.rawValue)",
                "http.route": "\(route)",
                "http.status": "\(status.code)",
                "http.duration_ms": "\(TimeAmount(elapsed).nanoseconds / 1_000_000)",
            ]
        )
    }

    /// A client can send any token as a method; only the standard ones become label values.
    static func methodDimension(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .patch, .options: method.rawValue
        default: "other"
        }
    }
}
