import Foundation
import MeshAPI
import MeshConsole
import MeshCore
import MeshModel
import Testing

/// The console over real HTTP on 127.0.0.1 port 0, with in-memory fakes behind it.
@Suite("AdminConsole")
struct AdminConsoleTests {
    // MARK: authentication and open endpoints

    @Test("a request under /api/ without a token is 401 with WWW-Authenticate: Bearer")
    func missingToken() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("GET", "/api/v1/revision", token: nil)
            #expect(reply.status == 401)
            #expect(reply.headers["www-authenticate"] == "Bearer")
            #expect(reply.headers["content-type"] == "application/json")
            #expect(reply.errorCode == "unauthenticated")
        }
    }

    @Test("a wrong token is 401")
    func wrongToken() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("GET", "/api/v1/revision", token: "not-the-token")
            #expect(reply.status == 401)
            #expect(reply.errorCode == "unauthenticated")
        }
    }

    @Test("the right token is 200")
    func rightToken() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("GET", "/api/v1/revision")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"revision":0}"#)
        }
    }

    @Test(
        "paths that reach /api/ routes another way still need the token",
        arguments: ["//api/v1/revision", "/api//v1/revision", "/api/v1/no-such-route", "/api"]
    )
    func noBypass(path: String) async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("GET", path, token: nil)
            #expect(reply.status == 401)
        }
    }

    @Test("/healthz answers ok without a token")
    func healthz() async throws {
        try await ConsoleHarness.with { console in
            let reply = try await console.send("GET", "/healthz", token: nil)
            #expect(reply.status == 200)
            #expect(reply.body == "ok\n")
        }
    }

    @Test("/readyz follows isReady", arguments: [(true, 200), (false, 503)])
    func readyz(ready: Bool, status: Int) async throws {
        try await ConsoleHarness.with(ready: ready) { console in
            let reply = try await console.send("GET", "/readyz", token: nil)
            #expect(reply.status == status)
        }
    }

    @Test("an unknown route is a JSON 404")
    func unknownRoute() async throws {
        try await ConsoleHarness.with { console in
            let open = try await console.send("GET", "/no-such-thing", token: nil)
            #expect(open.status == 404)
            #expect(open.errorCode == "not_found")
            let api = try await console.send("GET", "/api/v1/no-such-thing")
            #expect(api.status == 404)
            #expect(api.errorCode == "not_found")
            #expect(api.errorMessage == "no route for GET /api/v1/no-such-thing")
        }
    }

    @Test("status reports what the composition root says")
    func status() async throws {
        try await ConsoleHarness.with { console in
            let reply = try await console.send("GET", "/api/v1/status")
            #expect(reply.status == 200)
            #expect(try JSONDecoder().decode(ConsoleStatus.self, from: Data(reply.body.utf8)) == ConsoleHarness.status)
        }
    }

    // MARK: config

    @Test("apply of a valid document answers 200 with the WriteResult")
    func applyValid() async throws {
        let config = FakeConfig()
        try await ConsoleHarness.with(config: config) { console in
            let yaml = """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: default
                  namespace: shop
                spec:
                  mtls:
                    mode: STRICT
                """
            let reply = try await console.send("POST", "/api/v1/apply", body: yaml)
            #expect(reply.status == 200, "\(reply)")
            let result = try JSONDecoder().decode(WriteResult.self, from: Data(reply.body.utf8))
            #expect(result.revision == 1)
            #expect(result.outcomes == [ChangeOutcome(key: ResourceKey(kind: .peerAuthentication, namespace: "shop", name: "default"), action: .created)])
            #expect(!result.dryRun)
        }
        #expect(await config.revision == 1)
    }

    @Test("apply with dryRun=true passes dryRun to the store")
    func applyDryRun() async throws {
        let config = FakeConfig()
        try await ConsoleHarness.with(config: config) { console in
            let json = #"{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default"},"spec":{}}"#
            let reply = try await console.send("POST", "/api/v1/apply?dryRun=true", body: json)
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.object["dryRun"] as? Bool == true)
        }
        #expect(await config.appliedDryRuns == [true])
        #expect(await config.revision == 0)
    }

    @Test("apply of an invalid document answers 422 with the issues' field paths")
    func applyInvalid() async throws {
        let config = FakeConfig()
        try await ConsoleHarness.with(config: config) { console in
            let yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  namespace: default
                spec:
                  hosts: [reviews]
                """
            let reply = try await console.send("POST", "/api/v1/apply", body: yaml)
            #expect(reply.status == 422, "\(reply)")
            #expect(reply.errorCode == "validation_failed")
            let issues = (reply.object["error"] as? [String: Any])?["issues"] as? [[String: Any]] ?? []
            #expect(issues.contains { ($0["path"] as? String)?.hasPrefix("metadata.name") == true }, "\(reply)")
        }
        #expect(await config.appliedDryRuns.isEmpty)
    }

    @Test("a store's ValidationError is a 422 with its issues")
    func applyRejectedByStore() async throws {
        let config = FakeConfig()
        await config.failNextApply(
            with: ValidationError(issues: [FieldIssue(resource: "PeerAuthentication default/default", path: "spec.mtls.mode", message: "conflicts")])
        )
        try await ConsoleHarness.with(config: config) { console in
            let json = #"{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default"},"spec":{}}"#
            let reply = try await console.send("POST", "/api/v1/apply", body: json)
            #expect(reply.status == 422, "\(reply)")
            #expect(reply.errorMessage == "1 issue(s)")
            let issues = (reply.object["error"] as? [String: Any])?["issues"] as? [[String: Any]] ?? []
            #expect(issues.map { $0["path"] as? String } == ["spec.mtls.mode"])
        }
    }

    @Test("a body over the limit is 413")
    func bodyTooLarge() async throws {
        try await ConsoleHarness.with(config: FakeConfig(), maxBodySize: 1024) { console in
            let reply = try await console.send("POST", "/api/v1/apply", body: String(repeating: "#", count: 4096))
            #expect(reply.status == 413)
            #expect(reply.errorCode == "content_too_large")
        }
    }

    @Test("get of a missing resource is a JSON 404 naming it")
    func getMissing() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("GET", "/api/v1/resources/virtualservices/default/x")
            #expect(reply.status == 404)
            #expect(reply.body == #"{"error":{"code":"not_found","message":"VirtualService default/x not found"}}"#)
        }
    }

    @Test("get, list, history and delete of a stored resource")
    func resourceLifecycle() async throws {
        let config = FakeConfig()
        await config.seed(try peerAuthentication("strict", namespace: "shop"))
        try await ConsoleHarness.with(config: config) { console in
            let one = try await console.send("GET", "/api/v1/resources/pa/shop/strict")
            #expect(one.status == 200, "\(one)")
            let stored = try JSONDecoder.iso8601.decode(StoredResource.self, from: Data(one.body.utf8))
            #expect(stored.key == ResourceKey(kind: .peerAuthentication, namespace: "shop", name: "strict"))
            #expect(one.body.contains(#""updatedAt":"2023-11-14T22:13:20Z""#))

            let list = try await console.send("GET", "/api/v1/resources?kind=PeerAuthentication&namespace=shop")
            #expect(list.status == 200)
            #expect(list.object["revision"] as? Int == 1)
            #expect((list.object["items"] as? [Any])?.count == 1)

            let otherNamespace = try await console.send("GET", "/api/v1/resources?namespace=other")
            #expect((otherNamespace.object["items"] as? [Any])?.count == 0)

            let history = try await console.send("GET", "/api/v1/resources/PeerAuthentication/shop/strict/history")
            #expect(history.status == 200)
            #expect((history.object["items"] as? [Any])?.count == 1)

            let deleted = try await console.send("DELETE", "/api/v1/resources/peerauthentications/shop/strict")
            #expect(deleted.status == 200, "\(deleted)")
            #expect(try JSONDecoder().decode(WriteResult.self, from: Data(deleted.body.utf8)).revision == 2)

            let again = try await console.send("DELETE", "/api/v1/resources/peerauthentications/shop/strict")
            #expect(again.status == 404)
            #expect(again.errorCode == "not_found")
        }
    }

    @Test("an unknown kind is a 400 naming the parameter")
    func unknownKind() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let query = try await console.send("GET", "/api/v1/resources?kind=Frobnicator")
            #expect(query.status == 400)
            #expect(query.errorCode == "invalid_argument")
            #expect(query.errorMessage?.contains("kind") == true)
            let path = try await console.send("GET", "/api/v1/resources/frobnicators/default/x")
            #expect(path.status == 400)
        }
    }

    @Test("rollback bodies are decoded, and malformed JSON is a 400 naming the problem")
    func rollback() async throws {
        let config = FakeConfig()
        await config.seed(try peerAuthentication("strict"))
        try await ConsoleHarness.with(config: config) { console in
            let whole = try await console.send("POST", "/api/v1/rollback", body: #"{"revision":1}"#)
            #expect(whole.status == 200, "\(whole)")
            let one = try await console.send("POST", "/api/v1/resources/pa/default/strict/rollback", body: #"{"revision":1}"#)
            #expect(one.status == 200, "\(one)")
            let future = try await console.send("POST", "/api/v1/rollback", body: #"{"revision":9}"#)
            #expect(future.status == 400)
            let malformed = try await console.send("POST", "/api/v1/rollback", body: #"{"revision":"#)
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "invalid_argument")
            let wrongType = try await console.send("POST", "/api/v1/rollback", body: #"{"revision":"one"}"#)
            #expect(wrongType.status == 400)
            #expect(wrongType.errorMessage?.contains("revision") == true)
        }
    }

    @Test("a bad dryRun value is a 400")
    func badDryRun() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("POST", "/api/v1/apply?dryRun=maybe", body: "{}")
            #expect(reply.status == 400)
        }
    }

    @Test("the config watch streams the current state as a server-sent event")
    func watchConfig() async throws {
        let config = FakeConfig()
        await config.seed(try peerAuthentication("strict"))
        // A finished watch gives late subscribers the last state and ends, so the response ends.
        config.states.finish()
        try await ConsoleHarness.with(config: config) { console in
            let reply = try await console.send("GET", "/api/v1/watch/config")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/event-stream")
            #expect(reply.body.hasPrefix("event: state\nid: 1\ndata: {\"items\":[{"), "\(reply)")
            #expect(reply.body.hasSuffix(",\"revision\":1}\n\n"), "\(reply)")
        }
    }

    @Test("config routes answer 503 when the config role is not running")
    func configUnavailable() async throws {
        try await ConsoleHarness.with(config: nil) { console in
            let reply = try await console.send("GET", "/api/v1/revision")
            #expect(reply.status == 503)
            #expect(reply.body == #"{"error":{"code":"unavailable","message":"the config role is not running"}}"#)
        }
    }

    // MARK: registry

    @Test("instances register, list, heartbeat and deregister")
    func instances() async throws {
        try await ConsoleHarness.with(registry: FakeRegistry()) { console in
            let registration = #"{"service":"web","namespace":"shop","address":"10.0.0.7","ports":[{"name":"http","number":8080}],"check":{"kind":"ttl","ttl":"30s"}}"#
            let created = try await console.send("POST", "/api/v1/instances", body: registration)
            #expect(created.status == 201, "\(created)")
            #expect(created.object["id"] as? String == "shop/web/10.0.0.7:8080")

            let listed = try await console.send("GET", "/api/v1/instances?service=web")
            #expect(listed.status == 200)
            let items = listed.object["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["id"] as? String } == ["shop/web/10.0.0.7:8080"])
            let none = try await console.send("GET", "/api/v1/instances?service=api")
            #expect((none.object["items"] as? [Any])?.count == 0)

            let id = "shop%2Fweb%2F10.0.0.7%3A8080"
            let beat = try await console.send("PUT", "/api/v1/instances/\(id)/heartbeat")
            #expect(beat.status == 200, "\(beat)")
            #expect(beat.object["health"] as? String == "passing")

            let removed = try await console.send("DELETE", "/api/v1/instances/\(id)")
            #expect(removed.status == 204)
            let after = try await console.send("GET", "/api/v1/instances")
            #expect((after.object["items"] as? [Any])?.count == 0)
            let again = try await console.send("DELETE", "/api/v1/instances/\(id)")
            #expect(again.status == 404)
            #expect(again.errorCode == "not_found")
        }
    }

    @Test("a registration the registry rejects is a 422 with details; malformed JSON a 400")
    func badRegistration() async throws {
        try await ConsoleHarness.with(registry: FakeRegistry()) { console in
            let invalid = try await console.send("POST", "/api/v1/instances", body: #"{"service":"web","address":"10.0.0.7","ports":[]}"#)
            #expect(invalid.status == 422)
            #expect((invalid.object["error"] as? [String: Any])?["details"] as? [String] == ["ports: at least one port is required"])
            let malformed = try await console.send("POST", "/api/v1/instances", body: #"{"service":"web"}"#)
            #expect(malformed.status == 400)
            #expect(malformed.errorMessage?.contains("address") == true)
        }
    }

    @Test("registry routes answer 503 when the registry role is not running")
    func registryUnavailable() async throws {
        try await ConsoleHarness.with(config: FakeConfig(), registry: nil) { console in
            let reply = try await console.send("GET", "/api/v1/instances")
            #expect(reply.status == 503)
            #expect(reply.body == #"{"error":{"code":"unavailable","message":"the registry role is not running"}}"#)
        }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
