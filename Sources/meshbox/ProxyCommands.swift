import ArgumentParser
import Foundation
import MeshAPI
import MeshAppliance
import MeshRemote

struct Proxy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Operate the node proxy: its status, and removing its capture rules.",
        subcommands: [ProxyStatusCommand.self, ProxyUninstallCommand.self]
    )
}

struct ProxyStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Capture rules installed, VIPs, listeners and the last reconcile.")
    @OptionGroup var client: ClientOptions
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() async throws {
        let api = try client.client()
        let status = try await withClientErrors { try await api.proxyStatus() }
        guard output == .table else { return try printJSON(status) }
        print("capture:        \(status.capture)")
        print("VIPs:           \(status.vipCount)")
        if let date = status.lastReconcile {
            let seconds = status.lastReconcileSeconds.map { String(format: " (took %.1f ms)", $0 * 1000) } ?? ""
            print("last reconcile: \(date.formatted(.iso8601))\(seconds)")
        } else {
            print("last reconcile: never")
        }
        print("repairs:        \(status.repairs)")
        if let error = status.lastError { print("last error:     \(error)") }
        if !status.families.isEmpty {
            var rows = [["FAMILY", "RANGE", "INSTALLED", "RULES", "VIPS"]]
            for family in status.families {
                rows.append([family.family, family.range, family.installed ? "yes" : "no", String(family.rules), String(family.vips)])
            }
            print("")
            printTable(rows)
        }
        if !status.listeners.isEmpty {
            var rows = [["LISTENER", "ADDRESS"]]
            for listener in status.listeners {
                rows.append([listener.name, listener.address ?? "failed: \(listener.error ?? "")"])
            }
            print("")
            printTable(rows)
        }
        for problem in status.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
    }
}

struct ProxyUninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove every capture rule meshbox made on this host (no server needed).",
        discussion: """
            Reads the host's tables and deletes meshbox's MESHBOX-* nat chains and their jumps
            (iptables and ip6tables) and the `inet meshbox` nftables table; nothing else is touched.
            Run it after a crash or kill -9, or before removing meshbox. Without --capture, both
            kinds are removed where their tools are installed.
            """
    )
    @Option(name: .long, help: "Which rules to remove: iptables or nftables (default: both).") var capture: String?
    @Option(name: .long, help: "YAML config file (for its serviceCIDR and proxy settings).") var config: String?

    func run() async throws {
        var backend: NodeProxySettings.Capture?
        if let capture {
            guard let parsed = NodeProxySettings.Capture(rawValue: capture), parsed != .none else {
                throw ValidationError("--capture: must be iptables or nftables, got '\(capture)'")
            }
            backend = parsed
        }
        let configuration: ApplianceConfiguration
        do {
            configuration = try config.map { try ApplianceConfiguration.load(file: $0) } ?? ApplianceConfiguration()
        } catch let error as ApplianceError {
            throw CLIError(error.description)
        }
        let (lines, ok) = await ProxyUninstall.run(capture: backend, configuration: configuration)
        for line in lines { print(line) }
        if !ok { throw ExitCode(1) }
    }
}

/// Pretty, sorted JSON with ISO-8601 dates, as `-o json` prints everywhere.
private func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
