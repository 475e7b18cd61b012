import Foundation
import MeshAPI
import MeshTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The real `meshbox` binary serving inside a test's network namespace (`ip netns exec`, which
/// execs it: the child's PID is meshbox's own), and its CLI run there against the data dir. The
/// console listens on the namespace's loopback, so only commands run inside reach it.
final class NamespacedMeshbox: Sendable {
    let namespace: NetworkNamespace
    let directory: TemporaryDirectory
    let process: ChildProcess
    let logPath: String

    static let environment = ["PATH": "/usr/sbin:/sbin:/usr/bin:/bin", "HOME": NSTemporaryDirectory()]

    /// Starts `meshbox serve <arguments>` and waits until its console answers.
    init(in namespace: NetworkNamespace, directory: TemporaryDirectory, arguments: [String]) async throws {
        self.namespace = namespace
        self.directory = directory
        try? FileManager.default.removeItem(atPath: directory.file("console.url"))
        logPath = directory.file("serve-\(UInt32.random(in: 0...UInt32.max)).log")
        process = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["ip", "netns", "exec", namespace.name, MeshboxProcess.binaryPath(), "serve", "--data-dir", directory.path,
                "--console-listen", "127.0.0.1:0"] + arguments,
            environment: Self.environment, standardOutput: logPath, standardError: logPath)
        do {
            try await eventually("meshbox to write console.url", timeout: .seconds(30)) {
                guard process.isRunning else { throw TimedOut("meshbox exited early: \(self.log)") }
                return FileManager.default.fileExists(atPath: directory.file("console.url"))
            }
        } catch {
            kill()
            throw error
        }
    }

    /// A fresh namespace and a scratch directory (the data dir), both removed afterwards.
    static func withNamespace(_ body: (NetworkNamespace, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-proxy-ns")
        defer { directory.remove() }
        try await NetworkNamespace.with { namespace in try await body(namespace, directory) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM and the exit status (SIGKILL after 20 s).
    func stop() async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.signal(SIGTERM)
        if let status = await process.exit(within: .seconds(20)) { return status }
        kill()
        return process.terminationStatus
    }

    func kill() {
        guard process.isRunning else { return }
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    /// `meshbox <arguments>` inside the namespace, against this server's data dir.
    func cli(_ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, output: String) {
        try await Self.cli(in: namespace, arguments + ["--data-dir", directory.path], stdin: stdin, directory: directory)
    }

    /// `meshbox <arguments>` inside `namespace` (no server needed).
    static func cli(
        in namespace: NetworkNamespace, _ arguments: [String], stdin: String? = nil, directory: TemporaryDirectory
    ) async throws -> (status: Int32, output: String) {
        var argv = ["ip", "netns", "exec", namespace.name, MeshboxProcess.binaryPath()] + arguments
        if let stdin {
            let path = directory.file("stdin-\(UInt32.random(in: 0...UInt32.max)).yaml")
            try stdin.write(toFile: path, atomically: true, encoding: .utf8)
            argv = ["ip", "netns", "exec", namespace.name, MeshboxProcess.binaryPath()] + arguments + ["-f", path]
        }
        return try await ChildProcess.run("/usr/bin/env", argv, environment: environment)
    }

    /// `/metrics` with the admin token, fetched inside the namespace.
    func metrics() async throws -> String {
        let url = try String(contentsOfFile: directory.file("console.url"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let token = try String(contentsOfFile: directory.file("admin-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return try await namespace.run("curl", "-sS", "-m", "5", "-H", "Authorization: Bearer \(token)", url + "/metrics")
    }

    /// `meshbox proxy status -o json`.
    func proxyStatus() async throws -> ProxyStatus {
        let result = try await cli(["proxy", "status", "-o", "json"])
        guard result.status == 0 else { throw TimedOut("meshbox proxy status failed: \(result.output)") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ProxyStatus.self, from: Data(result.output.utf8))
    }
}
