import Foundation

/// Runs a command-line tool (curl, openssl) to completion for a test.
public enum Tool {
    /// Its exit status and everything it printed. The output goes through a file, not a pipe,
    /// because Foundation's pipe reading traps on EINTR.
    public static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = try TemporaryDirectory(prefix: "meshbox-run")
        defer { directory.remove() }
        let outputPath = directory.path + "/output"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? output.close()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
