import Foundation
public import MeshCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs commands with `posix_spawn` (not Foundation's `Process`, whose `run()` can fault reading
/// /proc/self/fd in Swift 6.3.1, swiftlang/swift-corelibs-foundation#5472). Standard streams go
/// through files in a private temporary directory, never pipes: nothing to drain, no deadlock on
/// a large `iptables-save`.
///
/// `prefix` runs every command under another one, e.g. `["ip", "netns", "exec", "ns1"]`.
public struct SpawnCommandRunner: CommandRunner {
    public var prefix: [String]

    public init(prefix: [String] = []) {
        self.prefix = prefix
    }

    public func run(_ command: Command) async throws -> CommandOutput {
        let argv = prefix + [command.executable] + command.arguments
        guard let executable = Self.resolve(argv[0]) else {
            throw MeshError(.unavailable, "\(argv[0]) is not installed (searched PATH, /usr/sbin, /sbin)")
        }
        var template = Array((NSTemporaryDirectory() + "/meshbox-command-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw MeshError(.io, "cannot make a temporary directory: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        let inputPath = directory + "/input"
        let outputPath = directory + "/output"
        let errorPath = directory + "/error"
        defer {
            for path in [inputPath, outputPath, errorPath] { unlink(path) }
            rmdir(directory)
        }
        if let input = command.input {
            guard FileManager.default.createFile(atPath: inputPath, contents: Data(input.utf8)) else {
                throw MeshError(.io, "cannot write \(inputPath)")
            }
        }
        let pid = try Self.spawn(
            executable,
            argv,
            input: command.input == nil ? "/dev/null" : inputPath,
            output: outputPath,
            error: errorPath
        )
        let status = await Self.waitForExit(pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return CommandOutput(status: status, standardOutput: output, standardError: error)
    }

    /// `name` if it holds a slash, else the first executable of that name in PATH, /usr/sbin, /sbin.
    static func resolve(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func spawn(
        _ executable: String,
        _ argv: [String],
        input: String,
        output: String,
        error: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, error, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The child must not inherit the service's sockets and files (glibc 2.34+; without it the
        // descriptors are still closed on exec wherever they were opened with CLOEXEC, as NIO does).
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

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

        let arguments = argv.map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in environment { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, arguments, environment)
        guard result == 0 else {
            throw MeshError(.unavailable, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Polls without blocking a thread of the cooperative pool; short pauses first, as the tools
    /// this runs usually finish within milliseconds.
    private static func waitForExit(_ pid: pid_t) async -> Int32 {
        var pause: UInt64 = 200_000
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
            if result == -1 && errno != EINTR { return -1 }
            if Task.isCancelled {
                usleep(useconds_t(pause / 1000))  // a cancelled sleep returns at once: do not spin
            } else {
                try? await Task.sleep(nanoseconds: pause)
            }
            pause = min(pause * 2, 10_000_000)
        }
    }

    // glibc's GNU extension (2.34), which the Glibc module does not declare: looked up by name;
    // nil on a C library without it.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}
