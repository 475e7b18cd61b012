import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for a test (the meshbox binary, curl, openssl, a scripted server), started
/// with `posix_spawn`.
///
/// Not Foundation's `Process`: its `run()` (swift-corelibs-foundation in Swift 6.3.1) closes
/// the parent's descriptors by reading /proc/self/fd and copies each entry's whole 256-byte
/// name, which faults when the entry ends a heap arena (swiftlang/swift-corelibs-foundation#5472);
/// a full test run crashed so once. Here the child closes every descriptor above 2 itself
/// (`posix_spawn_file_actions_addclosefrom_np`), starts with no blocked signals and default
/// dispositions (a Swift test process blocks some, and a child would inherit them), and its
/// standard streams are files or /dev/null, never pipes the test has to drain.
public final class ChildProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let processIdentifier: Int32
    /// The wait status once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (a path; use `/usr/bin/env` to search PATH) with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment; nil passes this process's on.
    ///   - standardInput: a file to read, nil for /dev/null.
    ///   - standardOutput: a file to write (created or truncated), nil for /dev/null.
    ///   - standardError: likewise; the same path as `standardOutput` shares its descriptor.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil, standardInput: String? = nil, standardOutput: String? = nil,
        standardError: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let standardError, standardError == standardOutput {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, standardError ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw Failure(description: "posix_spawn: cannot close descriptors") }
        if let currentDirectory {
            guard Self.addChdir(&actions, currentDirectory) == 0 else {
                throw Failure(description: "posix_spawn: cannot change to \(currentDirectory)")
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool { poll() == nil }

    /// The exit code, or for a child ended by a signal the signal's number (as Foundation's
    /// `Process.terminationStatus`); waits for the exit.
    public var terminationStatus: Int32 {
        let status = waitUntilExit()
        return Self.exited(status) ? (status >> 8) & 0xFF : status & 0x7F
    }

    /// Blocks until the child exits; returns its wait status.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = poll() { return status }
            usleep(2_000)
        }
    }

    /// Waits up to `timeout` without blocking a thread; the exit status as `terminationStatus`
    /// gives it, nil while the child still runs.
    public func exit(within timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while isRunning && clock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return isRunning ? nil : terminationStatus
    }

    /// Waits for the exit without blocking a thread (async tests share a pool of as many threads
    /// as cores: a blocking wait starves the other tests meanwhile); the exit status as
    /// `terminationStatus` gives it.
    public func exited() async -> Int32 {
        var pause = 1
        while isRunning {
            try? await Task.sleep(for: .milliseconds(pause))
            pause = min(pause * 2, 20)
        }
        return terminationStatus
    }

    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        _ = kill(processIdentifier, signal)
    }

    private func poll() -> Int32? {
        reaped.withLock { reaped in
            if let status = reaped { return status }
            var status: Int32 = 0
            let result = waitpid(processIdentifier, &status, WNOHANG)
            if result == processIdentifier {
                reaped = status
                return status
            }
            // 0: still running. -1 (ECHILD) cannot happen: only this object waits for its pid.
            return nil
        }
    }

    private static func exited(_ status: Int32) -> Bool { status & 0x7F == 0 }

    // glibc's GNU extensions (2.34 and 2.29; Debian 12 has 2.36), which the Glibc module does not
    // declare: looked up once by name.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Chdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addCloseFrom: CloseFrom = function("posix_spawn_file_actions_addclosefrom_np")
    private static let addChdir: Chdir = function("posix_spawn_file_actions_addchdir_np")

    private static func function<F>(_ name: String) -> F {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            fatalError("\(name) is missing from this C library (glibc 2.34 or later is needed)")
        }
        return unsafeBitCast(symbol, to: F.self)
    }

    deinit {
        if poll() == nil {
            _ = kill(processIdentifier, SIGKILL)
            waitUntilExit()
        }
    }

    /// Runs a tool to completion: its exit status and everything it printed (standard output
    /// and error together, through a file).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> (status: Int32, output: String) {
        let run = try Collecting(executable, arguments, environment, currentDirectory)
        return run.finish(status: run.child.terminationStatus)
    }

    /// `run` for async code: waits for the tool without blocking a thread.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) async throws -> (status: Int32, output: String) {
        let run = try Collecting(executable, arguments, environment, currentDirectory)
        return run.finish(status: await run.child.exited())
    }

    /// A child whose output goes to a file in a directory of its own, removed by `finish`.
    private struct Collecting {
        let child: ChildProcess
        let directory: TemporaryDirectory
        let output: String

        init(_ executable: String, _ arguments: [String], _ environment: [String: String]?, _ currentDirectory: String?) throws {
            directory = try TemporaryDirectory(prefix: "meshbox-run")
            output = directory.path + "/output"
            do {
                child = try ChildProcess(
                    executable: executable, arguments: arguments, environment: environment,
                    currentDirectory: currentDirectory, standardOutput: output, standardError: output)
            } catch {
                directory.remove()
                throw error
            }
        }

        func finish(status: Int32) -> (status: Int32, output: String) {
            defer { directory.remove() }
            return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
        }
    }
}
