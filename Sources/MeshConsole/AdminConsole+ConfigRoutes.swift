import HTTPTypes
import Hummingbird
import MeshAPI
import MeshCore
import MeshModel
import NIOCore

extension AdminConsole {
    func addConfigRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/apply") { request, _ in
            let config = try requireConfig()
            let dryRun = try Self.flag("dryRun", in: request)
            let body = try await collectBody(request)
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw MeshError(.invalidArgument, "the request body is not UTF-8 text")
            }
            let resources = try ResourceDecoder.decode(text)
            guard !resources.isEmpty else {
                throw MeshError(.invalidArgument, "the request body holds no resources")
            }
            return JSONBody.response(try await config.apply(resources, dryRun: dryRun))
        }

        router.get("/api/v1/resources") { request, _ in
            let config = try requireConfig()
            var kind: ResourceKind?
            if let name = Self.queryParameter("kind", in: request) {
                guard let parsed = ResourceKind(name: name) else {
                    throw MeshError(.invalidArgument, "query parameter kind: unknown resource kind \"\(name)\"")
                }
                kind = parsed
            }
            var selector: LabelSelector?
            if let text = Self.queryParameter("selector", in: request) {
                do {
                    selector = try LabelSelector(parsing: text)
                } catch let error as ValidationError {
                    throw MeshError(
                        .invalidArgument, "query parameter selector: invalid label selector",
                        details: error.issues.map(\.description)
                    )
                } catch {
                    throw MeshError(.invalidArgument, "query parameter selector: \(error)")
                }
            }
            // The revision is read first: the items are at least that new, so a client that
            // lists and then watches from this revision misses no change.
            let revision = try await config.currentRevision()
            let items = try await config.list(
                kind: kind, namespace: Self.queryParameter("namespace", in: request), selector: selector
            )
            return JSONBody.response(ItemsBody(revision: revision, items: items))
        }

        let resource = "/api/v1/resources/{kind}/{namespace}/{name}"

        router.get(RouterPath(resource)) { _, context in
            let config = try requireConfig()
            let key = try Self.resourceKey(in: context)
            guard let stored = try await config.get(key) else {
                throw MeshError(.notFound, "\(key) not found")
            }
            return JSONBody.response(stored)
        }

        router.delete(RouterPath(resource)) { _, context in
            let config = try requireConfig()
            return JSONBody.response(try await config.delete([try Self.resourceKey(in: context)]))
        }

        router.get(RouterPath(resource + "/history")) { _, context in
            let config = try requireConfig()
            let history = try await config.history(try Self.resourceKey(in: context))
            return JSONBody.response(ItemsBody<HistoryEntry>(revision: nil, items: history))
        }

        router.post(RouterPath(resource + "/rollback")) { request, context in
            let config = try requireConfig()
            let key = try Self.resourceKey(in: context)
            let target = try JSONBody.decode(RevisionBody.self, from: try await collectBody(request))
            return JSONBody.response(try await config.rollback(key, to: target.revision))
        }

        router.post("/api/v1/rollback") { request, _ in
            let config = try requireConfig()
            let target = try JSONBody.decode(RevisionBody.self, from: try await collectBody(request))
            return JSONBody.response(try await config.rollbackAll(to: target.revision))
        }

        router.get("/api/v1/revision") { _, _ in
            let config = try requireConfig()
            return JSONBody.response(RevisionBody(revision: try await config.currentRevision()))
        }

        router.get("/api/v1/watch/config") { _, _ in
            let config = try requireConfig()
            return ServerSentEvents.configStates(config.watch())
        }
    }

    static func resourceKey(in context: BasicRequestContext) throws -> ResourceKey {
        let kindName = try pathParameter("kind", in: context)
        guard let kind = ResourceKind(name: kindName) else {
            throw MeshError(.invalidArgument, "path segment kind: unknown resource kind \"\(kindName)\"")
        }
        return ResourceKey(
            kind: kind,
            namespace: try pathParameter("namespace", in: context),
            name: try pathParameter("name", in: context)
        )
    }
}
