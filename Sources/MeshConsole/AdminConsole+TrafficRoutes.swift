import HTTPTypes
import Hummingbird
import MeshAPI
import MeshCore
import MeshModel

extension AdminConsole {
    /// The console's Traffic and Explain views: both read the compiled snapshot the data plane
    /// serves, so they answer 503 where the compiler does not run.
    func addTrafficRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/api/v1/traffic") { request, _ in
            let snapshot = try await currentSnapshot()
            return JSONBody.response(TrafficBody(snapshot: snapshot, host: Self.queryParameter("host", in: request)))
        }

        // A read, but a POST (the request to explain is a body): with a session it needs the
        // CSRF token like every other POST, which the console sends anyway.
        router.post("/api/v1/explain") { request, _ in
            let snapshot = try await currentSnapshot()
            guard let explainer else {
                throw APIError(
                    status: .serviceUnavailable,
                    code: MeshError.Code.unavailable.name,
                    message: "this console was built without the data-plane engine that explains requests"
                )
            }
            let body = try JSONBody.decode(ExplainRequest.self, from: try await collectBody(request))
            guard !body.host.isEmpty else { throw MeshError(.invalidArgument, "body.host: required") }
            var policies: [Resource] = []
            var gateways: [Resource] = []
            if let config {
                policies = try await config.list(kind: .authorizationPolicy, namespace: nil, selector: nil).map(
                    \.resource
                )
                gateways = try await config.list(kind: .gateway, namespace: nil, selector: nil).map(\.resource)
            }
            return JSONBody.response(explainer.explain(body, in: snapshot, policies: policies, gateways: gateways))
        }
    }

    /// The snapshot the data plane serves now; 503 when no compiler runs in this process.
    func currentSnapshot() async throws -> Snapshot {
        let unavailable = APIError(
            status: .serviceUnavailable,
            code: MeshError.Code.unavailable.name,
            message: "the compiler is not running in this process (it runs with the config and registry roles)"
        )
        guard let snapshots else { throw unavailable }
        var iterator = snapshots.snapshots().makeAsyncIterator()
        guard let current = await iterator.next() else { throw unavailable }
        return current
    }
}
