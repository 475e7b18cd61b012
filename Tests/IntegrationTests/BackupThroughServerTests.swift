import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshRemote
import MeshTesting
import Testing

@Suite("meshbox backup and restore through the real binary")
struct BackupThroughServerTests {
    static let resources = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews, namespace: shop}
        spec:
          ports:
          - {name: http, number: 9080, protocol: HTTP}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: shop}
        spec:
          hosts: [reviews]
          http:
          - route:
            - {destination: {host: reviews}}
        """

    static func writerService(_ counter: Int) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: writer, namespace: default, labels: {counter: "\(counter)"}}
        spec:
          ports:
          - {name: http, number: 80, protocol: HTTP}
        """
    }

    /// `meshbox get all -A` as a table without its AGE column, and as YAML.
    static func listing(_ process: MeshboxProcess) async throws -> String {
        let environment = ["MESHBOX_SERVER": process.consoleURL.absoluteString, "MESHBOX_TOKEN": process.adminToken]
        let table = try await runMeshboxCLI(["get", "all", "-A"], environment: environment)
        let yaml = try await runMeshboxCLI(["get", "all", "-A", "-o", "yaml"], environment: environment)
        #expect(table.status == 0 && yaml.status == 0, "\(table.stderr) \(yaml.stderr)")
        let rows = table.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).dropLast().joined(separator: " ")
        }
        return rows.joined(separator: "\n") + "\n" + yaml.stdout
    }

    static func cli(_ arguments: [String], server: MeshboxProcess? = nil) async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let environment =
            server.map { ["MESHBOX_SERVER": $0.consoleURL.absoluteString, "MESHBOX_TOKEN": $0.adminToken] } ?? [:]
        return try await runMeshboxCLI(arguments, environment: environment)
    }

    /// Names and bytes of every file under `directory`.
    static func contents(of directory: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for path in FileManager.default.subpaths(atPath: directory) ?? [] {
            files[path] = FileManager.default.contents(atPath: directory + "/" + path) ?? Data()
        }
        return files
    }

    @Test("a backup taken while a writer applies restores elsewhere: resources, revision, registrations and CA root")
    func backupUnderLoadRestores() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let work = server.directory
        let original = server.process.dataDirectory
        _ = try await server.client.apply(Self.resources)
        let registered = try await server.client.register(
            InstanceRegistration(
                service: "reviews",
                namespace: "shop",
                address: "127.0.0.21",
                ports: [InstancePort(name: "http", number: 9080)]
            )
        )
        let bundle = try await server.client.caBundle()
        let issued = try await Self.cli(
            [
                "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/shop/sa/reviews", "--cert-out",
                work.file("old.pem"),
                "--key-out", work.file("old-key.pem"),
            ],
            server: server.process
        )
        #expect(issued.status == 0, "\(issued.stderr)")

        // Under load: each write's revision and counter, while `meshbox backup` runs.
        let loaded = work.file("loaded.backup")
        async let writes: [Int64: Int] = {
            var revisions: [Int64: Int] = [:]
            for counter in 1...150 {
                revisions[try await server.client.apply(Self.writerService(counter)).revision] = counter
            }
            return revisions
        }()
        let before = try await server.client.revision()
        let backup = try await Self.cli(["backup", loaded, "--data-dir", original])
        let written = try await writes
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("config.db") && backup.stdout.contains("ca/ca.db"), "\(backup.stdout)")
        #expect(PrivateFile.permissions(of: loaded) == 0o600)

        // Quiet: the reference listing, and a backup of exactly it.
        let quiet = work.file("quiet.backup")
        #expect(try await Self.cli(["backup", quiet, "--data-dir", original]).status == 0)
        let listing = try await Self.listing(server.process)
        let revision = try await server.client.revision()

        // The running server's data dir is refused, and left as it was.
        let inUse = try await Self.cli(["restore", quiet, "--data-dir", original, "--force"])
        #expect(inUse.status != 0)
        #expect(inUse.stderr.contains("is using it"), "\(inUse.stderr)")
        #expect(FileManager.default.fileExists(atPath: original + "/config.db"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains(".restoring-") }.isEmpty
        )
        #expect(await server.process.stop() == 0)
        // Another host: the original data dir is gone (the CA's key paths must not point there).
        try FileManager.default.moveItem(atPath: original, toPath: work.file("gone"))

        let restored = work.file("restored")
        let restore = try await Self.cli(["restore", quiet, "--data-dir", restored])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(PrivateFile.permissions(of: restored + "/ca/root-1.key.pem") == 0o600)
        let again = try await MeshboxProcess.serve(dataDirectory: restored)
        defer { again.kill() }
        let client = AdminClient(baseURL: again.consoleURL, token: again.adminToken)
        #expect(try await Self.listing(again) == listing)
        #expect(try await client.revision() == revision)
        #expect(try await client.instances(service: "reviews", namespace: "shop").map(\.id) == [registered.id])
        #expect(try await client.caBundle() == bundle)
        // The restored CA signs with the same root: a certificate issued now verifies against the old bundle.
        try bundle.write(toFile: work.file("bundle.pem"), atomically: true, encoding: .utf8)
        #expect(
            try await Self.cli(
                [
                    "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/shop/sa/ratings", "--cert-out",
                    work.file("new.pem"),
                    "--key-out", work.file("new-key.pem"),
                ],
                server: again
            ).status == 0
        )
        for certificate in ["old.pem", "new.pem"] {
            let verify = try await ChildProcess.run(
                "/usr/bin/openssl",
                ["verify", "-CAfile", work.file("bundle.pem"), work.file(certificate)]
            )
            #expect(verify.status == 0, "\(certificate): \(verify.output)")
        }
        #expect(await again.stop() == 0)

        // The backup taken under load is one consistent revision: the writer's Service carries the
        // counter written at that revision, or is absent when the backup came before the first write.
        let underLoad = work.file("under-load")
        #expect(try await Self.cli(["restore", loaded, "--data-dir", underLoad]).status == 0)
        let third = try await MeshboxProcess.serve(dataDirectory: underLoad)
        defer { third.kill() }
        let thirdClient = AdminClient(baseURL: third.consoleURL, token: third.adminToken)
        let loadedRevision = try await thirdClient.revision()
        #expect(loadedRevision >= before && loadedRevision <= revision)
        let writer = try await thirdClient.list(kind: .service, namespace: "default").items.first {
            $0.key.name == "writer"
        }
        if let writer {
            let counter = written[writer.revision]
            #expect(
                counter != nil && writer.resource.metadata.labels["counter"] == counter.map(String.init),
                "\(writer.revision)"
            )
            #expect(writer.revision == loadedRevision)
        }
        #expect(try await thirdClient.instances(service: "reviews", namespace: "shop").count == 1)
        #expect(await third.stop() == 0)
    }

    @Test("a damaged backup is refused whole and the target stays untouched; --force moves a non-empty target aside")
    func refusals() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let work = server.directory
        _ = try await server.client.apply(Self.resources)
        let file = work.file("a.backup")
        #expect(try await Self.cli(["backup", file, "--data-dir", server.process.dataDirectory]).status == 0)
        #expect(await server.process.stop() == 0)

        let target = work.file("target")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try "keep me".write(toFile: target + "/marker", atomically: true, encoding: .utf8)
        let notEmpty = try await Self.cli(["restore", file, "--data-dir", target])
        #expect(notEmpty.status != 0)
        #expect(notEmpty.stderr.contains("not empty") && notEmpty.stderr.contains("--force"), "\(notEmpty.stderr)")

        var damaged = try #require(FileManager.default.contents(atPath: file))
        damaged[damaged.count / 2] ^= 0x40
        try damaged.write(to: URL(fileURLWithPath: work.file("damaged.backup")))
        let refused = try await Self.cli(["restore", work.file("damaged.backup"), "--data-dir", target, "--force"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SHA-256") || refused.stderr.contains("checksum"), "\(refused.stderr)")
        #expect(Self.contents(of: target) == ["marker": Data("keep me".utf8)])
        let truncated = try #require(FileManager.default.contents(atPath: file)).prefix(damaged.count - 700)
        try truncated.write(to: URL(fileURLWithPath: work.file("truncated.backup")))
        #expect(
            try await Self.cli(["restore", work.file("truncated.backup"), "--data-dir", target, "--force"]).status != 0
        )
        #expect(Self.contents(of: target) == ["marker": Data("keep me".utf8)])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains(".restoring-") }.isEmpty
        )

        let forced = try await Self.cli(["restore", file, "--data-dir", target, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let aside = try #require(
            try FileManager.default.contentsOfDirectory(atPath: work.path).first {
                $0.hasPrefix("target.before-restore-")
            }
        )
        #expect(Self.contents(of: work.file(aside)) == ["marker": Data("keep me".utf8)])
        #expect(FileManager.default.fileExists(atPath: target + "/config.db"))
        #expect(!FileManager.default.fileExists(atPath: target + "/marker"))

        // A schema newer than this binary (a migration it does not know) is refused with the versions.
        let future = try await ChildProcess.run(
            "/usr/bin/sqlite3",
            [target + "/config.db", "INSERT INTO grdb_migrations(identifier) VALUES ('v99-from-the-future')"]
        )
        #expect(future.status == 0, "\(future.output)")
        #expect(try await Self.cli(["backup", work.file("newer.backup"), "--data-dir", target]).status == 0)
        let newer = try await Self.cli(["restore", work.file("newer.backup"), "--data-dir", work.file("fresh")])
        #expect(newer.status != 0)
        #expect(newer.stderr.contains("v99-from-the-future") && newer.stderr.contains("v2-vips"), "\(newer.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("fresh")))

        let missing = try await Self.cli(["backup", work.file("x.backup"), "--data-dir", work.file("nowhere")])
        #expect(missing.status != 0 && missing.stderr.contains("no such directory"), "\(missing.stderr)")
        let unwritable = try await Self.cli(["backup", work.file("no/such/dir/x.backup"), "--data-dir", target])
        #expect(unwritable.status != 0 && unwritable.stderr.contains("cannot write"), "\(unwritable.stderr)")
    }
}
