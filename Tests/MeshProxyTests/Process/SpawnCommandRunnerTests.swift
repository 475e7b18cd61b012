import Testing

@testable import MeshProxy

@Suite("Spawn command runner")
struct SpawnCommandRunnerTests {
    @Test("standard input in, output and error and exit status back")
    func roundTrip() async throws {
        let output = try await SpawnCommandRunner().run(
            Command("sh", ["-c", "tr a-z A-Z; echo oops >&2; exit 3"], input: "hello\n")
        )
        #expect(output == CommandOutput(status: 3, standardOutput: "HELLO\n", standardError: "oops\n"))
    }

    @Test("a prefix runs the command under another")
    func prefix() async throws {
        let output = try await SpawnCommandRunner(prefix: ["env", "MESHBOX_PREFIX_TEST=1"]).run(
            Command("sh", ["-c", "echo $MESHBOX_PREFIX_TEST"])
        )
        #expect(output.standardOutput == "1\n")
    }

    @Test("a program that is not installed is an error, not a crash")
    func missing() async {
        await #expect(throws: (any Error).self) {
            try await SpawnCommandRunner().run(Command("meshbox-no-such-tool"))
        }
    }
}
