import Foundation
import HTTPTypes
import Hummingbird
import MeshAPI
import MeshCore
import NIOCore

extension AdminConsole {
    /// Every route of the console. Middleware order matters: errors, metrics and logs outermost,
    /// then the Host check and authentication, so that a 421 or 401 is also counted and rendered as JSON.
    func makeRouter() -> Router<ConsoleRequestContext> {
        let router = Router(context: ConsoleRequestContext.self)
        router.add(middleware: AccessMiddleware(logger: logger))
        router.add(middleware: HostCheckMiddleware(hosts: hosts, logger: logger))
        router.add(
            middleware: AuthenticationMiddleware(
                token: token, sessions: sessions, secureCookies: configuration.secureCookies,
                protectsMetrics: configuration.metricsAuth == .token, throttle: throttle, logger: logger))
        addHealthRoutes(to: router)
        addWebRoutes(to: router)
        addSessionRoutes(to: router, sessions: sessions)
        addConfigRoutes(to: router)
        addViewRoutes(to: router)
        addRegistryRoutes(to: router)
        addCertificateAuthorityRoutes(to: router)
        addTrafficRoutes(to: router)
        addStatsRoutes(to: router)
        addProxyRoutes(to: router)
        addXDSRoutes(to: router)
        // The compiled data-plane snapshot, like Envoy's config_dump: what the gateway and
        // proxies are (or will be) serving, for debugging and the console's Traffic view.
        router.get("/api/v1/snapshot") { _, _ in
            guard let snapshots else { throw APIError.unavailable(role: "compiler") }
            var iterator = snapshots.snapshots().makeAsyncIterator()
            guard let current = await iterator.next() else { throw APIError.unavailable(role: "compiler") }
            return JSONBody.response(current)
        }
        router.get("/api/v1/status") { _, _ in
            JSONBody.response(await status())
        }
        return router
    }

    private func addHealthRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/healthz") { _, _ in
            Self.text("ok\n", status: .ok)
        }
        router.get("/readyz") { _, _ in
            isReady() ? Self.text("ready\n", status: .ok) : Self.text("not ready\n", status: .serviceUnavailable)
        }
        let metricsAuth = configuration.metricsAuth
        router.get("/metrics") { _, _ in
            // With `metricsAuth: token` the middleware let only credentialed readers in.
            let text = metricsAuth == .token ? metricsText() : MetricsExposure.redact(metricsText(), key: token.secret)
            return Self.text(text, status: .ok, contentType: "text/plain; version=0.0.4")
        }
    }

    static func text(
        _ text: String, status: HTTPResponse.Status, contentType: String = "text/plain; charset=utf-8"
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A path segment, percent-decoded: instance ids hold slashes and arrive as `%2F`.
    static func pathParameter(_ name: String, in context: ConsoleRequestContext) throws -> String {
        guard let raw = context.parameters.get(name) else {
            throw MeshError(.invalidArgument, "missing path segment \(name)")
        }
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw MeshError(.invalidArgument, "path segment \(name) is not valid percent-encoded text")
        }
        return decoded
    }

    /// A query parameter; empty counts as absent.
    static func queryParameter(_ name: String, in request: Request) -> String? {
        guard let value = request.uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// `?dryRun`, `?dryRun=true|1` or `?dryRun=false|0`.
    static func flag(_ name: String, in request: Request) throws -> Bool {
        let parameters = request.uri.queryParameters
        guard parameters.has(Substring(name)) else { return false }
        switch parameters.get(name)?.lowercased() ?? "" {
        case "", "true", "1": return true
        case "false", "0": return false
        case let other: throw MeshError(.invalidArgument, "query parameter \(name) must be true or false, not \"\(other)\"")
        }
    }

    func requireConfig() throws -> any ConfigAPI {
        guard let config else { throw APIError.unavailable(role: "config") }
        return config
    }

    func requireCertificateAuthority() throws -> any CertificateAuthorityAPI {
        guard let ca else { throw APIError.unavailable(role: "ca") }
        return ca
    }

    func requireRegistry() throws -> any RegistryAPI {
        guard let registry else { throw APIError.unavailable(role: "registry") }
        return registry
    }

    /// The request body, at most `Configuration.maxBodySize` bytes (more is a 413).
    func collectBody(_ request: Request) async throws -> ByteBuffer {
        try await request.body.collect(upTo: configuration.maxBodySize)
    }
}
