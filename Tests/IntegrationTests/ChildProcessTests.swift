import Foundation
import MeshTesting
import Testing

/// The test support that starts child processes (meshbox, curl, openssl) without Foundation's
/// `Process`: what a child inherits from the test process.
@Suite("Child processes of tests")
struct ChildProcessTests {
    @Test("a child gets only its three standard streams, no blocked signals, and its exit status")
    func cleanChild() throws {
        // `ls` lists its own descriptors: 0-2 and the one it reads the directory with.
        let descriptors = try ChildProcess.run("/bin/sh", ["-c", "ls /proc/self/fd"])
        #expect(descriptors.status == 0)
        let open = descriptors.output.split(whereSeparator: \.isNewline).compactMap { Int($0) }
        #expect(open.filter { $0 > 3 } == [], "inherited descriptors: \(open)")
        let mask = try ChildProcess.run("/bin/sh", ["-c", "grep SigBlk /proc/self/status"])
        #expect(mask.output.trimmingCharacters(in: .whitespacesAndNewlines) == "SigBlk:\t0000000000000000")
        #expect(try ChildProcess.run("/bin/sh", ["-c", "exit 7"]).status == 7)
    }

    @Test("a child ended by a signal reports the signal, as Foundation's Process does")
    func signalled() async throws {
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        #expect(child.isRunning)
        child.signal(SIGTERM)
        #expect(await child.exit(within: .seconds(10)) == SIGTERM)
        #expect(!child.isRunning)
    }

    @Test("waiting for children does not hold the threads that async tests share")
    func asyncWaitsLeaveThreadsFree() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-child-wait")
        defer { directory.remove() }
        let flag = directory.file("go")
        // Each child waits (up to ~10 s) for a file this test creates only after starting them
        // all: a wait that blocked its thread would leave none to create it, and they would fail.
        let script = "for i in $(seq 1000); do [ -f '\(flag)' ] && exit 0; sleep 0.01; done; exit 1"
        let children = ProcessInfo.processInfo.activeProcessorCount + 2
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<children {
                group.addTask { try await ChildProcess.run("/bin/sh", ["-c", script]).status }
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(FileManager.default.createFile(atPath: flag, contents: nil))
            for try await status in group { #expect(status == 0) }
        }
        let signalled = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "exit 5"])
        #expect(await signalled.exited() == 5)
    }
}
