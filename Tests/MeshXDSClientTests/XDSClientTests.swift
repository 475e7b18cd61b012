import Foundation
import MeshCore
import MeshModel
import MeshTesting
import MeshXDS
import MeshXDSClient
import MeshXDSProto
import MeshXDSServer
import SwiftProtobuf
import Testing

@Suite("The remote node's delta ADS client", .timeLimit(.minutes(1)))
struct XDSClientTests {
    typealias F = XDSClientFixtures

    @Test("a node gets the whole snapshot once every type arrived, ACKs it, fills its own identity in, and follows changes and removals")
    func follows() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client")
        defer { directory.remove() }
        let watch = Watch(F.snapshot(version: 1, clusters: ["a": ["10.0.0.1"], "b": ["10.0.0.2"]]))
        try await F.serve(source: WatchSource(watch: watch)) { server, port in
            let client = try F.client(port: port, directory: directory)
            #expect(client.current == nil)
            try await F.running(client) {
                let first = try await F.served(client) { $0.clusters.count == 2 }
                #expect(first.endpoints.map(\.clusterName) == ["a", "b"])
                #expect(first.secret(named: "default")?.material?.privateKeyPEM == "NODE-KEY")
                #expect(first.secret(named: "default")?.material?.certificateChainPEM == "NODE-CHAIN")
                #expect(first.secret(named: "ROOTCA")?.material?.trustedCAsPEM == "BUNDLE")
                #expect(client.status.connected)
                #expect(client.status.appliedVersion == "1")
                try await eventually("the catch-up") { client.status.catchUp != nil }
                #expect(client.status.catchUp == .init(received: 6, removed: 0))

                watch.send(F.snapshot(version: 2, clusters: ["a": ["10.0.0.9"]]))
                let second = try await F.served(client) {
                    $0.clusters.map(\.name) == ["a"] && $0.endpoints.map(\.clusterName) == ["a"]
                        && $0.endpoints.first?.endpoints.map(\.address) == ["10.0.0.9"]
                }
                #expect(second.version > first.version)
                try await eventually("the server sees version 2 acked") { await server.status.node("edge-1")?.isInSync == true }
                #expect(client.status.appliedVersion == "2")
                #expect(client.status.rejections == 0)
            }
        }
        // Persisted with mode 0600: it may hold keys.
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/node/snapshot.json")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("a response larger than gRPC's default 4 MiB message limit is taken (a large mesh's endpoints)")
    func largeResponse() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client-large")
        defer { directory.remove() }
        // 60,000 endpoints in one cluster: one ClusterLoadAssignment of about 8 MiB of JSON.
        let addresses = (0..<60_000).map { "10.\($0 / 65536).\(($0 / 256) % 256).\($0 % 256)" }
        let watch = Watch(F.snapshot(version: 1, clusters: ["big": addresses]))
        try await F.serve(source: WatchSource(watch: watch)) { _, port in
            let client = try F.client(port: port, directory: directory)
            try await F.running(client) {
                let served = try await F.served(client, timeout: .seconds(30)) { $0.clusters.count == 1 }
                #expect(served.endpoints.first?.endpoints.count == 60_000)
                #expect(client.status.rejections == 0)
            }
        }
    }

    @Test("a resource that does not decode is NACKed with its name; the node keeps its last good snapshot")
    func rejects() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client")
        defer { directory.remove() }
        let watch = Watch(F.snapshot(version: 1, clusters: ["a": ["10.0.0.1"]]))
        // From version 2 on the server adds a cluster whose JSON is not a cluster.
        let translate: XDSTranslate = { snapshot, node in
            var served = F.translate(snapshot, node)
            if snapshot.version >= 2 {
                var carrier = Meshbox_V1_Cluster()
                carrier.json = Data(#"{"name": 3}"#.utf8)
                served.insert(name: "broken", body: XDSAny.pack(carrier))
            }
            return served
        }
        try await F.serve(source: WatchSource(watch: watch), translate: translate) { server, port in
            let client = try F.client(port: port, directory: directory)
            try await F.running(client) {
                let good = try await F.served(client) { $0.clusters.count == 1 }
                watch.send(F.snapshot(version: 2, clusters: ["a": ["10.0.0.1"], "c": ["10.0.0.3"]]))
                try await eventually("a NACK") { client.status.rejections == 1 }
                #expect(client.status.lastRejection?.contains("meshbox.v1.Cluster broken") == true)
                // Per type, as xDS: the clusters stay the last good ones (c's endpoints, valid, are taken).
                #expect(client.current?.clusters == good.clusters)
                #expect(client.status.connected)
                try await eventually("the server sees the NACK") { await server.status.node("edge-1")?.lastRejection != nil }
                let rejection = await server.status.node("edge-1")?.lastRejection
                #expect(rejection?.message.contains("broken") == true)
            }
        }
        // What is persisted is the last good state: no broken cluster in it.
        let persisted = try #require(try NodeFiles(dataDirectory: directory.path).loadResources())
        #expect(persisted.versions(of: MeshboxTypeURL.cluster).keys.sorted() == ["a"])
    }

    @Test("with the control plane away the node starts from its persisted snapshot; back, it sends only what changed")
    func persistedAndCatchUp() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client")
        defer { directory.remove() }
        let mesh = ["a": ["10.0.0.1"], "b": ["10.0.0.2"], "c": ["10.0.0.3"]]
        let port = try await F.serve(source: WatchSource(watch: Watch(F.snapshot(version: 1, clusters: mesh)))) { _, port in
            let client = try F.client(port: port, directory: directory)
            try await F.running(client) { _ = try await F.served(client) { $0.clusters.count == 3 } }
            return port
        }
        // No server: a new process starts from the file, before any connection.
        let restarted = try F.client(port: port, directory: directory)
        let persisted = try #require(restarted.current)
        #expect(persisted.clusters.map(\.name) == ["a", "b", "c"])
        #expect(persisted.secret(named: "default")?.material?.privateKeyPEM == "NODE-KEY")
        try await F.running(restarted) {
            try await eventually("two failed attempts") { restarted.status.reconnects >= 2 }
            #expect(!restarted.status.connected)
            #expect(restarted.current == persisted)
            // The control plane returns on the same port with one endpoint changed and b gone.
            var changed = mesh
            changed["a"] = ["10.0.0.7"]
            changed["b"] = nil
            try await F.serve(source: WatchSource(watch: Watch(F.snapshot(version: 1, clusters: changed))), port: port) { _, _ in
                let caughtUp = try await F.served(restarted) {
                    $0.clusters.map(\.name) == ["a", "c"] && $0.endpoints.map(\.clusterName) == ["a", "c"]
                        && $0.endpoints.first?.endpoints.map(\.address) == ["10.0.0.7"]
                }
                #expect(caughtUp.version > persisted.version)
                try await eventually("the catch-up") { restarted.status.catchUp != nil }
                // b's cluster and endpoints removed, a's endpoints sent: nothing else.
                #expect(restarted.status.catchUp == .init(received: 1, removed: 2))
            }
        }
    }

    @Test("a control plane that has not compiled yet (version 0, empty) sends nothing and the node keeps its snapshot; its first compile sends the differences")
    func notCompiledYet() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client")
        defer { directory.remove() }
        let mesh = ["a": ["10.0.0.1"], "b": ["10.0.0.2"]]
        let port = try await F.serve(source: WatchSource(watch: Watch(F.snapshot(version: 4, clusters: mesh)))) { _, port in
            let client = try F.client(port: port, directory: directory)
            try await F.running(client) { _ = try await F.served(client) { $0.clusters.count == 2 } }
            return port
        }
        let restarted = try F.client(port: port, directory: directory)
        let persisted = try #require(restarted.current)
        // The restarted control plane's compiler publishes its empty version 0 first.
        let watch = Watch(Snapshot.empty)
        try await F.serve(source: WatchSource(watch: watch), port: port) { server, _ in
            try await F.running(restarted) {
                // The server holds the node's requests until a real compile (it serves no
                // version 0); the node keeps serving what it persisted meanwhile.
                try await eventually("the node to connect", timeout: .seconds(10)) {
                    await server.status.node("edge-1") != nil
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect((await server.status.node("edge-1")?.sentVersions.count ?? -1) == 0)
                #expect(restarted.current == persisted)
                #expect(restarted.status.rejections == 0)
                var compiled = mesh
                compiled["b"] = nil
                watch.send(F.snapshot(version: 1, clusters: compiled))
                _ = try await F.served(restarted) { $0.clusters.map(\.name) == ["a"] && $0.endpoints.map(\.clusterName) == ["a"] }
            }
        }
    }

    @Test("a persisted snapshot that does not decode is not served; the node waits for the control plane")
    func corruptPersisted() throws {
        let directory = try TemporaryDirectory(prefix: "xds-client")
        defer { directory.remove() }
        let files = NodeFiles(dataDirectory: directory.path)
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        try "{not json".write(toFile: files.snapshotPath, atomically: true, encoding: .utf8)
        #expect(try F.client(port: 1, directory: directory).current == nil)
    }

    @Test("back-off: 0.5 s doubling to 30 s, each wait jittered between half and all of it")
    func backoff() {
        let backoff = Backoff()
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(500))
        #expect(backoff.ceiling(attempt: 1) == .seconds(1))
        #expect(backoff.ceiling(attempt: 5) == .seconds(16))
        #expect(backoff.ceiling(attempt: 6) == .seconds(30))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(30))
        let delays = (0..<50).map { _ in backoff.delay(attempt: 3) }
        #expect(delays.allSatisfy { $0 >= .seconds(2) && $0 <= .seconds(4) })
        #expect(Set(delays).count > 1)
    }

    @Test("the name checked in the ADS server's certificate: a DNS host itself, localhost for loopback, none for another IP")
    func serverName() {
        #expect(XDSClient.defaultServerName(host: "cp.example.com") == "cp.example.com")
        #expect(XDSClient.defaultServerName(host: "127.0.0.1") == "localhost")
        #expect(XDSClient.defaultServerName(host: "::1") == "localhost")
        #expect(XDSClient.defaultServerName(host: "10.1.2.3") == nil)
    }
}
