import HTTPTypes
import Hummingbird
import MeshAPI
import MeshCore
import MeshModel
import NIOCore

/// `GET /api/v1/analysis`: what an operator should look at in the config.
struct AnalysisBody: Encodable, Sendable {
    var revision: Int64
    /// Cross-resource checks over the whole store (`Analyzer`, like `istioctl analyze`).
    var warnings: [FieldIssue]
    /// What the compiler could not honour in the current snapshot; nil when it does not run here.
    var compilerWarnings: [FieldIssue]?
}

/// `POST /api/v1/diff`: per resource, what an apply would change, as YAML on both sides.
struct DiffBody: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        var key: ResourceKey
        var action: ChangeOutcome.Action
        /// The stored version, nil when the resource does not exist yet.
        var current: String?
        var proposed: String
    }
    var revision: Int64
    var warnings: [FieldIssue]
    var items: [Item]
}

extension AdminConsole {
    /// Routes that exist for the browser console (and are just as usable from scripts).
    func addViewRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/api/v1/analysis") { _, _ in
            let config = try requireConfig()
            let revision = try await config.currentRevision()
            let stored = try await config.list(kind: nil, namespace: nil, selector: nil)
            var compilerWarnings: [FieldIssue]?
            if let snapshots {
                var iterator = snapshots.snapshots().makeAsyncIterator()
                compilerWarnings = await iterator.next()?.warnings
            }
            return JSONBody.response(
                AnalysisBody(
                    revision: revision, warnings: Analyzer.analyze(stored.map(\.resource)),
                    compilerWarnings: compilerWarnings
                )
            )
        }

        // Validates like `apply?dryRun=true` (same 422 with field paths), then shows both sides
        // in the form `meshbox get -o yaml` prints, so that the diff is free of formatting noise.
        router.post("/api/v1/diff") { request, _ in
            let config = try requireConfig()
            let body = try await collectBody(request)
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw MeshError(.invalidArgument, "the request body is not UTF-8 text")
            }
            let resources = try await Self.decodeRestoringSecrets(text, config: config)
            guard !resources.isEmpty else {
                throw MeshError(.invalidArgument, "the request body holds no resources")
            }
            let result = try await config.apply(resources, dryRun: true)
            var items: [DiffBody.Item] = []
            for resource in resources {
                let current = try await config.get(resource.key)
                let action = result.outcomes.first { $0.key == resource.key }?.action ?? .unchanged
                items.append(
                    DiffBody.Item(
                        key: resource.key, action: action, current: current.map { ResourceEncoder.yaml([$0.resource]) },
                        proposed: ResourceEncoder.yaml([resource])
                    )
                )
            }
            return JSONBody.response(DiffBody(revision: result.revision, warnings: result.warnings, items: items))
        }

        router.get("/api/v1/watch/registry") { request, _ in
            let registry = try requireRegistry()
            return ServerSentEvents.registryStates(registry.watch(), until: streamLimit(for: request))
        }
    }
}
