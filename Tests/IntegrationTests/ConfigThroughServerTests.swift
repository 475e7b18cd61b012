import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import Testing

@Suite("config role through the real binary and CLI")
struct ConfigThroughServerTests {
    @Test("a multi-document file covering every kind reads back equal")
    func allKindsRoundTrip() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let text = try example("all-kinds.yaml")
        let local = try ResourceDecoder.decode(text)
        #expect(Set(local.map(\.kind)) == Set(ResourceKind.allCases), "all-kinds.yaml covers every kind")

        let result = try await server.client.apply(text)
        #expect(result.outcomes.count == local.count)
        #expect(result.outcomes.allSatisfy { $0.action == .created })
        let stored = try await server.client.list(namespace: nil)
        #expect(stored.revision == result.revision)
        let byKey = Dictionary(uniqueKeysWithValues: stored.items.map { ($0.key, $0.resource) })
        let redactionKey = try #require(FileManager.default.contents(atPath: server.process.dataDirectory + "/redaction.key"))
        for resource in local {
            var expected = resource
            expected.apiVersion = resource.kind.preferredAPIVersion
            // The admin API shows Secret values redacted, keyed with the server's install key.
            if case .secret(let spec) = resource.spec { expected.spec = .secret(spec.redacted(key: Array(redactionKey))) }
            #expect(byKey[resource.key] == expected, "\(resource.key) reads back equal")
        }
        let again = try await server.client.apply(text)
        #expect(again.revision == result.revision, "re-applying the same file changes nothing")
        #expect(again.outcomes.allSatisfy { $0.action == .unchanged })
        await server.process.stop()
    }

    @Test("a batch with one invalid document applies nothing and names the field path")
    func invalidBatchAppliesNothing() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let good = try example("all-kinds.yaml")
        let bad = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: broken
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews}
                mirrorz: {host: x}
            """
        do {
            _ = try await server.client.apply(good + "\n---\n" + bad)
            Issue.record("the batch should have been refused")
        } catch let error as AdminClientError {
            #expect(error.status == 422)
            #expect(error.issues.map(\.description).contains("VirtualService default/broken: spec.http[0].mirrorz: unknown field"), "got \(error.issues)")
        }
        #expect(try await server.client.revision() == 0)
        #expect(try await server.client.list(namespace: nil).items.isEmpty)

        let cli = try await runMeshboxCLI(["apply", "-f", "-"], environment: server.cliEnvironment, stdin: bad)
        #expect(cli.status == 1)
        #expect(cli.stderr.contains("error: VirtualService default/broken: spec.http[0].mirrorz: unknown field"), "stderr: \(cli.stderr)")
        await server.process.stop()
    }

    @Test("etc/examples apply unchanged with the CLI, and get prints them")
    func examplesThroughCLI() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let apply = try await runMeshboxCLI(["apply", "-f", repositoryRoot + "/etc/examples"], environment: server.cliEnvironment)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")
        #expect(apply.stdout.contains("created"))

        let table = try await runMeshboxCLI(["get", "vs", "-A"], environment: server.cliEnvironment)
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("KIND"))
        #expect(table.stdout.contains("VirtualService"))

        let json = try await runMeshboxCLI(["get", "dr", "-A", "-o", "json"], environment: server.cliEnvironment)
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode([Resource].self, from: Data(json.stdout.utf8))
        #expect(!decoded.isEmpty)
        #expect(decoded.allSatisfy { $0.kind == .destinationRule })

        let yaml = try await runMeshboxCLI(["get", "all", "-A", "-o", "yaml"], environment: server.cliEnvironment)
        #expect(yaml.status == 0)
        // Applied again (Secret placeholders take the stored values), it changes nothing.
        let reapplied = try await server.client.apply(yaml.stdout, dryRun: true)
        #expect(reapplied.outcomes.count == (try await server.client.list(namespace: nil)).items.count, "get -o yaml output applies again")
        #expect(reapplied.outcomes.allSatisfy { $0.action == .unchanged }, "\(reapplied.outcomes)")

        let missing = try await runMeshboxCLI(["get", "vs", "nope"], environment: server.cliEnvironment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("not found"))

        let noToken = try await runMeshboxCLI(["get", "vs", "--server", server.process.consoleURL.absoluteString, "--data-dir", "/nonexistent"])
        #expect(noToken.status == 1)
        #expect(noToken.stderr.contains("error:"))
        await server.process.stop()
    }

    @Test("rollback through the CLI restores an earlier revision of one resource and of the store")
    func rollbackThroughCLI() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        func service(_ port: Int, name: String = "web") -> String {
            "apiVersion: meshbox.io/v1\nkind: Service\nmetadata: {name: \(name)}\nspec:\n  ports: [{name: http, number: \(port), protocol: HTTP}]\n"
        }
        let key = ResourceKey(kind: .service, namespace: "default", name: "web")
        let r1 = try await server.client.apply(service(8080)).revision
        let r2 = try await server.client.apply(service(8081)).revision
        let r3 = try await server.client.apply(service(9000, name: "api")).revision
        #expect([r1, r2, r3] == [1, 2, 3])

        let history = try await runMeshboxCLI(["history", "svc", "web"], environment: server.cliEnvironment)
        #expect(history.status == 0)
        #expect(history.stdout.contains("REVISION"))
        #expect(try await server.client.history(key).map(\.revision) == [2, 1])

        let one = try await runMeshboxCLI(["rollback", "svc", "web", "--to-revision", "1"], environment: server.cliEnvironment)
        #expect(one.status == 0, "stderr: \(one.stderr)")
        let restored = try await server.client.get(key)
        #expect(restored.revision == 4)
        #expect(restored.resource == (try ResourceDecoder.decode(service(8080)))[0])

        let all = try await runMeshboxCLI(["rollback", "--all", "--to-revision", "1"], environment: server.cliEnvironment)
        #expect(all.status == 0, "stderr: \(all.stderr)")
        let names = try await server.client.list(namespace: nil).items.map(\.key.name)
        #expect(names == ["web"], "the store is as it was at revision 1")
        await server.process.stop()
    }

    @Test("instances registered with the CLI persist across a restart and report health")
    func registryThroughCLI() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let register = try await runMeshboxCLI(
            ["register", "--service", "reviews", "--address", "127.0.0.1", "--port", "http:9", "--label", "version=v1",
             "--tcp-check", "--interval", "1s", "--timeout", "500ms"],
            environment: server.cliEnvironment)
        #expect(register.status == 0, "stderr: \(register.stderr)")
        let id = "reviews.default-127.0.0.1:9"
        // Nothing listens on port 9 (discard) on loopback here: the TCP check must fail.
        try await eventually("the TCP check to mark the instance critical") {
            try await server.client.instances(service: "reviews").first?.health == .critical
        }
        let bad = try await runMeshboxCLI(["register", "--service", "Bad_Name", "--address", "nope", "--port", "0"], environment: server.cliEnvironment)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("address"), "stderr: \(bad.stderr)")

        #expect(await server.process.stop() == 0)
        let again = try await MeshboxProcess.serve(dataDirectory: server.process.dataDirectory)
        defer { again.kill() }
        let client = AdminClient(baseURL: again.consoleURL, token: again.adminToken)
        let instances = try await client.instances()
        #expect(instances.map(\.id) == [id])
        #expect(instances.first?.labels == ["version": "v1"])
        let env = ["MESHBOX_SERVER": again.consoleURL.absoluteString, "MESHBOX_TOKEN": again.adminToken]
        let list = try await runMeshboxCLI(["instances"], environment: env)
        #expect(list.stdout.contains(id))
        let deregister = try await runMeshboxCLI(["deregister", id], environment: env)
        #expect(deregister.status == 0, "stderr: \(deregister.stderr)")
        #expect(try await client.instances().isEmpty)
        await again.stop()
    }
}

@Suite("compiler role through the real binary")
struct SnapshotThroughServerTests {
    @Test("applied config and registered instances compile into the served snapshot")
    func snapshotFollowsConfigAndRegistry() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let text = try ["gateway.yaml", "virtualservice-reviews.yaml", "destinationrule-reviews.yaml", "service-reviews.yaml"]
            .map(example).joined(separator: "\n---\n")
        _ = try await server.client.apply(text)
        for (index, version) in ["v1", "v2", "v3"].enumerated() {
            _ = try await server.client.register(
                InstanceRegistration(
                    service: "reviews", address: "127.0.0.\(index + 10)", ports: [InstancePort(name: "http", number: 9080)],
                    labels: ["version": version]))
        }
        try await eventually("the snapshot to hold the reviews endpoints") {
            let snapshot = try await server.client.snapshot()
            let endpoints = snapshot.endpoints.filter { $0.clusterName.hasSuffix("reviews.default.svc.cluster.local") }
            return endpoints.reduce(0) { $0 + $1.endpoints.count } == 3
        }
        let snapshot = try await server.client.snapshot()
        #expect(snapshot.listeners.contains { $0.port == 8080 }, "the Gateway's HTTP server becomes a listener")
        let v2 = snapshot.endpoints.first { $0.clusterName.contains("|v2|") }
        #expect(v2?.endpoints.map(\.address) == ["127.0.0.11"], "subset v2 selects the version=v2 instance")
        await server.process.stop()
    }
}
