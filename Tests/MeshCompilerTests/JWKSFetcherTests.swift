import MeshAPI
import MeshCompiler
import MeshCore
import MeshModel
import MeshTesting
import Synchronization
import Testing

/// The control plane's key set fetching for RequestAuthentication `jwksUri`s, with a fake fetch.
@Suite("JWKSFetcher")
struct JWKSFetcherTests {
    static func keys(_ kid: String) -> String { #"{"keys": [{"kty": "EC", "kid": "\#(kid)"}]}"# }

    static func config(_ uris: [String]) throws -> ConfigState {
        let rules = uris.enumerated().map { "  - {issuer: i\($0.offset), jwksUri: \"\($0.element)\"}" }.joined(separator: "\n")
        return try Fixtures.config(
            "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: r}\nspec:\n  jwtRules:\n\(rules)\n")
    }

    struct Unreachable: Error {}

    @Test("each fetch gets its rule's timeout, 5s when the rule sets none")
    func timeouts() async throws {
        let a = "https://a.test/jwks", b = "https://b.test/jwks"
        let seen = Mutex<[String: Duration]>([:])
        let (configs, feed) = AsyncStream.makeStream(of: ConfigState.self)
        let fetcher = JWKSFetcher(configUpdates: configs, refreshInterval: .seconds(3600)) { uri, timeout in
            seen.withLock { $0[uri] = timeout }
            return Self.keys(uri)
        }
        let documents = fetcher.documents()
        let run = Task { try await fetcher.run() }
        defer { run.cancel() }
        feed.yield(
            try Fixtures.config(
                """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: r}
                spec:
                  jwtRules:
                  - {issuer: a, jwksUri: "\(a)", timeout: 750ms}
                  - {issuer: b, jwksUri: "\(b)"}
                """))
        _ = try await waitFor("both key sets", in: documents) { $0.count == 2 }
        #expect(seen.withLock { $0 } == [a: .milliseconds(750), b: .seconds(5)])
    }

    @Test("fetches a named URI, refetches it every interval, keeps the last good keys on failure, forgets unnamed URIs")
    func refresh() async throws {
        let a = "https://a.test/jwks", b = "https://b.test/jwks"
        let served = Mutex<[String: String]>([a: Self.keys("a1"), b: Self.keys("b1")])
        let (configs, feed) = AsyncStream.makeStream(of: ConfigState.self)
        let fetcher = JWKSFetcher(configUpdates: configs, refreshInterval: .milliseconds(50)) { uri, _ in
            guard let document = served.withLock({ $0[uri] }) else { throw Unreachable() }
            return document
        }
        let documents = fetcher.documents()
        let run = Task { try await fetcher.run() }
        defer { run.cancel() }
        feed.yield(try Self.config([a, b]))
        _ = try await waitFor("both key sets", in: documents) { $0 == [a: Self.keys("a1"), b: Self.keys("b1")] }
        served.withLock { $0[a] = Self.keys("a2") }
        _ = try await waitFor("a's rotation", in: documents) { $0[a] == Self.keys("a2") }
        served.withLock {
            $0[b] = nil
            $0[a] = "not json"
        }
        try await Task.sleep(for: .milliseconds(300))
        var current = fetcher.documents().makeAsyncIterator()
        #expect(await current.next() == [a: Self.keys("a2"), b: Self.keys("b1")])
        feed.yield(try Self.config([a]))
        _ = try await waitFor("b forgotten", in: documents) { $0.keys.sorted() == [a] }
    }
}
