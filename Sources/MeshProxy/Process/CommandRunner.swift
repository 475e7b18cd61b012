/// A program to run to completion, with its standard input.
public struct Command: Sendable, Hashable, CustomStringConvertible {
    /// A path, or a name looked up in PATH and the sbin directories.
    public var executable: String
    public var arguments: [String]
    /// Written to the program's standard input; nil for /dev/null.
    public var input: String?

    public init(_ executable: String, _ arguments: [String] = [], input: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.input = input
    }

    public var description: String { ([executable] + arguments).joined(separator: " ") }
}

/// What a finished program left: its exit status and what it printed.
public struct CommandOutput: Sendable, Hashable {
    /// The exit code, or 128 + the signal for a program ended by one.
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    public init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}

/// Runs the host's tools (`iptables-restore`, `iptables-save`, ...). Injected, so tests can run
/// every command inside a network namespace (`ip netns exec <ns> …`) or record them.
public protocol CommandRunner: Sendable {
    func run(_ command: Command) async throws -> CommandOutput
}
