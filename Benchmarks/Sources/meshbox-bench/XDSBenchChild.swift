import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `meshbox-bench xds-clients …` started with posix_spawn, its stdout read line by line on a
/// thread of its own (blocking reads: no polling in the measured process), parsed into what the
/// benchmark needs. Stopped by its PID.
final class XDSBenchChild: Sendable {
    struct Response: Sendable {
        var client: Int
        var type: String
        var bytes: Int
        var acked: UInt64
    }

    struct State: Sendable {
        /// Client → (start, synced), CLOCK_MONOTONIC ns.
        var synced: [Int: (start: UInt64, synced: UInt64)] = [:]
        var responses: [Response] = []
        var errors: [String] = []
    }

    /// The parsed output, shared with the reading thread.
    final class Shared: Sendable {
        let state = Mutex(State())
    }

    let pid: pid_t
    private let shared = Shared()
    private let stopped = Mutex(false)

    var current: State { shared.state.withLock { $0 } }

    init(arguments: [String]) throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw XDSBenchError("pipe: \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(fds[1])
        guard status == 0 else {
            close(fds[0])
            throw XDSBenchError("posix_spawn \(executable): \(status)")
        }
        self.pid = pid
        let input = fds[0]
        let thread = Thread { [shared] in
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                pending += buffer[0..<count]
                guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                let text = String(decoding: pending[...last], as: UTF8.self)
                pending.removeSubrange(...last)
                shared.state.withLock { state in
                    for line in text.split(separator: "\n") { Self.parse(line, into: &state) }
                }
            }
            close(input)
        }
        thread.start()
    }

    private static func parse(_ line: Substring, into state: inout State) {
        let fields = line.split(separator: " ")
        switch fields.first {
        case "r" where fields.count == 5:
            if let client = Int(fields[1]), let bytes = Int(fields[3]), let acked = UInt64(fields[4]) {
                state.responses.append(Response(client: client, type: String(fields[2]), bytes: bytes, acked: acked))
            }
        case "synced" where fields.count == 4:
            if let client = Int(fields[1]), let start = UInt64(fields[2]), let synced = UInt64(fields[3]) {
                state.synced[client] = (start, synced)
            }
        case "error":
            state.errors.append(String(line))
        default:
            break
        }
    }

    /// Polls (cheaply: a lock and a look every 2 ms) until `condition` holds.
    func wait(_ what: String, timeout: Duration = .seconds(300), _ condition: (State) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = current
            if let error = now.errors.first { throw XDSBenchError("client failed: \(error)") }
            if condition(now) { return }
            if ContinuousClock.now > deadline { throw XDSBenchError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Waits until no response has arrived for `quiet`.
    func settle(quiet: Duration = .milliseconds(150)) async throws {
        var count = current.responses.count
        while true {
            try await Task.sleep(for: quiet)
            let now = current.responses.count
            if now == count { return }
            count = now
        }
    }

    /// SIGKILL and reap, once.
    func stop() {
        guard !stopped.withLock({ let was = $0; $0 = true; return was }) else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

struct XDSBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
