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
}
