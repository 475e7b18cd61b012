import ArgumentParser
import Foundation
import MeshAppliance
import MeshModel
import MeshRemote

/// How a CLI command finds the server and its token: flags, then `MESHBOX_SERVER` /
/// `MESHBOX_TOKEN`, then the local data dir (`console.url`, `admin-token`).
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Admin API URL (default: $MESHBOX_SERVER, else the local data dir's console.url, else http://127.0.0.1:15000).")
    var server: String?

    @Option(name: .long, help: "Admin token (default: $MESHBOX_TOKEN, else <data-dir>/admin-token).")
    var token: String?

    @Option(name: .long, help: "Local data dir to find the server and token in.")
    var dataDir: String?

    func client() throws -> AdminClient {
        let environment = ProcessInfo.processInfo.environment
        let dataDirectory = dataDir ?? ApplianceConfiguration.defaultDataDirectory()
        let serverText =
            server ?? environment["MESHBOX_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (try? String(contentsOfFile: dataDirectory + "/console.url", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "http://127.0.0.1:15000"
        guard let url = URL(string: serverText), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw CLIError("--server: not an http(s) URL: \(serverText)")
        }
        var tokenText = token ?? environment["MESHBOX_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if tokenText == nil {
            let path = dataDirectory + "/admin-token"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                tokenText = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return AdminClient(baseURL: url, token: tokenText)
    }
}

/// A CLI failure: printed as `error: …` and exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a client call, turning server errors into readable CLI errors with field paths.
func withClientErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AdminClientError {
        var lines: [String] = []
        if error.issues.isEmpty { lines.append(error.message) }
        for issue in error.issues { lines.append(issue.description) }
        lines += error.details
        if error.status == 401 { lines.append("(use --token, $MESHBOX_TOKEN or run where <data-dir>/admin-token is readable)") }
        FileHandle.standardError.write(Data(lines.map { "error: " + $0 + "\n" }.joined().utf8))
        throw ExitCode(1)
    }
}

func printWarnings(_ warnings: [FieldIssue]) {
    for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning.description)\n".utf8)) }
}
