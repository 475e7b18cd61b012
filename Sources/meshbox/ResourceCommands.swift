import ArgumentParser
import Foundation
import MeshAPI
import MeshModel
import MeshRemote

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update resources from YAML/JSON files, a directory, or stdin (-), as one transaction."
    )

    @OptionGroup var client: ClientOptions

    @Option(name: [.customShort("f"), .long], help: "File, directory (*.yaml, *.yml, *.json) or - for stdin. Repeatable.")
    var filename: [String]

    @Flag(name: .long, help: "Validate and show what would change without writing.")
    var dryRun = false

    func run() async throws {
        guard !filename.isEmpty else { throw CLIError("-f: give at least one file, directory or -") }
        let text = try filename.map(readDocuments).joined(separator: "\n---\n")
        let api = try client.client()
        let result = try await withClientErrors { try await api.apply(text, dryRun: dryRun) }
        printWarnings(result.warnings)
        for outcome in result.outcomes {
            print("\(outcome.key.kind.rawValue.lowercased())/\(outcome.key.name) (\(outcome.key.namespace)) \(outcome.action.rawValue)\(dryRun ? " (dry run)" : "")")
        }
        print("revision \(result.revision)")
    }
}

/// Reads one -f argument: a file, every *.yaml/*.yml/*.json file of a directory in name order, or stdin.
func readDocuments(_ path: String) throws -> String {
    if path == "-" {
        return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("-f \(path): no such file or directory") }
    if isDirectory.boolValue {
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
            .sorted()
        guard !names.isEmpty else { throw CLIError("-f \(path): no *.yaml, *.yml or *.json files") }
        return try names.map { try readDocuments(path + "/" + $0) }.joined(separator: "\n---\n")
    }
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw CLIError("-f \(path): cannot read: \(error.localizedDescription)")
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, yaml, json
}

struct KindArgument: ExpressibleByArgument {
    var kind: ResourceKind
    init?(argument: String) {
        guard let kind = ResourceKind(name: argument) else { return nil }
        self.kind = kind
    }
    static var allValueStrings: [String] { ResourceKind.allCases.map(\.rawValue) }
}

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show resources: get KIND [NAME] [-n NS | -A] [-l SELECTOR] [-o table|yaml|json]. KIND may be 'all'."
    )

    @OptionGroup var client: ClientOptions

    @Argument(help: "Kind (VirtualService, virtualservices, vs, …) or 'all'.")
    var kind: String

    @Argument(help: "Resource name.")
    var name: String?

    @Option(name: .shortAndLong, help: "Namespace (default: default).")
    var namespace: String?

    @Flag(name: [.customShort("A"), .long], help: "All namespaces.")
    var allNamespaces = false

    @Option(name: [.customShort("l"), .long], help: "Label selector, e.g. app=reviews,version!=v1.")
    var selector: String?

    @Option(name: .shortAndLong, help: "Output format: table, yaml or json.")
    var output: OutputFormat = .table

    func run() async throws {
        let resolvedKind: ResourceKind?
        if kind.lowercased() == "all" {
            resolvedKind = nil
        } else {
            guard let parsed = ResourceKind(name: kind) else {
                throw CLIError("unknown kind '\(kind)' (kinds: \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            resolvedKind = parsed
        }
        let api = try client.client()
        let items: [StoredResource]
        if let name {
            guard let resolvedKind else { throw CLIError("a NAME needs a KIND, not 'all'") }
            let key = ResourceKey(kind: resolvedKind, namespace: namespace ?? ObjectMeta.defaultNamespace, name: name)
            items = [try await withClientErrors { try await api.get(key) }]
        } else {
            let namespaceFilter = allNamespaces ? nil : (namespace ?? ObjectMeta.defaultNamespace)
            items = try await withClientErrors { try await api.list(kind: resolvedKind, namespace: namespaceFilter, selector: selector) }.items
        }
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let value: Data = name != nil ? try encoder.encode(items[0].resource) : try encoder.encode(items.map(\.resource))
            print(String(decoding: value, as: UTF8.self))
        case .yaml:
            print(ResourceEncoder.yaml(items.map(\.resource)), terminator: "")
        case .table:
            if items.isEmpty {
                FileHandle.standardError.write(Data("No resources found.\n".utf8))
                return
            }
            // Services and ServiceEntries show their VIPs (fixed or allocated, `status.vips`).
            let showVIPs = items.contains { $0.key.kind == .service || $0.key.kind == .serviceEntry }
            var rows = [["KIND", "NAMESPACE", "NAME"] + (showVIPs ? ["VIP"] : []) + ["REVISION", "VERSION", "AGE"]]
            for item in items {
                let vips = (item.status?.vips ?? []).map(\.address).joined(separator: ",")
                rows.append(
                    [item.key.kind.rawValue, item.key.namespace, item.key.name] + (showVIPs ? [vips.isEmpty ? "-" : vips] : [])
                        + [String(item.revision), String(item.version), age(since: item.updatedAt)]
                )
            }
            printTable(rows)
        }
    }
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a resource: delete KIND NAME [-n NS].")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Kind.") var kind: String
    @Argument(help: "Name.") var name: String
    @Option(name: .shortAndLong, help: "Namespace (default: default).") var namespace: String?

    func run() async throws {
        guard let resolvedKind = ResourceKind(name: kind) else { throw CLIError("unknown kind '\(kind)'") }
        let key = ResourceKey(kind: resolvedKind, namespace: namespace ?? ObjectMeta.defaultNamespace, name: name)
        let api = try client.client()
        let result = try await withClientErrors { try await api.delete(key) }
        print("\(key) deleted")
        print("revision \(result.revision)")
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a resource's history, newest first: history KIND NAME [-n NS].")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Kind.") var kind: String
    @Argument(help: "Name.") var name: String
    @Option(name: .shortAndLong, help: "Namespace (default: default).") var namespace: String?
    @Option(name: .shortAndLong, help: "Output format: table, yaml or json.") var output: OutputFormat = .table

    func run() async throws {
        guard let resolvedKind = ResourceKind(name: kind) else { throw CLIError("unknown kind '\(kind)'") }
        let key = ResourceKey(kind: resolvedKind, namespace: namespace ?? ObjectMeta.defaultNamespace, name: name)
        let api = try client.client()
        let entries = try await withClientErrors { try await api.history(key) }
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
        case .yaml:
            for entry in entries {
                print("# revision \(entry.revision): \(entry.action.rawValue)")
                if let resource = entry.resource { print(ResourceEncoder.yaml([resource]), terminator: "") }
                print("---")
            }
        case .table:
            var rows = [["REVISION", "ACTION", "AGE"]]
            for entry in entries { rows.append([String(entry.revision), entry.action.rawValue, age(since: entry.timestamp)]) }
            printTable(rows)
        }
    }
}

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Roll one resource (rollback KIND NAME --to-revision N) or the whole store (rollback --all --to-revision N) back."
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "Kind (omit with --all).") var kind: String?
    @Argument(help: "Name (omit with --all).") var name: String?
    @Option(name: .shortAndLong, help: "Namespace (default: default).") var namespace: String?
    @Option(name: .customLong("to-revision"), help: "The revision to go back to.") var revision: Int64
    @Flag(name: .long, help: "Roll the whole store back.") var all = false

    func run() async throws {
        let api = try client.client()
        let result: WriteResult
        if all {
            guard kind == nil else { throw CLIError("--all rolls back everything; give no KIND or NAME") }
            result = try await withClientErrors { try await api.rollbackAll(to: revision) }
        } else {
            guard let kind, let name else { throw CLIError("give KIND and NAME, or --all") }
            guard let resolvedKind = ResourceKind(name: kind) else { throw CLIError("unknown kind '\(kind)'") }
            let key = ResourceKey(kind: resolvedKind, namespace: namespace ?? ObjectMeta.defaultNamespace, name: name)
            result = try await withClientErrors { try await api.rollback(key, to: revision) }
        }
        for outcome in result.outcomes { print("\(outcome.key) \(outcome.action.rawValue)") }
        print("revision \(result.revision)")
    }
}

func printTable(_ rows: [[String]]) {
    guard let first = rows.first else { return }
    var widths = Array(repeating: 0, count: first.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    for row in rows {
        let line = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
        }.joined()
        print(line)
    }
}

func age(since date: Date) -> String {
    let seconds = max(0, Int(Date().timeIntervalSince(date)))
    if seconds < 120 { return "\(seconds)s" }
    if seconds < 7200 { return "\(seconds / 60)m" }
    if seconds < 172_800 { return "\(seconds / 3600)h" }
    return "\(seconds / 86400)d"
}
