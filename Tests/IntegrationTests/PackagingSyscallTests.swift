import Foundation
import MeshTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The unit's `SystemCallFilter=@system-service` and `~@privileged` (with EPERM for the rest)
/// hold only while meshbox needs nothing outside them: a new system call would fail at run time
/// under systemd and nowhere else. So the calls `meshbox serve` makes, run as the unit runs it
/// (an unprivileged user), are traced and checked against systemd's own lists.
@Suite("meshbox's system calls and the unit's filter")
struct PackagingSyscallTests {
    @Test("every system call meshbox serve makes, start to clean stop, is in @system-service and none in @privileged")
    func systemCallsWithinFilter() async throws {
        let directory = try TemporaryDirectory(prefix: "mbx-syscalls")
        defer { directory.remove() }
        chmod(directory.path, 0o755)
        let data = directory.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        #expect(chown(data, 65534, 65534) == 0)
        let trace = directory.file("trace")
        let binary = MeshboxProcess.binaryPath()
        let tracer = try ChildProcess(
            executable: "/usr/bin/strace",
            arguments: [
                "-f", "-qq", "-o", trace, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
                binary, "serve", "--roles", "all", "--data-dir", data, "--console-listen", "127.0.0.1:0",
            ],
            standardOutput: directory.file("out"), standardError: directory.file("out"))
        defer {
            if tracer.isRunning { tracer.signal(SIGKILL) }
        }
        try await eventually("meshbox to serve under strace", timeout: .seconds(60)) {
            guard tracer.isRunning else { throw TimedOut("strace exited \(tracer.terminationStatus)") }
            return FileManager.default.fileExists(atPath: data + "/console.url")
        }
        // A request through the console, then a clean stop: setpriv exec'd meshbox in place, so
        // the first traced pid is meshbox's.
        let url = try String(contentsOfFile: data + "/console.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await Tool.run("curl", ["-s", "-m", "5", url + "/healthz"]).status == 0)
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let pid = try #require(lines.first.flatMap { Int32($0.prefix { $0.isNumber }) })
        kill(pid, SIGTERM)
        #expect(await tracer.exit(within: .seconds(30)) == 0)

        // Only what meshbox itself calls: from its execve on (before it, setpriv drops privileges).
        let all = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let start = try #require(all.firstIndex { $0.contains("execve(\"\(binary)\"") && $0.hasSuffix("= 0") })
        var used = Set<String>()
        for line in all[all.index(after: start)...] {
            if let match = line.firstMatch(of: /^\d+\s+([a-z0-9_]+)\(/) { used.insert(String(match.1)) }
        }
        #expect(used.contains("bind") && used.contains("epoll_wait"), "the trace holds the serving calls: \(used.sorted())")
        let allowed = try await Self.syscalls(in: "@system-service")
        let privileged = try await Self.syscalls(in: "@privileged")
        #expect(allowed.count > 300 && allowed.contains("bind") && privileged.contains("setuid") && privileged.contains("fchown"))
        #expect(used.subtracting(allowed).isEmpty, "outside @system-service: \(used.subtracting(allowed).sorted())")
        #expect(used.intersection(privileged).isEmpty, "in @privileged: \(used.intersection(privileged).sorted())")
    }

    /// The system calls of a systemd set, nested sets resolved (`systemd-analyze syscall-filter`).
    static func syscalls(in set: String) async throws -> Set<String> {
        let listing = try await Tool.run("systemd-analyze", ["syscall-filter", "--no-pager", set])
        try #require(listing.status == 0, "\(listing.output)")
        var names = Set<String>()
        for line in listing.output.split(separator: "\n") where line.hasPrefix("    ") {
            let name = line.trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("#") || name.isEmpty { continue }
            if name.hasPrefix("@") {
                names.formUnion(try await syscalls(in: name))
            } else {
                names.insert(name)
            }
        }
        return names
    }
}
