import Foundation
import MeshTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The multi-host test bed itself: hosts that reach each other by address and name, and a
/// teardown that leaves no namespace, hosts file or process behind, even when the body throws.
@Suite("MeshHosts: N hosts as network namespaces on one bridge", .timeLimit(.minutes(2)))
struct MeshHostsTests {
    struct Planned: Error {}

    static func namespaces() async throws -> [String] {
        try await ChildProcess.run("/usr/bin/env", ["PATH=\(NetworkNamespace.path)", "ip", "netns", "list"]).output
            .split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
    }

    @Test(
        "hosts reach each other by address and by name; a failing body still deletes every namespace and stops what ran there",
        .enabled(if: NetworkNamespace.isAvailable, "needs root, ip netns and python3"))
    func reachAndTearDown() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-hosts")
        defer { directory.remove() }
        var names: [String] = []
        var server: ChildProcess?
        await #expect(throws: Planned.self) {
            try await MeshHosts.with(count: 2) { hosts in
                names = [hosts.hub.name] + hosts.hosts.map(\.namespace.name)
                #expect(hosts[2].address == "10.78.0.2" && hosts[2].name == "host2.mesh.test")
                server = try hosts.start(
                    in: hosts[2], ["python3", "-m", "http.server", "8080", "--bind", hosts[2].address, "--directory", directory.path],
                    output: directory.file("server.log"))
                try await eventually("host 1 to reach host 2 by name", timeout: .seconds(20)) {
                    (try? await hosts.run(in: hosts[1], "python3", "-c", Self.fetch, "http://\(hosts[2].name):8080/")) == "200"
                }
                // Not on the LAN from the machine's own namespace.
                let own = try await ChildProcess.run("/usr/bin/env", ["PATH=\(NetworkNamespace.path)", "ip", "-4", "addr"]).output
                #expect(!own.contains(hosts[1].address))
                throw Planned()
            }
        }
        let left = try await Self.namespaces()
        #expect(names.count == 3)
        #expect(names.allSatisfy { !left.contains($0) }, "\(left)")
        #expect(names.allSatisfy { !FileManager.default.fileExists(atPath: "/etc/netns/\($0)") })
        #expect(server?.isRunning == false)
    }

    /// Prints the status of a GET (python, so the test needs no curl).
    static let fetch = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).status, end='')"
}
