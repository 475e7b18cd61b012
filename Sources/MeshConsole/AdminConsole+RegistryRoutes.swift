import HTTPTypes
import Hummingbird
import MeshAPI
import NIOCore

extension AdminConsole {
    func addRegistryRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/api/v1/instances") { request, _ in
            let registry = try requireRegistry()
            let instances = try await registry.instances(
                service: Self.queryParameter("service", in: request),
                namespace: Self.queryParameter("namespace", in: request)
            )
            return JSONBody.response(ItemsBody<Instance>(revision: nil, items: instances))
        }

        router.post("/api/v1/instances") { request, _ in
            let registry = try requireRegistry()
            let registration = try JSONBody.decode(InstanceRegistration.self, from: try await collectBody(request))
            return JSONBody.response(try await registry.register(registration), status: .created)
        }

        router.delete("/api/v1/instances/{id}") { _, context in
            let registry = try requireRegistry()
            try await registry.deregister(id: try Self.pathParameter("id", in: context))
            return Response(status: .noContent)
        }

        router.put("/api/v1/instances/{id}/heartbeat") { _, context in
            let registry = try requireRegistry()
            return JSONBody.response(try await registry.heartbeat(id: try Self.pathParameter("id", in: context)))
        }
    }
}
