public import Logging
public import MeshAPI
import MeshCore
import MeshModel
public import ServiceLifecycle

/// Fetches the key sets of RequestAuthentication `jwksUri`s for the compiler, which inlines them
/// into snapshots (as istiod does for Envoy), so no data plane fetches keys.
///
/// A URI is fetched when a RequestAuthentication first names it, then every `refreshInterval`
/// (Istio's default: 20 minutes). A failed fetch, or a document that is no key set, keeps the
/// last good keys and is logged; a URI no resource names any more is forgotten. `documents()`
/// gives the key sets by URI, newest only.
public final class JWKSFetcher: Service, Sendable {
    /// Gets the document at an http(s) URI within a timeout (`HTTPDocumentFetcher.get`).
    public typealias Fetch = @Sendable (_ uri: String, _ timeout: Duration) async throws -> String

    public static let defaultRefreshInterval: Duration = .seconds(20 * 60)
    static let defaultTimeout: Duration = .seconds(5)

    private let watch = Watch<[String: String]>([:])
    private let configUpdates: AsyncStream<ConfigState>
    private let refreshInterval: Duration
    private let fetch: Fetch
    private let logger: Logger

    public init(
        configUpdates: AsyncStream<ConfigState>, refreshInterval: Duration = JWKSFetcher.defaultRefreshInterval,
        logger: Logger = Logger(label: "meshbox.jwks"), fetch: @escaping Fetch
    ) {
        self.configUpdates = configUpdates
        self.refreshInterval = refreshInterval
        self.fetch = fetch
        self.logger = logger
    }

    /// The key sets fetched so far, by URI: the current value first, then each change.
    public func documents() -> AsyncStream<[String: String]> { watch.updates() }

    private enum Event: Sendable {
        case config([String: Duration])
        case refresh
    }

    public func run() async throws {
        let (events, emit) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        let configUpdates = configUpdates
        let interval = refreshInterval
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await config in configUpdates { emit.yield(.config(Self.uris(in: config))) }
                    emit.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval) } catch { break }
                        emit.yield(.refresh)
                    }
                }
                var wanted: [String: Duration] = [:]
                for await event in events {
                    switch event {
                    case .config(let uris):
                        wanted = uris
                        await self.refresh(wanted, onlyMissing: true)
                    case .refresh:
                        await self.refresh(wanted, onlyMissing: false)
                    }
                }
                group.cancelAll()
            }
        }
        watch.finish()
    }

    /// Fetches `wanted` (or only those not fetched yet) and publishes the key sets when they changed.
    private func refresh(_ wanted: [String: Duration], onlyMissing: Bool) async {
        var documents = watch.current.filter { wanted[$0.key] != nil }
        for (uri, timeout) in wanted.sorted(by: { $0.key < $1.key }) where !onlyMissing || documents[uri] == nil {
            do {
                let document = try await fetch(uri, timeout)
                if let problem = Validator.jwksProblem(document) {
                    logger.warning(
                        "JWKS fetch returned no key set; keeping the last good keys",
                        metadata: ["jwks.uri": "\(uri)", "error.message": "\(problem)"])
                    continue
                }
                documents[uri] = document
            } catch {
                logger.warning(
                    "JWKS fetch failed; keeping the last good keys",
                    metadata: ["jwks.uri": "\(uri)", "error.message": "\(error)"])
            }
        }
        if documents != watch.current { watch.send(documents) }
    }

    /// Every `jwksUri` of a rule without inline `jwks`, with its fetch timeout.
    static func uris(in config: ConfigState) -> [String: Duration] {
        var uris: [String: Duration] = [:]
        for stored in config.resources(of: .requestAuthentication) {
            guard case .requestAuthentication(let spec) = stored.resource.spec else { continue }
            for rule in spec.jwtRules where rule.jwks == nil {
                guard let uri = rule.jwksUri, Validator.jwksURIProblem(uri) == nil else { continue }
                let timeout = rule.timeout.flatMap { try? DurationText.read($0).get() } ?? defaultTimeout
                uris[uri] = min(uris[uri] ?? timeout, timeout)
            }
        }
        return uris
    }
}
