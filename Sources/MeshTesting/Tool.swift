import Foundation

/// Runs a command-line tool (curl, openssl) to completion for a test.
public enum Tool {
    /// Its exit status and everything it printed (found on PATH, through a file: no pipe to drain).
    public static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run("/usr/bin/env", [tool] + arguments)
    }

    /// `run` for async code: waits without blocking one of the few threads async tests share.
    public static func run(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run("/usr/bin/env", [tool] + arguments)
    }
}
