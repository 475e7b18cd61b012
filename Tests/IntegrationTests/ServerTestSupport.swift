import Foundation
import MeshRemote
import MeshTesting

/// A running `meshbox serve` in its own temp data dir, with a client that holds its token.
struct RunningServer {
    let directory: TemporaryDirectory
    let process: MeshboxProcess
    var client: AdminClient { AdminClient(baseURL: process.consoleURL, token: process.adminToken) }

    static func start(directory: TemporaryDirectory? = nil, arguments: [String] = [], environment: [String: String] = [:]) async throws -> RunningServer {
        let directory = try directory ?? TemporaryDirectory(prefix: "meshbox-it")
        let process = try await MeshboxProcess.serve(dataDirectory: directory.path + "/data", extraArguments: arguments, environment: environment)
        return RunningServer(directory: directory, process: process)
    }

    /// Environment for CLI runs against this server.
    var cliEnvironment: [String: String] {
        ["MESHBOX_SERVER": process.consoleURL.absoluteString, "MESHBOX_TOKEN": process.adminToken]
    }

    /// For `defer`: kills the server if a test left it running, and removes the temp dir.
    func cleanUp() {
        process.kill()
        directory.remove()
    }
}

let repositoryRoot = MeshboxProcess.repositoryRoot()

func example(_ name: String) throws -> String {
    try String(contentsOfFile: repositoryRoot + "/etc/examples/" + name, encoding: .utf8)
}
