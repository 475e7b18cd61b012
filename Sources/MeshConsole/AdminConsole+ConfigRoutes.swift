import Foundation
import HTTPTypes
import Hummingbird
import MeshAPI
import MeshCore
import MeshModel
import NIOCore

extension AdminConsole {
    func addConfigRoutes(to router: Router<ConsoleRequestContext>) {
        router.post("/api/v1/apply") { request, _ in
            let config = try requireConfig()
            let dryRun = try Self.flag("dryRun", in: request)
            let body = try await collectBody(request)
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw MeshError(.invalidArgument, "the request body is not UTF-8 text")
            }
            let resources = try await Self.decodeRestoringSecrets(text, config: config)
            guard !resources.isEmpty else {
                throw MeshError(.invalidArgument, "the request body holds no resources")
            }
            return JSONBody.response(try await config.apply(resources, dryRun: dryRun))
        }

        router.get("/api/v1/resources") { request, _ in
            let config = try requireConfig()
            let kind = try Self.kindParameter(in: request)
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

        router.get(RouterPath(resource)) { request, context in
            let config = try requireConfig()
            let key = try Self.resourceKey(in: context)
            let yaml = try Self.wantsYAML(request)
            guard let stored = try await config.get(key) else {
                throw MeshError(.notFound, "\(key) not found")
            }
            if yaml {
                return Self.text(ResourceEncoder.yaml([stored.resource]), status: .ok, contentType: "application/yaml; charset=utf-8")
            }
            return JSONBody.response(stored)
        }

        router.delete(RouterPath(resource)) { _, context in
            let config = try requireConfig()
            return JSONBody.response(try await config.delete([try Self.resourceKey(in: context)]))
        }

        router.get(RouterPath(resource + "/history")) { request, context in
            let config = try requireConfig()
            let yaml = try Self.wantsYAML(request)
            let history = try await config.history(try Self.resourceKey(in: context))
            if yaml {
                return JSONBody.response(ItemsBody(revision: nil, items: history.map(YAMLHistoryEntry.init)))
            }
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

        router.get("/api/v1/watch/config") { request, _ in
            let config = try requireConfig()
            let kind = try Self.kindParameter(in: request)
            return ServerSentEvents.configStates(config.watch(), kind: kind, until: streamLimit(for: request))
        }
    }

    /// `?kind=`, in any spelling `ResourceKind(name:)` takes; nil when absent.
    static func kindParameter(in request: Request) throws -> ResourceKind? {
        guard let name = queryParameter("kind", in: request) else { return nil }
        guard let kind = ResourceKind(name: name) else {
            throw MeshError(.invalidArgument, "query parameter kind: unknown resource kind \"\(name)\"")
        }
        return kind
    }

    /// `?format=yaml` (resources as `meshbox get -o yaml` prints them) or `?format=json` (default).
    static func wantsYAML(_ request: Request) throws -> Bool {
        switch queryParameter("format", in: request)?.lowercased() {
        case nil, "json": return false
        case "yaml": return true
        case let other?: throw MeshError(.invalidArgument, "query parameter format must be json or yaml, not \"\(other)\"")
        }
    }

    static func resourceKey(in context: ConsoleRequestContext) throws -> ResourceKey {
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

/// A history entry with the resource as YAML text (empty for a deletion): what the console diffs.
struct YAMLHistoryEntry: Encodable, Sendable {
    var revision: Int64
    var action: HistoryEntry.Action
    var timestamp: Date
    var yaml: String

    init(_ entry: HistoryEntry) {
        revision = entry.revision
        action = entry.action
        timestamp = entry.timestamp
        yaml = entry.resource.map { ResourceEncoder.yaml([$0]) } ?? ""
    }
}
