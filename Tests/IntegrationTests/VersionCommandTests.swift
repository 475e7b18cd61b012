import Foundation
import MeshTesting
import Testing

@Suite("meshbox version")
struct VersionCommandTests {
    @Test("version and --version print the version, the commit and the build date, stamped or marked as a development build")
    func printsVersionCommitAndDate() async throws {
        let command = try await runMeshboxCLI(["version"])
        let flag = try await runMeshboxCLI(["--version"])
        #expect(command.status == 0 && flag.status == 0, "\(command.stderr) \(flag.stderr)")
        #expect(command.stdout == flag.stdout)

        let lines = command.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "got \(command.stdout)")
        #expect(lines[0].wholeMatch(of: /meshbox \d+\.\d+\.\d+/) != nil, "got \(lines[0])")
        // A release build (scripts/build-release.sh) names its commit and UTC build date; any other
        // build says it has neither, rather than printing a wrong one.
        let development = "unknown (development build)"
        let stamped = lines[1].wholeMatch(of: /commit: [0-9a-f]{40}(-dirty)?/) != nil
        #expect(stamped || lines[1] == "commit: " + development, "got \(lines[1])")
        if stamped {
            #expect(lines[2].wholeMatch(of: /built: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "got \(lines[2])")
        } else {
            #expect(lines[2] == "built: " + development)
        }
    }
}
