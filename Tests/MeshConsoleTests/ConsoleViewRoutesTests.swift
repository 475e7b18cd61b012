import Foundation
import MeshAPI
import MeshConsole
import MeshCore
import MeshModel
import Testing

/// The routes the browser console reads: analysis, diff, YAML forms, the registry watch.
@Suite("Console view routes")
struct ConsoleViewRoutesTests {
    static let virtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: default
        spec:
          hosts: [reviews]
          gateways: [nowhere]
          http:
          - route:
            - destination:
                host: reviews
        """

    @Test("analysis reports the analyzer's warnings over the whole store")
    func analysis() async throws {
        let config = FakeConfig()
        for resource in try ResourceDecoder.decode(Self.virtualService) { await config.seed(resource) }
        try await ConsoleHarness.with(config: config) { console in
            let reply = try await console.send("GET", "/api/v1/analysis")
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.object["revision"] as? Int == 1)
            let warnings = reply.object["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.contains { ($0["path"] as? String) == "spec.gateways[0]" }, "\(reply)")
            #expect(warnings.allSatisfy { ($0["resource"] as? String) == "VirtualService default/reviews" })
            #expect(reply.object["compilerWarnings"] == nil)
        }
    }

    @Test("diff validates like a dry run and shows stored and proposed YAML")
    func diff() async throws {
        let config = FakeConfig()
        for resource in try ResourceDecoder.decode(Self.virtualService) { await config.seed(resource) }
        try await ConsoleHarness.with(config: config) { console in
            let changed = Self.virtualService.replacingOccurrences(of: "[nowhere]", with: "[mesh]")
            let reply = try await console.send("POST", "/api/v1/diff", body: changed)
            #expect(reply.status == 200, "\(reply)")
            let items = reply.object["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1)
            #expect(items.first?["action"] as? String == "configured")
            #expect((items.first?["current"] as? String)?.contains("- nowhere") == true)
            #expect((items.first?["proposed"] as? String)?.contains("- mesh") == true)
            #expect(await config.revision == 1)
            #expect(await config.appliedDryRuns == [true])

            let invalid = try await console.send("POST", "/api/v1/diff", body: "kind: VirtualService\nmetadata: {}\n")
            #expect(invalid.status == 422)
            #expect(invalid.errorCode == "validation_failed")
        }
    }

    @Test("a resource and its history come as YAML with format=yaml")
    func yamlForms() async throws {
        let config = FakeConfig()
        for resource in try ResourceDecoder.decode(Self.virtualService) { await config.seed(resource) }
        try await ConsoleHarness.with(config: config) { console in
            let one = try await console.send("GET", "/api/v1/resources/vs/default/reviews?format=yaml")
            #expect(one.status == 200)
            #expect(one.headers["content-type"] == "application/yaml; charset=utf-8")
            #expect(one.body.hasPrefix("apiVersion: networking.istio.io/v1\n"), "\(one)")
            let history = try await console.send("GET", "/api/v1/resources/vs/default/reviews/history?format=yaml")
            let items = history.object["items"] as? [[String: Any]] ?? []
            #expect(items.first?["yaml"] as? String == one.body)
            #expect(items.first?["resource"] == nil)
            let bad = try await console.send("GET", "/api/v1/resources/vs/default/reviews?format=xml")
            #expect(bad.status == 400)
        }
    }

    @Test("the config watch can be limited to one kind")
    func watchConfigKind() async throws {
        let config = FakeConfig()
        await config.seed(try peerAuthentication("strict"))
        for resource in try ResourceDecoder.decode(Self.virtualService) { await config.seed(resource) }
        config.states.finish()
        try await ConsoleHarness.with(config: config) { console in
            let reply = try await console.send("GET", "/api/v1/watch/config?kind=vs")
            #expect(reply.status == 200)
            #expect(reply.body.contains(#""kind":"VirtualService""#))
            #expect(!reply.body.contains("PeerAuthentication"))
        }
    }

    @Test("the registry watch streams instances as server-sent events")
    func watchRegistry() async throws {
        let registry = FakeRegistry()
        _ = try await registry.register(InstanceRegistration(service: "web", address: "10.0.0.7", ports: [InstancePort(number: 80)]))
        registry.states.finish()
        try await ConsoleHarness.with(registry: registry) { console in
            let reply = try await console.send("GET", "/api/v1/watch/registry")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/event-stream")
            #expect(reply.body.hasPrefix("event: state\nid: 1\ndata: {\"items\":[{"), "\(reply)")
            #expect(reply.body.contains(#""service":"web""#))
        }
    }

    @Test("a session can use the live streams (EventSource sends only cookies)")
    func watchWithSession() async throws {
        let registry = FakeRegistry()
        registry.states.finish()
        try await ConsoleHarness.with(registry: registry) { console in
            let session = try await console.login()
            let reply = try await console.send("GET", "/api/v1/watch/registry", session: session)
            #expect(reply.status == 200)
        }
    }
}

@Suite("Console live streams and sessions")
struct ConsoleStreamSessionTests {
    @Test("a live stream made with a session ends when the session does")
    func streamEndsWithSession() async throws {
        let registry = FakeRegistry()
        try await ConsoleHarness.with(registry: registry, sessionTTL: .seconds(3)) { console in
            let session = try await console.login()
            let clock = ContinuousClock()
            let start = clock.now
            // The registry's watch never ends on its own: only the session's end closes the answer.
            let reply = try await console.send("GET", "/api/v1/watch/registry", session: session)
            #expect(reply.status == 200)
            #expect(reply.body.hasPrefix("event: state\n"))
            #expect(clock.now - start < .seconds(10))
            #expect(try await console.send("GET", "/api/v1/watch/registry", session: session).status == 401)
        }
    }
}
