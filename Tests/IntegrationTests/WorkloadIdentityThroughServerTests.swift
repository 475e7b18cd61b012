import Foundation
import MeshTesting
import Testing

@Suite("Workload identity fields through the real binary")
struct WorkloadIdentityThroughServerTests {
    @Test("register --node --service-account --run-as reaches the registry, the API, meshbox instances and a restart")
    func registerWithIdentity() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-workload-identity")
        var server = try await RunningServer.start(directory: directory)
        defer { server.cleanUp() }

        let registered = try await runMeshboxCLI(
            [
                "register", "--service", "reviews", "-n", "bookinfo", "--address", "127.0.0.1", "--port", "http:9080",
                "--node", "host-b", "--service-account", "bookinfo-reviews", "--run-as", "nobody",
            ],
            environment: server.cliEnvironment
        )
        #expect(registered.status == 0, "\(registered.stderr)")
        let defaulted = try await runMeshboxCLI(
            ["register", "--service", "ratings", "-n", "bookinfo", "--address", "127.0.0.2", "--port", "9080"],
            environment: server.cliEnvironment
        )
        #expect(defaulted.status == 0, "\(defaulted.stderr)")

        let refused = try await runMeshboxCLI(
            [
                "register", "--service", "reviews", "--address", "127.0.0.3", "--port", "9080", "--service-account",
                "Reviews", "--run-as", "4294967295",
            ],
            environment: server.cliEnvironment
        )
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("serviceAccount: must be a DNS-1123 label"), "\(refused.stderr)")
        #expect(refused.stderr.contains("runAs: uid 4294967295 is out of range"), "\(refused.stderr)")

        let table = try await runMeshboxCLI(["instances", "-n", "bookinfo"], environment: server.cliEnvironment)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("SERVICE ACCOUNT") == true, "\(table.stdout)")
        let reviews = try #require(lines.first { $0.hasPrefix("reviews.") }, "\(table.stdout)")
        #expect(
            reviews.contains("host-b") && reviews.contains("bookinfo-reviews") && reviews.contains("nobody"),
            "\(reviews)"
        )
        let ratings = try #require(lines.first { $0.hasPrefix("ratings.") }, "\(table.stdout)")
        #expect(ratings.contains(" default "), "\(ratings)")

        // The admin API's JSON carries both fields; a restart keeps them (the registry's database).
        _ = await server.process.stop()
        let process = try await MeshboxProcess.serve(dataDirectory: directory.path + "/data")
        server = RunningServer(directory: directory, process: process)
        let json = try await runMeshboxCLI(
            ["instances", "--service", "reviews", "-o", "json"],
            environment: server.cliEnvironment
        )
        #expect(json.status == 0, "\(json.stderr)")
        let items = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(items.count == 1, "\(json.stdout)")
        #expect(items.first?["serviceAccount"] as? String == "bookinfo-reviews")
        #expect(items.first?["runAs"] as? String == "nobody")
        #expect(items.first?["node"] as? String == "host-b")
    }
}
