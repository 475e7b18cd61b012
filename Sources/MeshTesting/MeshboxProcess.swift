public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `meshbox` binary, started as a child process for integration tests.
///
/// Output goes to files in the data dir (`stdout.log`, `stderr.log`) so a failing test can show it.
/// `stop()` sends SIGTERM and waits; `kill()` sends SIGKILL. Tests must call one of them.
public final class MeshboxProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let dataDirectory: String
    public let stdoutPath: String
    public let stderrPath: String

    /// The binary under test: `$MESHBOX_BINARY`, else `meshbox` beside the test bundle, else `.build/debug/meshbox`.
    public static func binaryPath(filePath: String = #filePath) -> String {
        if let path = ProcessInfo.processInfo.environment["MESHBOX_BINARY"], !path.isEmpty { return path }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        for candidate in [bundleDirectory + "/meshbox", bundleDirectory + "/../meshbox"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return repositoryRoot(filePath: filePath) + "/.build/debug/meshbox"
    }

    /// The repository root, found from a source file's path (`#filePath` of a test).
    public static func repositoryRoot(filePath: String = #filePath) -> String {
        var url = URL(fileURLWithPath: filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }

    /// Starts `meshbox <arguments>` with extra environment variables.
    public init(arguments: [String], dataDirectory: String, environment: [String: String] = [:]) throws {
        self.dataDirectory = dataDirectory
        let suffix = UUID().uuidString.prefix(6)
        stdoutPath = dataDirectory + "/stdout-\(suffix).log"
        stderrPath = dataDirectory + "/stderr-\(suffix).log"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "MESHBOX_SERVER", "MESHBOX_TOKEN", "MESHBOX_DATA_DIR"] { env[key] = nil }
        env.merge(environment) { $1 }
        process = try ChildProcess(
            executable: Self.binaryPath(), arguments: arguments, environment: env, standardOutput: stdoutPath,
            standardError: stderrPath)
    }

    /// Starts `meshbox serve` on a free console port with the given data dir and waits until
    /// its admin API answers. Returns the process; `consoleURL` tells where it listens.
    public static func serve(dataDirectory: String, extraArguments: [String] = [], environment: [String: String] = [:]) async throws -> MeshboxProcess {
        try? FileManager.default.removeItem(atPath: dataDirectory + "/console.url")
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let process = try MeshboxProcess(
            arguments: ["serve", "--data-dir", dataDirectory, "--console-listen", "127.0.0.1:0"] + extraArguments,
            dataDirectory: dataDirectory, environment: environment)
        do {
            try await eventually("meshbox to write console.url", timeout: .seconds(30)) {
                guard process.process.isRunning else { throw TimedOut("meshbox exited early (\(process.process.terminationStatus)): \(process.stderr)") }
                return FileManager.default.fileExists(atPath: dataDirectory + "/console.url")
            }
        } catch {
            process.kill()
            throw error
        }
        return process
    }

    public var consoleURL: URL {
        let text = (try? String(contentsOfFile: dataDirectory + "/console.url", encoding: .utf8)) ?? ""
        return URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    public var adminToken: String {
        ((try? String(contentsOfFile: dataDirectory + "/admin-token", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for exit (SIGKILL after `timeout`). Returns the exit status.
    @discardableResult
    public func stop(timeout: Duration = .seconds(15)) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.signal(SIGTERM)
        return await waitForExit(timeout: timeout)
    }

    /// SIGKILL: the process gets no chance to clean up.
    public func kill() {
        guard process.isRunning else { return }
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(15)) async -> Int32 {
        if let status = await process.exit(within: timeout) { return status }
        kill()
        return process.terminationStatus
    }
    // The ChildProcess kills and reaps the child if it still runs when it goes away.
}

/// Runs the meshbox CLI to completion and returns its exit status and output.
public func runMeshboxCLI(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = try TemporaryDirectory(prefix: "meshbox-cli")
    defer { directory.remove() }
    var env = ProcessInfo.processInfo.environment
    for key in ["MESHBOX_SERVER", "MESHBOX_TOKEN", "MESHBOX_DATA_DIR"] { env[key] = nil }
    env.merge(environment) { $1 }
    let out = directory.file("out"), err = directory.file("err")
    var input: String?
    if let stdin {
        input = directory.file("in")
        _ = FileManager.default.createFile(atPath: directory.file("in"), contents: Data(stdin.utf8))
    }
    let process = try ChildProcess(
        executable: MeshboxProcess.binaryPath(), arguments: arguments, environment: env, standardInput: input,
        standardOutput: out, standardError: err)
    while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    return (
        process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    )
}
