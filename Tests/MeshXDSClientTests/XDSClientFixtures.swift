import Foundation
import Logging
import MeshAPI
import MeshCore
import MeshModel
import MeshTesting
import MeshXDS
import MeshXDSClient
import MeshXDSServer
import SwiftProtobuf
import Synchronization

/// Snapshots, a controllable source, a real ADS server on 127.0.0.1, and clients for the tests.
enum XDSClientFixtures {
    /// A snapshot with one cluster per endpoint list entry and the mesh identity secrets (bare, as
    /// the control plane sends them).
    static func snapshot(version: UInt64, clusters: [String: [String]]) -> Snapshot {
        Snapshot(
            version: version,
            clusters: clusters.keys.sorted().map { Snapshot.Cluster(name: $0, serviceHost: "\($0).default.svc", port: 80) },
            endpoints: clusters.keys.sorted().map { name in
                Snapshot.ClusterLoadAssignment(
                    clusterName: name,
                    endpoints: clusters[name]!.map { Snapshot.LbEndpoint(address: $0, port: 8080, health: .healthy, instanceID: $0) })
            },
            secrets: [
                Snapshot.SecretReference(name: "default", kind: .certificate, source: .workloadCertificate),
                Snapshot.SecretReference(name: "ROOTCA", kind: .validationContext, source: .meshTrustBundle),
            ])
    }

    /// meshbox.v1 resources of the snapshot, as the control plane serves a meshbox node.
    static let translate: XDSTranslate = { snapshot, node in
        XDSServedResources(systemVersion: String(snapshot.version), byType: MeshboxResources.resources(of: snapshot.scoped(to: node)))
    }

    static let identity = NodeIdentity(
        nodeName: "edge-1", spiffeID: "spiffe://test/ns/meshbox-system/sa/node-edge-1",
        certificateChainPEM: "NODE-CHAIN", privateKeyPEM: "NODE-KEY", trustBundlePEM: "BUNDLE",
        notBefore: Date(), notAfter: Date().addingTimeInterval(3600))

    static var quietLogger: Logger {
        var logger = Logger(label: "xds-client-test")
        logger.logLevel = .critical
        return logger
    }

    static func client(
        port: Int, directory: TemporaryDirectory, security: XDSClient.Security = .plaintextLoopbackForTesting,
        identity: NodeIdentity = identity,
        makeCSR: (@Sendable (String) throws -> (csrPEM: String, privateKeyPEM: String))? = nil
    ) throws -> XDSClient {
        try XDSClient(
            configuration: .init(
                host: "127.0.0.1", port: port, security: security, roles: [.gateway],
                files: NodeFiles(dataDirectory: directory.path),
                backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400)), makeCSR: makeCSR),
            identity: identity, logger: quietLogger)
    }

    /// Runs a real plaintext ADS server on `port` (0: a free one) over `source` for `body`.
    static func serve<R: Sendable>(
        source: any SnapshotSource, port: Int = 0, security: XDSServer.Security = .plaintextLoopbackForTesting,
        translate: @escaping XDSTranslate = translate,
        _ body: (XDSServer, Int) async throws -> R
    ) async throws -> R {
        let server = try XDSServer(
            configuration: .init(host: "127.0.0.1", port: port, security: security), source: source,
            translate: translate, logger: quietLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            guard let bound = try await server.listeningPort() else { throw TimedOut("the ADS server bound no port") }
            return try await body(server, bound)
        }
    }

    /// Runs the client for `body`, then stops it.
    static func running<R: Sendable>(_ client: XDSClient, _ body: () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Waits until the client serves a snapshot that satisfies `condition`.
    @discardableResult
    static func served(
        _ client: XDSClient, timeout: Duration = .seconds(10), _ condition: @escaping @Sendable (Snapshot) -> Bool
    ) async throws -> Snapshot {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let current = client.current, condition(current) { return current }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut("the client never served the expected snapshot; it serves \(String(describing: client.current?.clusters.map(\.name)))")
    }
}

/// A snapshot source the test drives.
struct WatchSource: SnapshotSource {
    let watch: Watch<Snapshot>

    func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> { watch.updates() }
}
