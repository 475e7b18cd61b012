import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A network namespace of a test's own (`meshbox-test-<random>`), deleted when the test ends,
/// failed or not. Every iptables command of a test runs in one, never in the machine's namespace.
public struct NetworkNamespace: Sendable, Hashable {
    public let name: String

    /// The search path commands run with (`ip`, `iptables` live in /usr/sbin).
    public static let path = "/usr/sbin:/sbin:/usr/bin:/bin"

    /// Root, `ip netns` and iptables are there (in CI they are: it runs as root, install-deps.sh
    /// installs iptables).
    public static let isAvailable: Bool = {
        guard getuid() == 0 else { return false }
        for tool in ["ip", "iptables-restore", "iptables-save", "ip6tables-restore", "python3"] {
            guard
                (try? ChildProcess.run("/usr/bin/env", ["sh", "-c", "command -v \(tool) || test -x /usr/sbin/\(tool)"]))?
                    .status == 0
            else { return false }
        }
        return (try? ChildProcess.run("/usr/bin/env", ["PATH=\(path)", "ip", "netns", "list"]))?.status == 0
    }()

    /// `nft` is there too (scripts/install-deps.sh installs nftables).
    public static let hasNFT: Bool =
        (try? ChildProcess.run("/usr/bin/env", ["sh", "-c", "command -v nft || test -x /usr/sbin/nft"]))?.status == 0

    public init(name: String) {
        self.name = name
    }

    /// Makes a fresh namespace (`<prefix>-<random>`) with its loopback up. The caller deletes it.
    public static func create(prefix: String = "meshbox-test") async throws -> NetworkNamespace {
        let name = prefix + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let added = try await ChildProcess.run("/usr/bin/env", ["PATH=\(path)", "ip", "netns", "add", name])
        guard added.status == 0 else { throw NamespaceFailure(description: "ip netns add \(name): \(added.output)") }
        let namespace = NetworkNamespace(name: name)
        do {
            try await namespace.run("ip", "link", "set", "lo", "up")
        } catch {
            await namespace.delete()
            throw error
        }
        return namespace
    }

    /// Runs `body` with a fresh namespace whose loopback is up; deletes it afterwards, even when
    /// `body` throws or an expectation failed.
    public static func with<T>(_ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let namespace = try await create()
        do {
            let result = try await body(namespace)
            await namespace.delete()
            return result
        } catch {
            await namespace.delete()
            throw error
        }
    }

    /// `ip netns delete`; the namespace's interfaces (and veth peers elsewhere) go with it.
    public func delete() async {
        _ = try? await ChildProcess.run("/usr/bin/env", ["PATH=\(Self.path)", "ip", "netns", "delete", name])
    }

    /// `ip netns exec <name> <arguments>` through `env` with `path`: a command line to spawn.
    public func command(_ arguments: [String]) -> [String] {
        ["PATH=\(Self.path)", "ip", "netns", "exec", name] + arguments
    }

    /// Runs one command in the namespace; its standard output. Throws unless it exits 0.
    @discardableResult
    public func run(_ arguments: String..., input: String? = nil) async throws -> String {
        try await run(arguments, input: input)
    }

    /// Runs one command in the namespace; its standard output. Throws unless it exits 0.
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) async throws -> String {
        let result = try await runCollecting(arguments, input: input)
        guard result.status == 0 else {
            throw NamespaceFailure(
                description: "\(arguments.joined(separator: " ")) in \(name) exited \(result.status): \(result.standardError)")
        }
        return result.standardOutput
    }

    /// Runs one command in the namespace to completion: exit status, standard output and error.
    public func runCollecting(
        _ arguments: [String], input: String? = nil
    ) async throws -> (status: Int32, standardOutput: String, standardError: String) {
        let directory = try TemporaryDirectory(prefix: "meshbox-netns-run")
        defer { directory.remove() }
        var inputPath: String?
        if let input {
            inputPath = directory.file("in")
            try input.write(toFile: directory.file("in"), atomically: true, encoding: .utf8)
        }
        let child = try ChildProcess(
            executable: "/usr/bin/env", arguments: command(arguments), standardInput: inputPath,
            standardOutput: directory.file("out"), standardError: directory.file("err"))
        let status = await child.exited()
        return (
            status, (try? String(contentsOfFile: directory.file("out"), encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: directory.file("err"), encoding: .utf8)) ?? ""
        )
    }

    /// Starts a long-running program in the namespace (`ip netns exec` execs it: the child's PID
    /// is the program's own). Standard output and error go to `output`.
    public func spawn(_ arguments: [String], output: String, environment: [String: String]? = nil) throws -> ChildProcess {
        try ChildProcess(
            executable: "/usr/bin/env", arguments: command(arguments), environment: environment, standardOutput: output,
            standardError: output)
    }
}

/// A namespace command that failed, with what it printed.
public struct NamespaceFailure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
